/**
 * Every published runner suite at once: the behaviour suites and the random-DAG differential one.
 *
 * @module
 */
import { describeBasicsSuite } from './basics-suite.js';
import { describeContextSuite } from './context-suite.js';
import { describeFailuresSuite } from './failures-suite.js';
import { describeHooksSuite } from './hooks-suite.js';
import { describeHostileValuesSuite } from './hostile-values-suite.js';
import { describeOnlyMissingOutputsSuite } from './only-missing-outputs-suite.js';
import { type ConformanceOptions, describeRunnerConformance } from './random-dag-suite.js';
import type { RunnerSuiteOptions, RunnerUnderTest, TestApi } from './test-api.js';

/**
 * Options of {@link describeRunnerSuites}.
 *
 * @experimental
 * @since 0.1.0
 */
export interface RunnerSuitesOptions extends RunnerSuiteOptions {
  /** Options of the random-DAG suite ({@link describeRunnerConformance}), or `false` to leave it out. */
  readonly randomDags?: ConformanceOptions | false;
}

/**
 * Registers every runner suite for each runner: basic runs, input validation, release and confirm,
 * generator nodes, long pipelines and scheduling (by capability), failures and concurrent failures
 * (by capability), hooks, context, hostile values, `onlyMissingOutputs`, then the random DAGs. The
 * node functions must be reachable by the runner: exports of `suiteNodesModule`, or re-exported by
 * the module a runner of other threads or processes imports. Call it at the top level of a test
 * file; close shared runners after the suites (`afterAll`).
 *
 * @example
 * ```ts
 * import { describeRunnerSuites, suiteNodesModule } from '@weft/runner/testing';
 * import { afterAll, describe, expect, it } from 'vitest';
 *
 * const runner = new MyPoolRunner({ module: suiteNodesModule, maxWorkers: 2 });
 * afterAll(() => runner.close());
 * describeRunnerSuites({ describe, it, expect }, [
 *   { name: 'MyPoolRunner', make: () => runner, capabilities: { maxConcurrentNodes: 2, longPipelines: false } },
 * ]);
 * ```
 * @experimental
 * @since 0.1.0
 */
export function describeRunnerSuites(
  test: TestApi,
  runners: readonly RunnerUnderTest[],
  options: RunnerSuitesOptions = {},
): void {
  const suite: RunnerSuiteOptions = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  describeBasicsSuite(test, runners, suite);
  describeFailuresSuite(test, runners, suite);
  describeHooksSuite(test, runners, suite);
  describeContextSuite(test, runners, suite);
  describeHostileValuesSuite(test, runners, suite);
  describeOnlyMissingOutputsSuite(test, runners, suite);
  if (options.randomDags !== false)
    describeRunnerConformance(test, runners, { ...suite, ...options.randomDags });
}
