/**
 * `@weft/runner/testing`: the runner conformance matrix, for any runner (this package's three,
 * `DistributedRunner`, a third-party one): behaviour suites (basic runs, failures, hooks, context,
 * hostile values, `onlyMissingOutputs`; Kedro's runner checklist among them) and random DAGs from
 * a seeded PRNG whose free outputs are computed directly and must come out of the runner exactly.
 *
 * The module imports no test framework: the suites are given the test functions (`describe`,
 * `it`, `expect` of vitest, or of jest), so importing it never needs one. Tests that only make
 * sense for some runners are chosen by the {@link RunnerCapabilities} each runner declares, never
 * by its name.
 *
 * @example
 * ```ts
 * // my-runner.test.ts
 * import { describeRunnerSuites } from '@weft/runner/testing';
 * import { describe, expect, it } from 'vitest';
 * import { MyRunner } from '../src/my-runner.js';
 *
 * describeRunnerSuites({ describe, it, expect }, [{ name: 'MyRunner', make: () => new MyRunner() }]);
 * ```
 * A runner that imports node functions by name (in worker threads or processes) is pointed at
 * {@link suiteNodesModule}, or at a module that re-exports the node functions of this module.
 *
 * @experimental The suites may grow in minor releases until 1.0.
 * @since 0.1.0
 * @module
 */

/** `.ts` when this module runs from its TypeScript sources (the monorepo's tests), else `.js`. */
const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/**
 * The URL of the module holding `mix`, `mixAsync` and `mixTwo`, for runners that import node
 * functions by module (`new ParallelRunner({ module: conformanceNodesModule })`).
 *
 * @experimental
 * @since 0.1.0
 */
export const conformanceNodesModule: URL = new URL(
  `./testing/conformance-nodes${extension}`,
  import.meta.url,
);

/**
 * The URL of the module holding every node function of the suites (the random-DAG ones too), for
 * runners that import node functions by module (`new ParallelRunner({ module: suiteNodesModule })`,
 * `weft-worker --module <its path>`). A module of yours that re-exports them works as well.
 *
 * @experimental
 * @since 0.1.0
 */
export const suiteNodesModule: URL = new URL(`./testing/suite-nodes${extension}`, import.meta.url);

export { describeBasicsSuite } from './testing/basics-suite.js';
export { describeContextSuite } from './testing/context-suite.js';
export { describeFailuresSuite } from './testing/failures-suite.js';
export { describeHooksSuite } from './testing/hooks-suite.js';
export { describeHostileValuesSuite } from './testing/hostile-values-suite.js';
export { ConfirmableDataset, LoggingDataset } from './testing/logging-dataset.js';
export { describeOnlyMissingOutputsSuite } from './testing/only-missing-outputs-suite.js';
export { prng, type RandomDag, type RandomDagOptions, randomDag } from './testing/random-dag.js';
export { type ConformanceOptions, describeRunnerConformance } from './testing/random-dag-suite.js';
export { describeRunnerSuites, type RunnerSuitesOptions } from './testing/runner-suites.js';
export {
  asyncDouble,
  biconcat,
  constantOutput,
  countTo,
  identity,
  mix,
  mixAsync,
  mixTwo,
  neverSettles,
  pairsTo,
  readContext,
  requestId,
  returnUndefined,
  scratch,
  setScratchAndRead,
  sink,
  sleep50,
  sleepThenReturn,
  splitPair,
  sum,
  taskRunId,
  throwsBareObject,
  throwsError,
  throwsErrorNoInput,
  throwsNamed,
  throwsWithProps,
  triconcat,
} from './testing/suite-nodes.js';
export type {
  Matchers,
  RunnerCapabilities,
  RunnerSuiteOptions,
  RunnerUnderTest,
  TestApi,
} from './testing/test-api.js';
