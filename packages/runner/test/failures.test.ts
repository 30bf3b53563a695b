import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AbstractDataset,
  DataCatalog,
  DatasetError,
  findNodesToResumeFrom,
  type Hooks,
  JSONDataset,
  NodeFailedError,
  node,
  type Pipeline,
  pipeline,
  RunCancelledError,
  RunTimeoutError,
  SequentialRunner,
  ThreadRunner,
} from '../src/index.js';
import {
  biconcat,
  burnCpu,
  failWith,
  identity,
  neverSettles,
  sleep50,
  throwsError,
  throwsErrorNoInput,
} from './fixtures/nodes.js';
import { LoggingDataset } from './support/logging-dataset.js';
import { closeRunners, RUNNERS } from './support/runners.js';

afterAll(closeRunners);

async function failure<E = NodeFailedError>(p: Promise<unknown>): Promise<E> {
  try {
    await p;
  } catch (e) {
    return e as E;
  }
  throw new Error('expected the run to fail');
}

class FailingSaveDataset extends AbstractDataset {
  protected _load(): unknown {
    return 1;
  }
  protected _save(): void {
    throw new Error('disk full');
  }
}

describe.each(RUNNERS)('$name: failures', (kind) => {
  it('rejects with an error naming the node, carrying the original error (name, message, code)', async () => {
    const p = pipeline([node(throwsError, 'a', 'b', { name: 'boom' })]);
    const err = await failure(kind.make().run(p, new DataCatalog({ a: 1 })));
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
    const p = pipeline([
      node(throwsErrorNoInput, null, 'out_a', { name: 'a_fail' }),
      ...['b', 'c', 'd', 'e', 'f'].map((n) => node(identity, 'x', `out_${n}`, { name: `${n}_ok` })),
    ]);
    const runner = kind.name === 'ThreadRunner' ? new ThreadRunner({ maxWorkers: 2 }) : kind.make();
    await failure(runner.run(p, new DataCatalog({ x: 1, ...datasets })));
    // At most the nodes started alongside the failing one ran (Sequential: none; 2 slots: one).
    expect(log.length).toBeLessThanOrEqual(kind.name === 'SequentialRunner' ? 0 : 1);
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
      const err = await failure(kind.make().run(p, catalog));
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

describe.each(RUNNERS.filter((k) => k.name !== 'SequentialRunner'))('$name: concurrent failures', (kind) => {
  it('lets running nodes finish before rejecting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-fail-'));
    try {
      const slowOut = join(dir, 'slow.json');
      const p = pipeline([
        node(sleep50, 'x', 'slow', { name: 'slow' }),
        node(throwsError, 'x', 'fast', { name: 'fast' }),
      ]);
      const catalog = new DataCatalog({ x: 1, slow: new JSONDataset({ filepath: slowOut }) });
      const err = await failure(kind.make().run(p, catalog));
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
    const err = await failure(kind.make().run(p, new DataCatalog({ x: 1 }), { timeoutMs: 2_000 }));
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
    const err = await failure(runner.run(p, new DataCatalog({ x: 1 }), { hooks, signal: controller.signal }));
    expect(err.node).toBe('boom');
    expect(err.abandonedNodes).toEqual(['hang']);
    const ok = pipeline([node(identity, 'x', 'y', { name: 'n' })]);
    expect(await runner.run(ok, new DataCatalog({ x: 2 }))).toEqual({ y: 2 });
  });
});

describe('cancellation without failure', () => {
  it('times out a run whose node never settles, naming it', async () => {
    const p = pipeline([node(neverSettles, 'x', 'y', { name: 'hang' })]);
    const err = await failure<RunTimeoutError>(
      new SequentialRunner().run(p, new DataCatalog({ x: 1 }), { timeoutMs: 50 }),
    );
    expect(err).toBeInstanceOf(RunTimeoutError);
    expect(err.code).toBe('ERR_RUN_TIMEOUT');
    expect(err.message).toMatch(/^Pipeline run timed out after 50 ms\. Nodes still running: \{'hang'\}\./);
    expect(err.abandonedNodes).toEqual(['hang']);
  });

  it('rejects with RunCancelledError carrying the abort reason', async () => {
    const controller = new AbortController();
    const p = pipeline([node(neverSettles, 'x', 'y', { name: 'hang' })]);
    const run = new ThreadRunner().run(p, new DataCatalog({ x: 1 }), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user pressed ctrl-c')), 20);
    const err = await failure<RunCancelledError>(run);
    expect(err).toBeInstanceOf(RunCancelledError);
    expect(err.code).toBe('ERR_RUN_CANCELLED');
    expect((err.cause as Error).message).toBe('user pressed ctrl-c');
  });

  it('does not start with an already aborted signal', async () => {
    const log: string[] = [];
    const p = pipeline([node(identity, 'x', 'y', { name: 'n' })]);
    const err = await failure<RunCancelledError>(
      new SequentialRunner().run(p, new DataCatalog({ x: 1, y: new LoggingDataset(log, 'y') }), {
        signal: AbortSignal.abort(),
      }),
    );
    expect(err).toBeInstanceOf(RunCancelledError);
  });
});

describe('a synchronous node that overruns timeoutMs', () => {
  for (const make of [() => new SequentialRunner(), () => new ThreadRunner()]) {
    it(`${make().constructor.name}: fails the run with RunTimeoutError once the node returns, naming it, and starts nothing after it`, async () => {
      const log: string[] = [];
      const p = pipeline([
        node(burnCpu, 'ms', 'burnt', { name: 'slow' }),
        node(identity, 'burnt', 'after', { name: 'next' }),
      ]);
      const catalog = new DataCatalog({
        ms: 600,
        burnt: new LoggingDataset(log, 'burnt', undefined, true),
        after: new LoggingDataset(log, 'after'),
      });
      const err = await failure<RunTimeoutError>(make().run(p, catalog, { timeoutMs: 50 }));
      expect(err).toBeInstanceOf(RunTimeoutError);
      expect(err.code).toBe('ERR_RUN_TIMEOUT');
      expect(err.message).toMatch(
        /^Pipeline run timed out after 50 ms\. Node 'slow' returned only after the deadline: it held this thread, and code running in this thread cannot be interrupted \(ParallelRunner can/,
      );
      expect(err.abandonedNodes).toEqual([]);
      // What the late node saved stays saved; the node after it never started.
      expect(log).toContain('save burnt');
      expect(log.some((l) => l.includes('after'))).toBe(false);
      expect(err.resume.fromNodes).toEqual(['next']);
    });
  }

  it('still succeeds when it returns before the deadline', async () => {
    const p = pipeline([node(burnCpu, 'ms', 'burnt', { name: 'quick' })]);
    expect(await new SequentialRunner().run(p, new DataCatalog({ ms: 1 }), { timeoutMs: 30_000 })).toEqual({
      burnt: 1,
    });
  });
});

describe('resume suggestions (Kedro checklist 21-26)', () => {
  // Kedro's two_branches_crossed: persistent ds0_*, ds2_*, ds4_*; `_`-prefixed datasets in memory.
  function xPipeline(failing: string): Pipeline {
    const fn = (name: string, f: (...a: never[]) => unknown) => (name === failing ? failWith : f);
    return pipeline([
      node(fn('node1_A', identity), 'ds0_A', '_ds1_A', { name: 'node1_A' }),
      node(fn('node1_B', identity), 'ds0_B', '_ds1_B', { name: 'node1_B' }),
      node(fn('node2', biconcat), ['_ds1_A', '_ds1_B'], ['ds2_A', 'ds2_B'], { name: 'node2' }),
      node(fn('node3_A', identity), 'ds2_A', '_ds3_A', { name: 'node3_A' }),
      node(fn('node3_B', identity), 'ds2_B', '_ds3_B', { name: 'node3_B' }),
      node(fn('node4_A', identity), '_ds3_A', 'ds4_A', { name: 'node4_A' }),
      node(fn('node4_B', identity), '_ds3_B', 'ds4_B', { name: 'node4_B' }),
    ]);
  }
  function persistentCatalog(): DataCatalog {
    const log: string[] = [];
    const persistent = (name: string, value?: unknown) => new LoggingDataset(log, name, value, true);
    return new DataCatalog({
      ds0_A: persistent('ds0_A', 1),
      ds0_B: persistent('ds0_B', 2),
      ds2_A: persistent('ds2_A'),
      ds2_B: persistent('ds2_B'),
      ds4_A: persistent('ds4_A'),
      ds4_B: persistent('ds4_B'),
    });
  }

  it.each([
    ['node1_A', [], 'No node completed'],
    ['node2', ['node1_A', 'node1_B'], 'run pipeline.fromNodes("node1_A", "node1_B")'],
    ['node3_A', ['node3_A', 'node3_B'], 'run pipeline.fromNodes("node3_A", "node3_B")'],
    ['node4_A', ['node3_A', 'node3_B'], 'run pipeline.fromNodes("node3_A", "node3_B")'],
    ['node4_B', ['node3_B'], 'run pipeline.fromNodes("node3_B")'],
  ])('failure in %s suggests %j', async (failing, expected, text) => {
    for (const runner of [new SequentialRunner(), new ThreadRunner({ maxWorkers: 1 })]) {
      const p = xPipeline(failing);
      const err = await failure(runner.run(p, persistentCatalog()));
      expect(err.node).toBe(failing);
      expect(err.resume.fromNodes).toEqual(expected);
      expect(err.message).toContain(text);
      if (expected.length > 0) {
        expect(err.message).toContain(
          `pipeline.fromNodes(${expected.map((e) => JSON.stringify(e)).join(', ')})`,
        );
        // Resuming from the suggestion re-runs every node that did not finish.
        const resumed = p.fromNodes(...expected).nodeNames;
        const finished = new Set(p.nodeNames.filter((n) => !resumed.includes(n)));
        expect(finished.has(failing)).toBe(false);
      }
    }
  });

  it('with every dataset persistent, fromNodes(suggestion) is exactly the remaining nodes', () => {
    const p = xPipeline('none');
    const catalog = new DataCatalog(
      Object.fromEntries([...p.datasets()].map((d) => [d, new LoggingDataset([], d, undefined, true)])),
    );
    const remaining = ['node3_A', 'node3_B', 'node4_A', 'node4_B'].map(
      (n) => p.getNode(n) as (typeof p.nodes)[0],
    );
    const suggestion = findNodesToResumeFrom(p, remaining, catalog);
    expect(p.fromNodes(...suggestion).nodeNames.sort()).toEqual(['node3_A', 'node3_B', 'node4_A', 'node4_B']);
    expect(findNodesToResumeFrom(p, [], catalog)).toEqual([]);
  });
});
