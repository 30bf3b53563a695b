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

/** What the main thread sends for one task. */
export interface TaskMessage {
  readonly target: { readonly moduleUrl: string; readonly exportName: string };
  /**
   * The submitter's context as the JSON text of a `SerializedContext`; absent when propagation is
   * off or no variable travels (the worker then never enters a context).
   */
  readonly ctx?: string;
  readonly args: unknown[];
}

/** Where a failure happened, which decides the error the future gets. */
export type FailureKind = 'task' | 'reference' | 'context';

/** What the worker sends back for one task. */
export type TaskOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly kind: FailureKind; readonly error: ThrownValue };
