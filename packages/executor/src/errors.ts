/**
 * Error classes of `@weft/executor`. Every error extends {@link ExecutorError} and carries a
 * stable string `code`, so callers can branch on `err.code` rather than on message text.
 *
 * @module
 */

import { defineErrorMarker } from '@weft/contextvars/error-marker';

/** Codes carried by errors of this package. */
export type ExecutorErrorCode =
  | 'ERR_FUTURE_CANCELLED'
  | 'ERR_FUTURE_TIMEOUT'
  | 'ERR_FUTURE_INVALID_STATE'
  | 'ERR_FUTURE_CALLBACK'
  | 'ERR_EXECUTOR_BROKEN'
  | 'ERR_EXECUTOR_SHUTDOWN'
  | 'ERR_EXECUTOR_INVALID_ARGUMENT'
  | 'ERR_TASK_REFERENCE'
  | 'ERR_TASK_CONTEXT'
  | 'ERR_TASK_ARGUMENTS'
  | 'ERR_TASK_RESULT'
  | 'ERR_TASK_LEFTOVER'
  | 'ERR_THROWN_VALUE_INVALID';

/**
 * Base class of every error thrown by `@weft/executor`: `(code, message, options)`, where `code` is
 * one of {@link ExecutorErrorCode} and `options.cause` the underlying error. Subclasses fix their
 * code.
 *
 * Check identity with {@link ExecutorError.is} (`CancelledError.is(error)`), not `instanceof`:
 * `instanceof` fails when two copies of the package are installed.
 */
export class ExecutorError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: ExecutorErrorCode;

  constructor(code: ExecutorErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /**
   * Whether `value` is an error of this class (or one of its subclasses), made by any copy of
   * `@weft/executor`. Never throws.
   *
   * @example
   * ```ts
   * if (TimeoutError.is(error)) console.log('still running:', error.message);
   * if (ExecutorError.is(error)) console.log(error.code);
   * ```
   */
  static is<T extends abstract new (...args: never[]) => ExecutorError>(
    this: T,
    value: unknown,
  ): value is InstanceType<T> {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `is` was called on (a subclass too)
    return isExecutorError(value, this.name);
  }
}
/** The cross-copy check behind `ExecutorError.is`: a `Symbol.for('weft.executor.error')` marker on the prototype. */
const isExecutorError = defineErrorMarker(ExecutorError, 'weft.executor.error');

/** The future was cancelled before it ran (Python's `concurrent.futures.CancelledError`). */
export class CancelledError extends ExecutorError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_FUTURE_CANCELLED', message, options);
  }
}

/**
 * A wait ran out of time: `Future.result`/`exception` with `timeoutMs`, `asCompleted` and `map`
 * (Python's `TimeoutError`). A timeout never cancels anything.
 */
export class TimeoutError extends ExecutorError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_FUTURE_TIMEOUT', message, options);
  }
}

/** A future was completed twice, or moved to running from a state that does not allow it. */
export class InvalidStateError extends ExecutorError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_FUTURE_INVALID_STATE', message, options);
  }
}

/**
 * A done callback threw. It is reported (as a process warning) and never stops the other
 * callbacks; `cause` is what the callback threw.
 */
export class FutureCallbackError extends ExecutorError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_FUTURE_CALLBACK', message, options);
  }
}

/**
 * The executor could not run a task to completion: its worker thread exited or crashed while
 * running it, or no worker could be started at all (then the executor refuses further submits).
 */
export class BrokenExecutorError extends ExecutorError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_EXECUTOR_BROKEN', message, options);
  }
}

/** `submit`/`map` was called after `shutdown` (Python's "cannot schedule new futures after shutdown"). */
export class ExecutorShutdownError extends ExecutorError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_EXECUTOR_SHUTDOWN', message, options);
  }
}

/** A bad option or argument: the message names the option and the value received. */
export class InvalidArgumentError extends ExecutorError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_EXECUTOR_INVALID_ARGUMENT', message, options);
  }
}

/**
 * A task reference does not lead to a function: the module cannot be imported, or it has no such
 * export, or the export is not a function. The message names the module and the export.
 */
export class TaskReferenceError extends ExecutorError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_TASK_REFERENCE', message, options);
  }
}

/**
 * The submitter's context could not be captured for a task (a propagated value that its variable
 * cannot encode). `cause` is the `@weft/contextvars` error, which names the variable. The future
 * fails with it; the executor stays healthy.
 */
export class TaskContextError extends ExecutorError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_TASK_CONTEXT', message, options);
  }
}

/**
 * A task's arguments could not be sent to a worker thread (structured clone refused one, e.g. a
 * function). `cause` is the `DataCloneError`. The executor stays healthy.
 */
export class TaskArgumentsError extends ExecutorError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_TASK_ARGUMENTS', message, options);
  }
}

/**
 * A task's result could not be sent back from its worker thread (structured clone refused it, e.g.
 * a function). `cause` is the `DataCloneError`. The worker thread is replaced; the executor stays
 * healthy.
 */
export class TaskResultError extends ExecutorError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_TASK_RESULT', message, options);
  }
}

/**
 * Work that a worker task left running (a timer, a promise it did not await) threw after the task
 * had finished: an uncaught exception or an unhandled rejection. It is reported as a process
 * warning on the main thread, naming the task (`taskName`); it fails no other task. `cause` is
 * what was thrown.
 */
export class TaskLeftoverError extends ExecutorError {
  /** The task that left the work behind, when known. */
  readonly taskName: string | undefined;

  constructor(message: string, taskName: string | undefined, options?: ErrorOptions) {
    super('ERR_TASK_LEFTOVER', message, options);
    this.taskName = taskName;
  }
}

/**
 * `decodeThrown` got something that is not an encoded thrown value; the message names the part
 * at fault (e.g. `thrown.cause.kind`).
 */
export class ThrownValueError extends ExecutorError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_THROWN_VALUE_INVALID', message, options);
  }
}
