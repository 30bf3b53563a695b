/**
 * The random-DAG differential suite: every runner gives exactly the free outputs computed directly.
 *
 * @module
 */
import { DataCatalog } from '../data-catalog.js';
import { type RandomDagOptions, randomDag } from './random-dag.js';
import { itWith, type RunnerSuiteOptions, type RunnerUnderTest, type TestApi } from './test-api.js';

/**
 * Options of {@link describeRunnerConformance}.
 *
 * @experimental
 * @since 0.1.0
 */
export interface ConformanceOptions extends RunnerSuiteOptions {
  /** The seeds of the random DAGs. Default 25 seeds from 1000. */
  readonly seeds?: readonly number[];
  /** Options of every random DAG (your node functions, a size). */
  readonly dag?: RandomDagOptions;
}

/**
 * Registers the conformance suite with the given test functions: for each seed, a random DAG run
 * on every runner gives exactly the free outputs computed directly. Call it at the top level of a
 * test file.
 *
 * @experimental
 * @since 0.1.0
 */
export function describeRunnerConformance(
  test: TestApi,
  runners: readonly RunnerUnderTest[],
  options: ConformanceOptions = {},
): void {
  const { describe, expect } = test;
  const it = itWith(test, options);
  const seeds = options.seeds ?? Array.from({ length: 25 }, (_, i) => 1000 + i * 7919);
  describe('runner conformance: random DAGs give the free outputs computed directly', () => {
    for (const seed of seeds)
      it(`seed ${seed}`, async () => {
        const dag = randomDag(seed, options.dag);
        expect(Object.keys(dag.expected).length).toBeGreaterThan(0);
        for (const runner of runners) {
          const outputs = await runner.make().run(dag.pipeline, new DataCatalog(dag.inputs));
          expect({ runner: runner.name, outputs }).toEqual({ runner: runner.name, outputs: dag.expected });
        }
      });
  });
}
