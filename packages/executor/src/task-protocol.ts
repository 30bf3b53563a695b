/**
 * The messages between `WorkerThreadExecutor` and its worker trampoline (thrown values travel as
 * `ThrownValue`s, see thrown-value.ts).
 *
 * @internal
 * @module
 */
import type { ThrownValue } from './thrown-value.js';

/**
 * Key of the message a worker posts once the trampoline is loaded: until one arrives, a failing
 * worker means that workers cannot start at all.
 */
export const TRAMPOLINE_LOADED = '@weft/executor:trampoline-loaded';

/** Key of a worker's report of work left behind by a task that threw ({@link LeftoverReport}). */
export const LEFTOVER = '@weft/executor:leftover';

/** Key of a worker's report that a task's result could not be sent back ({@link UnsentResultReport}). */
export const RESULT_UNSENT = '@weft/executor:result-unsent';

/** What the main thread sends for one task. */
export interface TaskMessage {
  /** Identifies the task in reports that the worker sends outside piscina's answer. */
  readonly id: number;
  readonly target: { readonly moduleUrl: string; readonly exportName: string };
  /**
   * The submitter's context as the JSON text of the carrier its propagator filled
   * (`injectContext`); absent when propagation is off or the carrier is empty (the task then runs
   * in an empty context).
   */
  readonly ctx?: string;
  /**
   * Modules that set the submitter's propagator up in this thread (`setGlobalPropagator`'s
   * `setupModule`), imported once per worker before the context is extracted: the JSON text of
   * their URLs (a string clones cheaper than an array, and the worker recognizes the list it saw
   * last by comparing text).
   */
  readonly setup?: string;
  readonly args: unknown[];
}

/** Where a failure happened, which decides the error the future gets. */
export type FailureKind = 'task' | 'reference' | 'context';

/**
 * Key of a failed task's answer. A task that succeeds answers with its bare result (piscina's
 * resolution); one that fails makes the trampoline throw a {@link TaskFailure}, which piscina
 * delivers as its rejection. Piscina's own rejections (a worker that died, arguments that cannot
 * be cloned, an abort) are errors made in the main thread and never carry this key.
 */
export const TASK_FAILED = '@weft/executor:task-failed';

/** What the worker throws (piscina's rejection) when a task fails. */
export interface TaskFailure {
  readonly [TASK_FAILED]: FailureKind;
  readonly error: ThrownValue;
}

/**
 * Posted on the worker's parentPort when work that ran outside its task threw (an uncaught
 * exception or an unhandled rejection): `task` is the name of the task that left it, or `null`
 * when the code ran outside any task (module top-level code, a callback that lost its context).
 */
export interface LeftoverReport {
  readonly task: string | null;
  readonly source: 'uncaughtException' | 'unhandledRejection';
  readonly error: ThrownValue;
}

/** Posted when piscina could not send a task's result back (structured clone refused it). */
export interface UnsentResultReport {
  readonly id: number;
  readonly threadId: number;
  readonly error: ThrownValue;
}
