/**
 * What a run resolves to: the free outputs' data and the run's report (per-run and per-node
 * timings). No imports: hooks and runners both use these types.
 *
 * @module
 */

/**
 * The free outputs' data: dataset name → the value the producing node saved (its last chunk when streaming).
 *
 * @since 0.1.0
 */
export type RunResult = Record<string, unknown>;

/**
 * What `run()` resolves to for a pipeline whose outputs are typed (a pipeline of literal
 * `node(fn, inputs, 'name')` nodes, see {@link Pipeline}): each known output has its node
 * function's type, and is optional, since a free output is absent when its node did not run
 * (`onlyMissingOutputs`) and an intermediate one is never there; any other name is `unknown`.
 * For an untyped pipeline it is {@link RunResult}.
 *
 * @since 0.1.0
 */
export type RunOutputs<T extends RunResult = RunResult> = Partial<T> & RunResult;

/**
 * Timing of one node.
 *
 * @since 0.1.0
 */
export interface NodeTiming {
  readonly node: string;
  readonly status: 'completed' | 'failed';
  /** Milliseconds from the start of the run to the start of the node's task. */
  readonly startMs: number;
  /** Duration of the node's task (loads, hooks, function, saves), in milliseconds. */
  readonly durationMs: number;
}

/**
 * Timings and counts of a run.
 *
 * @since 0.1.0
 */
export interface RunReport {
  readonly runId: string;
  readonly runner: string;
  readonly status: 'completed' | 'failed' | 'cancelled';
  /** Wall time of the run, pipeline hooks included, in milliseconds. */
  readonly durationMs: number;
  /** Nodes of the pipeline given to `run()`. */
  readonly totalNodes: number;
  /** Nodes that completed. */
  readonly completedNodes: number;
  /** Nodes skipped by `onlyMissingOutputs`, sorted by name. */
  readonly skippedNodes: readonly string[];
  /** One entry per node that finished or failed, in the order they settled. */
  readonly nodes: readonly NodeTiming[];
}

/**
 * What `runner.runWithReport()` resolves to.
 *
 * @since 0.1.0
 */
export interface RunOutcome<T extends RunResult = RunResult> {
  readonly outputs: RunOutputs<T>;
  readonly report: RunReport;
}
