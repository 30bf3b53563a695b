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
   * `setupModule`), imported once per worker before the context is extracted.
   */
  readonly setup?: readonly string[];
  readonly args: unknown[];
}

/** Where a failure happened, which decides the error the future gets. */
export type FailureKind = 'task' | 'reference' | 'context';

/** What the worker sends back for one task. */
export type TaskOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly kind: FailureKind; readonly error: ThrownValue };

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
