/**
 * How a run fails on any runner: the error names the node and carries the original one,
 * scheduling stops, saved outputs stay, running nodes finish, and a run that cannot settle ends
 * on its timeout or signal.
 *
 * @module
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbstractDataset } from '../abstract-dataset.js';
import { DataCatalog } from '../data-catalog.js';
import { DatasetError, NodeFailedError } from '../errors.js';
import { JSONDataset } from '../file-datasets.js';
import type { Hooks } from '../hooks.js';
import { node } from '../node.js';
import { pipeline } from '../pipeline.js';
import { LoggingDataset } from './logging-dataset.js';
import {
  identity,
  neverSettles,
  sleep50,
  sleepThenReturn,
  throwsError,
  throwsErrorNoInput,
} from './suite-nodes.js';
import {
  capabilitiesOf,
  failure,
  itWith,
  type RunnerSuiteOptions,
  type RunnerUnderTest,
  type TestApi,
} from './test-api.js';

class FailingSaveDataset extends AbstractDataset {
  protected _load(): unknown {
    return 1;
  }
  protected _save(): void {
    throw new Error('disk full');
  }
}

/**
 * Registers the failure tests, and, for runners that run nodes concurrently, the concurrent ones
 * (running nodes finish before the run rejects; a run with a node that never settles ends on its
 * timeout or signal, and the runner still works).
 *
 * @experimental
 * @since 0.1.0
 */
export function describeFailuresSuite(
  test: TestApi,
  runners: readonly RunnerUnderTest[],
  options: RunnerSuiteOptions = {},
): void {
  const { describe, expect } = test;
  const it = itWith(test, options);
  for (const kind of runners) {
    const can = capabilitiesOf(kind);
    describe(`${kind.name}: failures`, () => {
      it('rejects with an error naming the node, carrying the original error (name, message, code)', async () => {
        const p = pipeline([node(throwsError, 'a', 'b', { name: 'boom' })]);
        const err = await failure<NodeFailedError>(kind.make().run(p, new DataCatalog({ a: 1 })));
        expect(err).toBeInstanceOf(NodeFailedError);
        expect(err.code).toBe('ERR_NODE_FAILED');
        expect(err.node).toBe('boom');
        expect(err.message).toBe(
          "Node 'boom' failed: test exception\nNo node completed: there is nothing to resume from; run the pipeline again.",
        );
        const cause = err.cause as Error & { code: string };
        expect(cause).toBeInstanceOf(Error);
        expect(cause.message).toBe('test exception');
        expect(cause.code).toBe('E_TEST');
        expect(err.resume.fromNodes).toEqual([]);
      });

      it('stops scheduling after a failure', async () => {
        const log: string[] = [];
        const datasets = Object.fromEntries(
          ['b', 'c', 'd', 'e', 'f'].map((n) => [`out_${n}`, new LoggingDataset(log, n)]),
        );
        // Where a failure comes back later than a success, the other nodes take 300 ms, so the
        // failure is known before they end.
        const other = can.immediateFailures ? identity : sleepThenReturn;
        const p = pipeline([
          node(throwsErrorNoInput, null, 'out_a', { name: 'a_fail' }),
          ...['b', 'c', 'd', 'e', 'f'].map((n) => node(other, 'x', `out_${n}`, { name: `${n}_ok` })),
        ]);
        // With two slots, at most the one node started alongside the failing one ran; sequentially, none.
        const runner = kind.makeBounded?.(2) ?? kind.make();
        const slots = !can.concurrent
          ? 1
          : kind.makeBounded !== undefined
            ? 2
            : (can.maxConcurrentNodes ?? Number.POSITIVE_INFINITY);
        const x = can.immediateFailures ? 1 : 300;
        await failure(runner.run(p, new DataCatalog({ x, ...datasets })));
        expect(log.length).toBeLessThanOrEqual(Math.min(slots - 1, 5));
      });

      it('keeps outputs already saved, and names a dataset whose save throws', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'weft-fail-'));
        try {
          const catalog = new DataCatalog({
            a: 1,
            saved: new JSONDataset({ filepath: join(dir, 'saved.json') }),
            broken: new FailingSaveDataset(),
          });
          const p = pipeline([
            node(identity, 'a', 'saved', { name: 'first' }),
            node(identity, 'saved', 'broken', { name: 'second' }),
          ]);
          const err = await failure<NodeFailedError>(kind.make().run(p, catalog));
          expect(err.node).toBe('second');
          expect(err.cause).toBeInstanceOf(DatasetError);
          expect((err.cause as Error).message).toBe(
            'broken: Failed while saving data to dataset FailingSaveDataset().\nError: disk full',
          );
          expect(JSON.parse(await readFile(join(dir, 'saved.json'), 'utf8'))).toBe(1);
          expect(err.resume.fromNodes).toEqual(['second']);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
    });

    if (!can.concurrent) continue;
    describe(`${kind.name}: concurrent failures`, () => {
      it('lets running nodes finish before rejecting', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'weft-fail-'));
        try {
          const slowOut = join(dir, 'slow.json');
          const p = pipeline([
            node(sleep50, 'x', 'slow', { name: 'slow' }),
            node(throwsError, 'x', 'fast', { name: 'fast' }),
          ]);
          const catalog = new DataCatalog({ x: 1, slow: new JSONDataset({ filepath: slowOut }) });
          const err = await failure<NodeFailedError>(kind.make().run(p, catalog));
          expect(err.node).toBe('fast');
          expect(JSON.parse(await readFile(slowOut, 'utf8'))).toBe('slept');
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });

      it('ends on timeout when a node never settles while another fails', async () => {
        const p = pipeline([
          node(neverSettles, 'x', 'never', { name: 'hang' }),
          node(throwsError, 'x', 'y', { name: 'boom' }),
        ]);
        const started = Date.now();
        // Generous: the failing node must fail first, even on a loaded machine with a cold worker.
        const err = await failure<NodeFailedError>(
          kind.make().run(p, new DataCatalog({ x: 1 }), { timeoutMs: 2_000 }),
        );
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(err).toBeInstanceOf(NodeFailedError);
        expect(err.node).toBe('boom');
        expect(err.abandonedNodes).toEqual(['hang']);
      });

      it('ends when cancelled through the signal after a failure, and the runner still works', async () => {
        const controller = new AbortController();
        const hooks: Hooks[] = [{ onNodeError: () => void setTimeout(() => controller.abort(), 10) }];
        const p = pipeline([
          node(neverSettles, 'x', 'never', { name: 'hang' }),
          node(throwsError, 'x', 'y', { name: 'boom' }),
        ]);
        const runner = kind.make();
        const err = await failure<NodeFailedError>(
          runner.run(p, new DataCatalog({ x: 1 }), { hooks, signal: controller.signal }),
        );
        expect(err.node).toBe('boom');
        expect(err.abandonedNodes).toEqual(['hang']);
        const ok = pipeline([node(identity, 'x', 'y', { name: 'n' })]);
        expect(await runner.run(ok, new DataCatalog({ x: 2 }))).toEqual({ y: 2 });
      });
    });
  }
}
