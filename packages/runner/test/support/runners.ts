import { ParallelRunner, SequentialRunner, ThreadRunner } from '../../src/index.js';
import type { RunnerUnderTest } from '../../src/testing.js';

/** The module exporting every node function of the tests (the published suites' ones re-exported). */
export const fixturesModule = new URL('../fixtures/nodes.ts', import.meta.url);

/** A runner kind under test, with the capabilities the published suites read. */
export interface RunnerKind extends RunnerUnderTest {
  readonly name: 'SequentialRunner' | 'ThreadRunner' | 'ParallelRunner';
}

const parallelRunners: ParallelRunner[] = [];

/** The three runners; ParallelRunner instances are shared per test file (see {@link closeRunners}). */
export const RUNNERS: readonly RunnerKind[] = [
  { name: 'SequentialRunner', make: () => new SequentialRunner(), capabilities: { concurrent: false } },
  {
    name: 'ThreadRunner',
    make: () => new ThreadRunner(),
    makeBounded: (nodes) => new ThreadRunner({ maxWorkers: nodes }),
  },
  {
    name: 'ParallelRunner',
    make: () => {
      if (parallelRunners.length === 0)
        parallelRunners.push(new ParallelRunner({ module: fixturesModule, maxWorkers: 2 }));
      return parallelRunners[0] as ParallelRunner;
    },
    // A thread hop per node: 20,000 nodes would take long.
    capabilities: { maxConcurrentNodes: 2, longPipelines: false },
  },
];

/** Shuts down the shared worker pools (call in afterAll). */
export async function closeRunners(): Promise<void> {
  await Promise.all(parallelRunners.splice(0).map((r) => r.close()));
}
