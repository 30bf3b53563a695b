/**
 * Types shared by every runner: options, result and report.
 *
 * @module
 */
import type { ContextFilter } from '@weft/contextvars';
import type { Hooks } from './hooks.js';

export type { ContextFilter };

/** The free outputs' data: dataset name → the value the producing node saved (its last chunk when streaming). */
export type RunResult = Record<string, unknown>;

/** Where a runner writes Kedro's log lines (`console` works). Default: nowhere. */
export interface RunLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** Options of `runner.run()`. */
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

/** Timing of one node. */
export interface NodeTiming {
  readonly node: string;
  readonly status: 'completed' | 'failed';
  /** Milliseconds from the start of the run to the start of the node's task. */
  readonly startMs: number;
  /** Duration of the node's task (loads, hooks, function, saves), in milliseconds. */
  readonly durationMs: number;
}

/** Timings and counts of a run. */
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

/** What `runner.runWithReport()` resolves to. */
export interface RunOutcome {
  readonly outputs: RunResult;
  readonly report: RunReport;
}
