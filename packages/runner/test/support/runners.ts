import { type AbstractRunner, ParallelRunner, SequentialRunner, ThreadRunner } from '../../src/index.js';

/** The module exporting every node function of the tests. */
export const fixturesModule = new URL('../fixtures/nodes.ts', import.meta.url);

/** A runner kind under test. */
export interface RunnerKind {
  readonly name: 'SequentialRunner' | 'ThreadRunner' | 'ParallelRunner';
  make(): AbstractRunner;
}

const parallelRunners: ParallelRunner[] = [];

/** The three runners; ParallelRunner instances are shared per test file (see {@link closeRunners}). */
export const RUNNERS: readonly RunnerKind[] = [
  { name: 'SequentialRunner', make: () => new SequentialRunner() },
  { name: 'ThreadRunner', make: () => new ThreadRunner() },
  {
    name: 'ParallelRunner',
    make: () => {
      if (parallelRunners.length === 0)
        parallelRunners.push(new ParallelRunner({ module: fixturesModule, maxWorkers: 2 }));
      return parallelRunners[0] as ParallelRunner;
    },
  },
];

/** Shuts down the shared worker pools (call in afterAll). */
export async function closeRunners(): Promise<void> {
  await Promise.all(parallelRunners.splice(0).map((r) => r.close()));
}
