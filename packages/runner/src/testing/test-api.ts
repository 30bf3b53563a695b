/**
 * What the published runner suites are given: the test functions of the caller's framework (a
 * typed subset of vitest's and jest's), the runners under test and what each can do.
 *
 * @module
 */
import type { AbstractRunner } from '../abstract-runner.js';

/**
 * The matchers the suites use: a subset that vitest's and jest's `expect` both have.
 *
 * @experimental
 * @since 0.1.0
 */
export interface Matchers {
  toBe(expected: unknown): unknown;
  toEqual(expected: unknown): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: a class of any constructor signature, as the frameworks take it
  toBeInstanceOf(expected: abstract new (...args: any[]) => unknown): unknown;
  toBeGreaterThan(expected: number): unknown;
  toBeLessThan(expected: number): unknown;
  toBeLessThanOrEqual(expected: number): unknown;
  toBeUndefined(): unknown;
  toContain(expected: unknown): unknown;
  toMatch(expected: RegExp | string): unknown;
}

/**
 * The test functions the suites register their tests with: vitest's (or jest's) `describe`, `it`
 * and `expect`. The suites import no test framework.
 *
 * @experimental
 * @since 0.1.0
 */
export interface TestApi {
  describe(name: string, body: () => void): unknown;
  /** `timeout` (ms) is passed only when the suite's options give one. */
  it(name: string, body: () => Promise<void>, timeout?: number): unknown;
  expect(actual: unknown): Matchers & { readonly not: Matchers };
}

/**
 * What a runner can do, for the tests that only make sense for some runners. Every field is
 * optional; the default is what the in-process runners of this package do. A test whose
 * capability a runner lacks is not registered for it (so it neither runs nor counts as skipped).
 *
 * @experimental
 * @since 0.1.0
 */
export interface RunnerCapabilities {
  /**
   * Runs independent nodes at the same time (default true). False for `SequentialRunner`: the
   * scheduling and concurrent-failure tests are then left out, and after a failure no other node
   * may have run.
   */
  readonly concurrent?: boolean;
  /**
   * At most this many nodes run at once on the runner `make()` returns (a bounded pool, such as
   * `ParallelRunner`'s `maxWorkers`). Used when the runner has no `makeBounded`. Default unbounded.
   */
  readonly maxConcurrentNodes?: number;
  /**
   * A node costs microseconds (it runs in this thread), so a chain of 20,000 nodes runs in a test's
   * time (default true). False for runners that cross a thread or a process per node.
   */
  readonly longPipelines?: boolean;
  /**
   * A node's failure reaches the scheduler as soon as the node throws (default true: in this
   * thread, or a worker thread's message). False for runners where a failure takes longer to come
   * back than a success (`DistributedRunner`: the worker records the error in shared storage and
   * the coordinator reads it back), so that other nodes may complete, and further ones start,
   * before the failure is known; the stop-scheduling test then gives the other nodes 300 ms each,
   * so the failure is known before they end.
   */
  readonly immediateFailures?: boolean;
  /**
   * A dataset between nodes that the catalog lacks is registered in it as a `MemoryDataset`
   * (default true, Kedro's rule). False for runners that keep such data otherwise (the
   * `DistributedRunner` registers its own run-scoped datasets).
   */
  readonly memoryIntermediates?: boolean;
}

/**
 * A runner under test: its name (for the test titles), how to get one (a new one per run, or a
 * shared one the caller closes after the suites) and what it can do.
 *
 * @experimental
 * @since 0.1.0
 */
export interface RunnerUnderTest {
  readonly name: string;
  make(): AbstractRunner;
  /**
   * A runner of the same kind that runs at most `nodes` nodes at once, for the tests that bound
   * concurrency (`new ThreadRunner({ maxWorkers: nodes })`). Without it those tests use `make()`
   * and `capabilities.maxConcurrentNodes`.
   */
  makeBounded?(nodes: number): AbstractRunner;
  /** What the runner can do; every field defaults to what this package's in-process runners do. */
  readonly capabilities?: RunnerCapabilities;
}

/**
 * Options of the behaviour suites.
 *
 * @experimental
 * @since 0.1.0
 */
export interface RunnerSuiteOptions {
  /**
   * Timeout of each test in ms, passed to `it` (default: the framework's, which for vitest here is
   * the project's `testTimeout`). Give a generous one to runners whose workers start cold.
   */
  readonly timeoutMs?: number;
}

/** The capabilities of `runner` with their defaults filled in. */
export function capabilitiesOf(
  runner: RunnerUnderTest,
): Required<Omit<RunnerCapabilities, 'maxConcurrentNodes'>> & Pick<RunnerCapabilities, 'maxConcurrentNodes'> {
  const c = runner.capabilities ?? {};
  return {
    concurrent: c.concurrent ?? true,
    longPipelines: c.longPipelines ?? true,
    immediateFailures: c.immediateFailures ?? true,
    memoryIntermediates: c.memoryIntermediates ?? true,
    ...(c.maxConcurrentNodes === undefined ? {} : { maxConcurrentNodes: c.maxConcurrentNodes }),
  };
}

/** `it` of `test` with the suite's timeout, when it has one. */
export function itWith(
  test: TestApi,
  options: RunnerSuiteOptions,
): (name: string, body: () => Promise<void>) => unknown {
  const timeout = options.timeoutMs;
  return timeout === undefined
    ? (name, body) => test.it(name, body)
    : (name, body) => test.it(name, body, timeout);
}

/** The error `run` rejects with; throws when it resolves. */
export async function failure<E = unknown>(run: Promise<unknown>): Promise<E> {
  try {
    await run;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected the run to fail');
}
