/**
 * The basic runs of Kedro's runner checklist (1-19, 41-44), input validation, generator nodes,
 * long pipelines and scheduling, for any runner.
 *
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataCatalog } from '../data-catalog.js';
import { DatasetError, MissingInputsError, NodeFailedError } from '../errors.js';
import { JSONDataset } from '../file-datasets.js';
import { MemoryDataset } from '../memory-dataset.js';
import { node } from '../node.js';
import { type Pipeline, pipeline } from '../pipeline.js';
import { ConfirmableDataset, LoggingDataset } from './logging-dataset.js';
import {
  asyncDouble,
  biconcat,
  constantOutput,
  countTo,
  identity,
  pairsTo,
  returnUndefined,
  sink,
  sleepThenReturn,
  splitPair,
  sum,
  triconcat,
} from './suite-nodes.js';
import {
  capabilitiesOf,
  failure,
  itWith,
  type RunnerSuiteOptions,
  type RunnerUnderTest,
  type TestApi,
} from './test-api.js';

/** A → B → (C, D, E) → Z, of `identity` and `triconcat` nodes. */
export function fanOutFanIn(): Pipeline {
  return pipeline([
    node(identity, 'A', 'B', { name: 'node1' }),
    node(identity, 'B', 'C', { name: 'node2' }),
    node(identity, 'B', 'D', { name: 'node3' }),
    node(identity, 'B', 'E', { name: 'node4' }),
    node(triconcat, ['C', 'D', 'E'], 'Z', { name: 'node5' }),
  ]);
}

/**
 * Registers the basic-run tests (Kedro checklist 1-19 and 41-44: results, input validation,
 * release and confirm, generator nodes), and, by capability, long pipelines and scheduling.
 *
 * @experimental
 * @since 0.1.0
 */
export function describeBasicsSuite(
  test: TestApi,
  runners: readonly RunnerUnderTest[],
  options: RunnerSuiteOptions = {},
): void {
  const { describe, expect } = test;
  const it = itWith(test, options);
  for (const kind of runners) {
    const can = capabilitiesOf(kind);
    describe(`${kind.name}: basic runs (Kedro checklist 1-9)`, () => {
      it('fan-out/fan-in returns exactly the free outputs, as data', async () => {
        const out = await kind.make().run(fanOutFanIn(), new DataCatalog({ A: 42 }));
        expect(out).toEqual({ Z: [42, 42, 42] });
      });

      it('gives equal results when run twice on one catalog, leaving its patterns unchanged', async () => {
        const catalog = new DataCatalog({ A: 42 }, { patterns: { '{x}_unused': () => new MemoryDataset() } });
        const runner = kind.make();
        const first = await runner.run(fanOutFanIn(), catalog);
        const second = await runner.run(fanOutFanIn(), catalog);
        expect(second).toEqual(first);
        expect(catalog.listPatterns()).toEqual(['{x}_unused']);
      });

      it('runs a pipeline without free inputs in dependency order', async () => {
        const p = pipeline([
          node(identity, 'ds3', 'ds4', { name: 'd' }),
          node(identity, 'ds1', 'ds2', { name: 'b' }),
          node(constantOutput, null, 'ds1', { name: 'a' }),
          node(identity, 'ds2', 'ds3', { name: 'c' }),
        ]);
        expect(await kind.make().run(p, new DataCatalog())).toEqual({ ds4: 'output' });
      });

      it('wraps raw values, creates missing intermediates, and uses values replaced before the run', async () => {
        const catalog = new DataCatalog({ A: 1 });
        catalog.set('A', 7);
        const out = await kind.make().run(fanOutFanIn(), catalog);
        expect(out).toEqual({ Z: [7, 7, 7] });
        if (can.memoryIntermediates) expect(catalog.get('B')).toBeInstanceOf(MemoryDataset);
        else expect(catalog.has('B')).toBe(true);
      });

      it('refuses to save undefined from a node', async () => {
        const p = pipeline([node(returnUndefined, 'A', 'B', { name: 'none' })]);
        const err = await failure<NodeFailedError>(kind.make().run(p, new DataCatalog({ A: 1 })));
        expect(err).toBeInstanceOf(NodeFailedError);
        expect(err.node).toBe('none');
        expect(err.cause).toBeInstanceOf(DatasetError);
        expect((err.cause as Error).message).toBe("B: Saving 'undefined' to a 'Dataset' is not allowed");
      });

      it('includes persistent and registered memory outputs in the result', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'weft-run-'));
        try {
          const catalog = new DataCatalog({
            A: 5,
            saved: new JSONDataset({ filepath: join(dir, 'saved.json') }),
            mem: new MemoryDataset(),
            unrelated: new MemoryDataset(1),
          });
          const p = pipeline([
            node(identity, 'A', 'saved', { name: 'save' }),
            node(identity, 'A', 'mem', { name: 'mem' }),
          ]);
          const out = await kind.make().run(p, catalog);
          expect(out).toEqual({ saved: 5, mem: 5 });
          expect(await catalog.load('saved')).toBe(5);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });

      it('passes dict inputs and outputs, async functions and several inputs', async () => {
        const p = pipeline([
          node(splitPair, { left: 'a', right: 'b' }, { l: 'L', r: 'R' }, { name: 'split' }),
          node(asyncDouble, 'L', 'L2', { name: 'double' }),
          node(sum, ['L2', 'R', 'R'], 'total', { name: 'sum' }),
        ]);
        expect(await kind.make().run(p, new DataCatalog({ a: 3, b: 4 }))).toEqual({ total: 14 });
      });
    });

    describe(`${kind.name}: input validation (Kedro checklist 11-13)`, () => {
      it('names missing free inputs', async () => {
        const p = pipeline([node(biconcat, ['A', 'missing_input'], 'B', { name: 'n' })]);
        expect(await failure(kind.make().run(p, new DataCatalog({ A: 1 })))).toBeInstanceOf(
          MissingInputsError,
        );
        const err = await failure<Error>(kind.make().run(p, new DataCatalog({ A: 1 })));
        expect(err.message).toContain("Pipeline input(s) {'missing_input'} not found in the DataCatalog");
      });

      it('reports the namespaced name', async () => {
        const p = pipeline([node(identity, 'Input1', 'Output1', { name: 'n' })], { namespace: 'test' });
        const err = await failure<Error>(kind.make().run(p, new DataCatalog()));
        expect(err.message).toContain("Pipeline input(s) {'test.Input1'} not found in the DataCatalog");
      });

      it('fails on an input registered as an empty MemoryDataset', async () => {
        const p = pipeline([node(identity, 'A', 'B', { name: 'n' })]);
        const err = await failure<NodeFailedError>(
          kind.make().run(p, new DataCatalog({ A: new MemoryDataset() })),
        );
        expect((err.cause as Error).message).toBe('A: Data for MemoryDataset has not been saved yet.');
      });

      it('uses a catch-all pattern for concurrent nodes sharing an input without a race', async () => {
        const catalog = new DataCatalog({}, { patterns: { '{x}': () => new MemoryDataset() } });
        const p = pipeline([
          node(identity, 'shared', 'o1', { name: 'n1' }),
          node(identity, 'shared', 'o2', { name: 'n2' }),
        ]);
        const err = await failure<NodeFailedError>(kind.make().run(p, catalog));
        expect((err.cause as Error).message).toBe('shared: Data for MemoryDataset has not been saved yet.');
      });
    });

    describe(`${kind.name}: release and confirm (Kedro checklist 15-19)`, () => {
      it('never releases free inputs and outputs; releases intermediates', async () => {
        const log: string[] = [];
        const catalog = new DataCatalog({
          in: new LoggingDataset(log, 'in', 'stuff'),
          middle: new LoggingDataset(log, 'middle'),
          out: new LoggingDataset(log, 'out'),
        });
        const p = pipeline([
          node(identity, 'in', 'middle', { name: 'first' }),
          node(identity, 'middle', 'out', { name: 'second' }),
        ]);
        await kind.make().run(p, catalog);
        expect(log.filter((l) => !l.startsWith('save'))).toEqual([
          'load in',
          'load middle',
          'release middle',
        ]);
      });

      it('releases a dataset as early as possible', async () => {
        const log: string[] = [];
        const catalog = new DataCatalog({
          first: new LoggingDataset(log, 'first', 'a'),
          second: new LoggingDataset(log, 'second'),
          third: new LoggingDataset(log, 'third'),
        });
        const p = pipeline([
          node(identity, 'first', 'second', { name: 'n1' }),
          node(identity, 'second', 'third', { name: 'n2' }),
          node(sink, 'third', null, { name: 'n3' }),
        ]);
        await kind.make().run(p, catalog);
        const loads = log.filter((l) => !l.startsWith('save'));
        expect(loads).toEqual(['load first', 'load second', 'release second', 'load third', 'release third']);
      });

      it('releases a dataset with two consumers once, after both loaded it', async () => {
        const log: string[] = [];
        const catalog = new DataCatalog({ src: 1, dataset: new LoggingDataset(log, 'dataset') });
        const p = pipeline([
          node(identity, 'src', 'dataset', { name: 'producer' }),
          node(sink, 'dataset', null, { name: 'bob' }),
          node(sink, 'dataset', null, { name: 'fred' }),
        ]);
        await kind.make().run(p, catalog);
        expect(log.filter((l) => !l.startsWith('save'))).toEqual([
          'load dataset',
          'load dataset',
          'release dataset',
        ]);
      });

      it('releases both sides of a transcoded dataset', async () => {
        const log: string[] = [];
        const catalog = new DataCatalog({
          src: 1,
          'ds@save': new LoggingDataset(log, 'save'),
          'ds@load': new LoggingDataset(log, 'load', 1),
        });
        const p = pipeline([
          node(identity, 'src', 'ds@save', { name: 'w' }),
          node(sink, 'ds@load', null, { name: 'r' }),
        ]);
        await kind.make().run(p, catalog);
        expect(log.filter((l) => !l.startsWith('save '))).toEqual([
          'release save',
          'load load',
          'release load',
        ]);
      });

      it('confirms datasets exactly once, including for a node without outputs', async () => {
        const own = new ConfirmableDataset();
        const other = new ConfirmableDataset(1);
        const catalog = new DataCatalog({ A: 1, own, other });
        const p = pipeline([
          node(identity, 'A', 'own', { name: 'a', confirms: 'own' }),
          node(sink, 'own', null, { name: 'b', confirms: 'other' }),
        ]);
        await kind.make().run(p, catalog);
        expect(own.confirmed).toBe(1);
        expect(other.confirmed).toBe(1);
      });
    });

    describe(`${kind.name}: generator nodes stream their chunks (Kedro checklist 41-44)`, () => {
      it('saves each chunk of a one-output generator in order', async () => {
        const log: string[] = [];
        const saved: unknown[] = [];
        class Recording extends LoggingDataset {
          protected override _save(data: unknown) {
            saved.push(data);
            return super._save(data);
          }
        }
        const catalog = new DataCatalog({ n: 10, numbers: new Recording(log, 'numbers') });
        const out = await kind
          .make()
          .run(pipeline([node(countTo, 'n', 'numbers', { name: 'gen' })]), catalog);
        expect(saved).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(out).toEqual({ numbers: 10 });
      });

      it('interleaves the chunks of several outputs', async () => {
        const log: string[] = [];
        const catalog = new DataCatalog({
          n: 3,
          pos: new LoggingDataset(log, 'pos'),
          neg: new LoggingDataset(log, 'neg'),
        });
        await kind.make().run(pipeline([node(pairsTo, 'n', ['pos', 'neg'], { name: 'gen' })]), catalog);
        expect(log).toEqual(['save pos', 'save neg', 'save pos', 'save neg', 'save pos', 'save neg']);
      });

      it('saves other iterables once, unchanged', async () => {
        const p = pipeline([node(identity, 'arr', 'copy', { name: 'n' })]);
        expect(await kind.make().run(p, new DataCatalog({ arr: [1, 2, 3] }))).toEqual({ copy: [1, 2, 3] });
      });
    });

    if (can.longPipelines) {
      describe(`${kind.name}: long pipelines`, () => {
        it('runs a chain of 20,000 synchronous nodes without growing the stack', async () => {
          const p = pipeline(
            Array.from({ length: 20_000 }, (_, i) => node(identity, `d${i}`, `d${i + 1}`, { name: `n${i}` })),
          );
          expect(await kind.make().run(p, new DataCatalog({ d0: 'x' }))).toEqual({ d20000: 'x' });
        });
      });
    }

    if (can.concurrent) {
      describe(`${kind.name}: scheduling`, () => {
        it('starts each node as soon as its inputs exist, without waiting for a slow sibling branch', async () => {
          const p = pipeline([
            node(sleepThenReturn, 'slow_ms', 'slow', { name: 'slow' }),
            node(identity, 'x', 'b1', { name: 'fast1' }),
            node(identity, 'b1', 'b2', { name: 'fast2' }),
            node(identity, 'b2', 'b3', { name: 'fast3' }),
          ]);
          const { report } = await kind.make().runWithReport(p, new DataCatalog({ slow_ms: 300, x: 1 }));
          const end = (name: string) => {
            const t = report.nodes.find((n) => n.node === name);
            return (t?.startMs ?? Number.NaN) + (t?.durationMs ?? Number.NaN);
          };
          expect(end('fast3')).toBeLessThan(end('slow'));
          expect(report.nodes.at(-1)?.node).toBe('slow');
        });
      });
    }
  }
}
