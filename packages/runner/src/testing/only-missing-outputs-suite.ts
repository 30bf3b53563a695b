/**
 * `onlyMissingOutputs` (Kedro checklist 45-54) on any runner: which nodes run and which are
 * skipped when persistent outputs exist.
 *
 * @module
 */
import { AbstractDataset } from '../abstract-dataset.js';
import { DataCatalog } from '../data-catalog.js';
import { MemoryDataset } from '../memory-dataset.js';
import { node } from '../node.js';
import { pipeline } from '../pipeline.js';
import { LoggingDataset } from './logging-dataset.js';
import { identity, sink } from './suite-nodes.js';
import { failure, itWith, type RunnerSuiteOptions, type RunnerUnderTest, type TestApi } from './test-api.js';

const persistent = (log: string[], name: string, value?: unknown): LoggingDataset =>
  new LoggingDataset(log, name, value, true);

function logger(): { lines: string[]; logger: { info(m: string): void; warn(): void } } {
  const lines: string[] = [];
  return { lines, logger: { info: (m: string) => lines.push(m), warn: () => {} } };
}

/**
 * Registers the `onlyMissingOutputs` tests.
 *
 * @experimental
 * @since 0.1.0
 */
export function describeOnlyMissingOutputsSuite(
  test: TestApi,
  runners: readonly RunnerUnderTest[],
  options: RunnerSuiteOptions = {},
): void {
  const { describe, expect } = test;
  const it = itWith(test, options);
  for (const kind of runners) {
    describe(`${kind.name}: onlyMissingOutputs (Kedro checklist 45-54)`, () => {
      it('runs everything when the flag is off, even if outputs exist', async () => {
        const log: string[] = [];
        const catalog = new DataCatalog({ a: 1, b: persistent(log, 'b', 'old') });
        const { outputs, report } = await kind
          .make()
          .runWithReport(pipeline([node(identity, 'a', 'b', { name: 'n1' })]), catalog);
        expect(outputs).toEqual({ b: 1 });
        expect(report.skippedNodes).toEqual([]);
      });

      it('runs a node whose persistent output is missing', async () => {
        const log: string[] = [];
        const { lines, logger: l } = logger();
        const catalog = new DataCatalog({ a: 1, b: persistent(log, 'b') });
        const out = await kind.make().run(pipeline([node(identity, 'a', 'b', { name: 'n1' })]), catalog, {
          onlyMissingOutputs: true,
          logger: l,
        });
        expect(out).toEqual({ b: 1 });
        expect(lines).toContain('Running 1 out of 1 nodes');
      });

      it('skips everything when the final persistent output exists and intermediates are ephemeral', async () => {
        const log: string[] = [];
        const { lines, logger: l } = logger();
        const catalog = new DataCatalog({ a: 1, c: persistent(log, 'c', 'done') });
        const p = pipeline([
          node(identity, 'a', 'b', { name: 'n1' }),
          node(identity, 'b', 'c', { name: 'n2' }),
        ]);
        const { outputs, report } = await kind
          .make()
          .runWithReport(p, catalog, { onlyMissingOutputs: true, logger: l });
        expect(outputs).toEqual({});
        expect(report.skippedNodes).toEqual(['n1', 'n2']);
        expect(lines).toContain('Skipping all 2 nodes (all persistent outputs exist)');
      });

      it('skips a node whose persistent output exists and runs its consumer', async () => {
        const log: string[] = [];
        const { lines, logger: l } = logger();
        const catalog = new DataCatalog({
          a: 1,
          b: persistent(log, 'b', 'existing'),
          c: persistent(log, 'c'),
        });
        const p = pipeline([
          node(identity, 'a', 'b', { name: 'node1' }),
          node(identity, 'b', 'c', { name: 'node2' }),
        ]);
        const out = await kind.make().run(p, catalog, { onlyMissingOutputs: true, logger: l });
        expect(out).toEqual({ c: 'existing' });
        expect(lines.slice(0, 2)).toEqual([
          'Skipping 1 nodes with existing outputs: node1',
          'Running 1 out of 2 nodes',
        ]);
      });

      it('lists skipped nodes of mixed branches sorted by name', async () => {
        const log: string[] = [];
        const { lines, logger: l } = logger();
        const catalog = new DataCatalog({
          a: 1,
          outA: persistent(log, 'outA', 1),
          outB: persistent(log, 'outB'),
          outC: persistent(log, 'outC', 1),
        });
        const p = pipeline([
          node(identity, 'a', 'outC', { name: 'nodeC' }),
          node(identity, 'a', 'outA', { name: 'nodeA' }),
          node(identity, 'a', 'outB', { name: 'nodeB' }),
        ]);
        await kind.make().run(p, catalog, { onlyMissingOutputs: true, logger: l });
        expect(lines[0]).toBe('Skipping 2 nodes with existing outputs: nodeA, nodeC');
      });

      it('always runs a node without outputs', async () => {
        const log: string[] = [];
        const catalog = new DataCatalog({ a: persistent(log, 'a', 1) });
        const { report } = await kind
          .make()
          .runWithReport(pipeline([node(sink, 'a', null, { name: 'sink' })]), catalog, {
            onlyMissingOutputs: true,
          });
        expect(report.completedNodes).toBe(1);
      });

      it('runs the producer of an ephemeral intermediate that a running node needs', async () => {
        const log: string[] = [];
        const catalog = new DataCatalog({ a: 1, c: persistent(log, 'c') });
        const p = pipeline([
          node(identity, 'a', 'b', { name: 'producer' }),
          node(identity, 'b', 'c', { name: 'consumer' }),
        ]);
        const { outputs, report } = await kind.make().runWithReport(p, catalog, { onlyMissingOutputs: true });
        expect(outputs).toEqual({ c: 1 });
        expect(report.skippedNodes).toEqual([]);
      });

      it('skips a wasteful producer whose only consumer is skipped', async () => {
        const log: string[] = [];
        const catalog = new DataCatalog({ a: 1, c: persistent(log, 'c', 'there'), d: persistent(log, 'd') });
        const p = pipeline([
          node(identity, 'a', 'b', { name: 'wasteful' }),
          node(identity, 'b', 'c', { name: 'skipped' }),
          node(identity, 'a', 'd', { name: 'needed' }),
        ]);
        const { report } = await kind.make().runWithReport(p, catalog, { onlyMissingOutputs: true });
        expect(report.skippedNodes).toEqual(['skipped', 'wasteful']);
      });

      it('propagates errors raised while checking the catalog', async () => {
        class ExplodingExists extends MemoryDataset {
          override get ephemeral() {
            return false;
          }
          protected override _exists(): boolean {
            throw new Error('catalog offline');
          }
        }
        const catalog = new DataCatalog({ a: 1, b: new ExplodingExists() });
        const err = await failure<Error>(
          kind
            .make()
            .run(pipeline([node(identity, 'a', 'b', { name: 'n' })]), catalog, { onlyMissingOutputs: true }),
        );
        expect(err.message).toMatch(/catalog offline/);
      });

      it('counts unregistered datasets as ephemeral and resolves factory patterns', async () => {
        const log: string[] = [];
        class Persisted extends AbstractDataset {
          protected _load() {
            return 'persisted';
          }
          protected _save() {
            log.push('saved');
          }
          protected override _exists() {
            return true;
          }
        }
        const catalog = new DataCatalog({ a: 1 }, { patterns: { '{name}_file': () => new Persisted() } });
        const p = pipeline([
          node(identity, 'a', 'tmp', { name: 'first' }),
          node(identity, 'tmp', 'out_file', { name: 'second' }),
        ]);
        const { report } = await kind.make().runWithReport(p, catalog, { onlyMissingOutputs: true });
        expect(report.skippedNodes).toEqual(['first', 'second']);
        expect(log).toEqual([]);
      });
    });
  }
}
