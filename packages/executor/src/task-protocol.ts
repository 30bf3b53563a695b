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

/**
 * A task as piscina hands it to the trampoline: one flat array, `[id, moduleUrl, exportName, ctx,
 * setup, ...args]`. Flat because structured clone writes every key of an object for every task:
 * the earlier `{ id, target: { moduleUrl, exportName }, ctx, args }` cost about 15 % more CPU per
 * trivial task than raw piscina's bare payload, on both threads; the array costs nothing
 * measurable (head to head, Node 20).
 *
 * - `id` identifies the task in reports that the worker sends outside piscina's answer.
 * - `ctx` is the submitter's context as the JSON text of the carrier its propagator filled
 *   (`injectContext`); `undefined` when propagation is off or the carrier is empty (the task then
 *   runs in an empty context).
 * - `setup` lists modules that set the submitter's propagator up in this thread
 *   (`setGlobalPropagator`'s `setupModule`), imported once per worker before the context is
 *   extracted: the JSON text of their URLs (a string clones cheaper than an array, and the worker
 *   recognizes the list it saw last by comparing text); `undefined` when there are none.
 */
export type TaskMessage = [
  id: number,
  moduleUrl: string,
  exportName: string,
  ctx: string | undefined,
  setup: string | undefined,
  ...args: unknown[],
];

/** Index of the first argument in a {@link TaskMessage}. */
export const FIRST_ARG = 5;

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
