/**
 * The options of `runner.run()`, shared by every runner (the result and report types are in
 * `run-report.ts`, re-exported here).
 *
 * @module
 */
import type { ContextFilter } from '@weft/contextvars';
import type { Hooks } from './hooks.js';

export type { NodeTiming, RunOutcome, RunOutputs, RunReport, RunResult } from './run-report.js';
export type { ContextFilter };

/**
 * Where a runner writes Kedro's log lines (`console` works). Default: nowhere.
 *
 * @since 0.1.0
 */
export interface RunLogger {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * Options of `runner.run()`.
 *
 * @since 0.1.0
 */
export interface RunOptions {
  /** Hook objects, called in array order. */
  hooks?: readonly Hooks[];
  /** Run id passed to every hook; default a random UUID. */
  runId?: string;
  /** Skip nodes whose persistent outputs already exist (Kedro's `--only-missing-outputs` rules). */
  onlyMissingOutputs?: boolean;
  /**
   * Run every node (its hooks, dataset I/O and function) in a copy of the caller's context taken
   * when the node is scheduled. Default true; false runs nodes in an empty context.
   */
  propagateContext?: boolean;
  /** Which propagatable context variables are sent to worker threads (ParallelRunner). */
  contextFilter?: ContextFilter;
  /**
   * Cancels the run: no new node starts, and `run()` rejects at once without waiting for the nodes
   * still running (they settle on their own; their results are ignored).
   */
  signal?: AbortSignal;
  /** Like `signal`, after this many milliseconds: rejects with `RunTimeoutError`. */
  timeoutMs?: number;
  /** Receives Kedro's log lines (skips, resume suggestions, completion). */
  logger?: RunLogger;
}
