/**
 * The `Executor` interface and the options shared by every executor.
 *
 * @module
 */
import type { ContextFilter } from '@weft/contextvars';
import type { Future } from './future.js';
import type { TaskArgs, TaskResult } from './task-ref.js';

/** Options of both executors. */
export interface ExecutorOptions {
  /** Most tasks running at once. Must be an integer >= 1. */
  maxWorkers?: number;
  /**
   * Whether each task runs in a copy of its submitter's context, captured at submit time
   * (default `true`). With `false` tasks run in an empty context and nothing is sent to workers.
   */
  propagateContext?: boolean;
  /** Which context variables a task gets (names or variables; `deny` wins over `allow`). */
  contextFilter?: ContextFilter;
}

/**
 * Per-submit options of `submitWith` (a separate method, so options can never be mistaken for a
 * task argument). Each one given here replaces the executor's setting for this task.
 */
export interface SubmitOptions {
  /** Replaces the executor's `propagateContext` for this task. */
  propagateContext?: boolean;
  /** Replaces the executor's `contextFilter` for this task. */
  contextFilter?: ContextFilter;
  /**
   * Cancels the task when aborted: a queued task is cancelled (its future reports `cancelled()`);
   * a running one fails with `signal.reason`. A worker thread running it is terminated (and
   * replaced); an in-thread task cannot be stopped, so its outcome is discarded and it keeps its
   * slot until it settles.
   */
  signal?: AbortSignal;
}

/** Options of `map`. */
export interface MapOptions extends SubmitOptions {
  /**
   * Deadline for the whole map, counted from the `map` call. When it passes, iteration throws
   * `TimeoutError` and the tasks that have not started are cancelled.
   */
  timeoutMs?: number;
}

/** Options of `shutdown`. */
export interface ShutdownOptions {
  /** Resolve only once every running and queued task is done (default `true`). */
  wait?: boolean;
  /** Cancel the tasks that have not started yet (default `false`). */
  cancelFutures?: boolean;
}

/**
 * What both executors offer (Python's `concurrent.futures.Executor`): `submit` returns a
 * {@link Future}, `map` yields results in input order, `shutdown` stops accepting work, and
 * `await using` shuts down and waits.
 *
 * `Task` is what the executor runs: a function for `AsyncExecutor`, a `TaskRef` for
 * `WorkerThreadExecutor`. `TaskArgs`/`TaskResult` give its parameters and (awaited) result.
 */
export interface Executor<Task = unknown> {
  /** Schedules `task(...args)`, capturing the caller's context now. */
  submit<T extends Task>(task: T, ...args: TaskArgs<T>): Future<TaskResult<T>>;
  /** {@link Executor.submit} with per-task options. */
  submitWith<T extends Task>(options: SubmitOptions, task: T, ...args: TaskArgs<T>): Future<TaskResult<T>>;
  /**
   * Submits `task(item)` for every item now (eagerly) and yields the results in input order.
   * The first failure is thrown at its position, and the tasks not yet started are cancelled.
   */
  map<T extends Task>(
    task: T,
    items: Iterable<TaskArgs<T>[0]>,
    options?: MapOptions,
  ): AsyncIterable<TaskResult<T>>;
  /** Stops accepting tasks; idempotent. See {@link ShutdownOptions}. */
  shutdown(options?: ShutdownOptions): Promise<void>;
  /** `shutdown({ wait: true })`. */
  [Symbol.asyncDispose](): Promise<void>;
}
