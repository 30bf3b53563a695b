/**
 * What both executors share: a FIFO queue in front of at most `maxWorkers` running tasks, the
 * future life cycle (pending → running → finished/cancelled), abort signals, `map` and
 * `shutdown`. Subclasses say how a task is prepared at submit time and how it runs.
 *
 * @internal
 * @module
 */

import Denque from 'denque';
import {
  type BrokenExecutorError,
  ExecutorShutdownError,
  InvalidArgumentError,
  TimeoutError,
} from './errors.js';
import type { Executor, MapOptions, ShutdownOptions, SubmitOptions } from './executor.js';
import { Future } from './future.js';
import type { TaskArgs, TaskResult } from './task-ref.js';
import { checkBoolean, checkObject, checkTimeout, show } from './validation.js';

/**
 * What `prepare` returns when a task cannot be sent (e.g. its context cannot be captured): its
 * future fails at once with `error`, and the executor stays healthy.
 */
export class FailedPreparation {
  /**
   * @param name shown as the future's name.
   * @param error the future's error.
   */
  constructor(
    readonly name: string,
    readonly error: unknown,
  ) {}
}

/**
 * One submitted task, from the queue to its outcome: `execute` gets it and reports the outcome
 * with {@link WorkItem.complete}. One object per task carries what the queue, the running task
 * and its completion need (no closure per task).
 */
export class WorkItem<P> {
  /** Set once the outcome was reported: later reports are ignored. */
  #settled = false;
  detachSignal: (() => void) | undefined = undefined;

  constructor(
    readonly future: Future<unknown>,
    /** What `prepare` made of the task. */
    readonly payload: P,
    readonly signal: AbortSignal | undefined,
    readonly owner: { settle(item: WorkItem<P>, ok: boolean, value: unknown): void },
  ) {}

  /**
   * Reports the task's outcome, once: `(true, result)` or `(false, error for its future)`;
   * synchronously or later. Later calls are ignored.
   */
  complete(ok: boolean, value: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.owner.settle(this, ok, value);
  }
}

/**
 * Base of {@link AsyncExecutor} and {@link WorkerThreadExecutor}.
 *
 * @internal
 */
export abstract class QueueingExecutor<Task, P> implements Executor<Task> {
  /** Most tasks running at once. */
  readonly maxWorkers: number;
  /** Most tasks handed to `execute` at once (>= maxWorkers; see WorkerThreadExecutor). */
  readonly #dispatchLimit: number;
  /** Class name used in messages. */
  protected readonly label: string;
  /**
   * Tasks waiting for a turn, first come first served: a ring buffer whose slots are cleared as
   * tasks leave. Not an array shifted by an index and sliced or replaced now and then: the garbage
   * collector treats a dropped array in the old generation as alive until a full collection, so
   * every task it still pointed to was promoted to the old generation too (measured: ~0.5 KB more
   * promoted per task, with 256 tasks queued).
   */
  readonly #queue = new Denque<WorkItem<P>>();
  #running = 0;
  #pumpScheduled = false;
  #pumping = false;
  #shutdown = false;
  #broken: BrokenExecutorError | undefined = undefined;
  #idleWaiters: Array<() => void> = [];
  #closed: Promise<void> | undefined = undefined;
  /** What each WorkItem reports its outcome to (one object for all of them). */
  readonly #owner = {
    settle: (item: WorkItem<P>, ok: boolean, value: unknown) => this.#settle(item, ok, value),
  };

  protected constructor(label: string, maxWorkers: number, dispatchLimit = maxWorkers) {
    this.label = label;
    this.maxWorkers = maxWorkers;
    this.#dispatchLimit = dispatchLimit;
  }

  /**
   * Checks `task` and its arguments and captures what the task needs, at submit time: the
   * payload `execute` gets, or a {@link FailedPreparation} that fails the future at once.
   */
  protected abstract prepare(
    task: Task,
    args: unknown[],
    options: SubmitOptions | undefined,
  ): P | FailedPreparation;

  /** The name of the future of a prepared task (shown in messages). */
  protected abstract nameOf(payload: P): string;

  /**
   * Runs a prepared task (`item.payload`, with `item.signal`) and reports its outcome once with
   * `item.complete(ok, value)`: `(true, result)` or `(false, error for its future)`,
   * synchronously or later.
   */
  protected abstract execute(item: WorkItem<P>): void;

  /** Releases resources once shut down and idle. */
  protected abstract close(): Promise<void>;

  /** Number of tasks waiting for a free worker. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Number of tasks started (handed to a worker) and not finished. */
  get running(): number {
    return this.#running;
  }

  /** Whether `shutdown` was called. */
  get isShutdown(): boolean {
    return this.#shutdown;
  }

  /**
   * Schedules `task(...args)` and returns its {@link Future}. The caller's context is captured
   * now, and the task runs in its own copy of it.
   *
   * @throws {ExecutorShutdownError} after `shutdown`.
   * @throws {BrokenExecutorError} when the executor can no longer start workers.
   * @throws {InvalidArgumentError} when `task` is not something this executor runs.
   */
  submit<T extends Task>(task: T, ...args: TaskArgs<T>): Future<TaskResult<T>> {
    return this.#submit(undefined, task, args) as Future<TaskResult<T>>;
  }

  /**
   * {@link QueueingExecutor.submit} with per-task options (context propagation, context filter,
   * abort signal), passed separately so that they can never be confused with task arguments.
   */
  submitWith<T extends Task>(options: SubmitOptions, task: T, ...args: TaskArgs<T>): Future<TaskResult<T>> {
    checkObject(options, 'options', `${this.label}.submitWith()`);
    if (options === undefined) {
      throw new InvalidArgumentError(`${this.label}.submitWith(): options must be an object, got undefined`);
    }
    return this.#submit(options, task, args) as Future<TaskResult<T>>;
  }

  /**
   * Submits `task(item)` for each item at once (capturing the context now) and yields the
   * results in input order. A failure is thrown at its position; `timeoutMs` (from this call)
   * throws {@link TimeoutError} when a result is late. Either way, and when the loop is left
   * early, the tasks that have not started are cancelled.
   */
  map<T extends Task>(
    task: T,
    items: Iterable<TaskArgs<T>[0]>,
    options?: MapOptions,
  ): AsyncIterable<TaskResult<T>> {
    const where = `${this.label}.map()`;
    checkObject(options, 'options', where);
    const timeoutMs = checkTimeout(options?.timeoutMs, where);
    if (items === null || typeof (items as Partial<Iterable<unknown>>)?.[Symbol.iterator] !== 'function') {
      throw new InvalidArgumentError(`${where}: expected an iterable of items, got ${show(items)}`);
    }
    const deadline = timeoutMs === undefined ? undefined : performance.now() + timeoutMs;
    const futures: Array<Future<unknown> | undefined> = [];
    try {
      for (const item of items) futures.push(this.#submit(options, task, [item]));
    } catch (error) {
      for (const f of futures) f?.cancel();
      throw error;
    }
    return mapResults(futures, deadline, timeoutMs) as AsyncIterable<TaskResult<T>>;
  }

  /**
   * Stops accepting tasks (later `submit`/`map` throw {@link ExecutorShutdownError}); idempotent.
   * Queued tasks still run unless `cancelFutures` (then they are cancelled, and count as done for
   * `wait`). With `wait` (default) it resolves once every task is done and the workers are gone;
   * without, it resolves at once and the work finishes in the background.
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    const where = `${this.label}.shutdown()`;
    let wait: boolean;
    let cancelFutures: boolean;
    try {
      checkObject(options, 'options', where);
      wait = checkBoolean(options?.wait, true, 'wait', where);
      cancelFutures = checkBoolean(options?.cancelFutures, false, 'cancelFutures', where);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#shutdown = true;
    if (cancelFutures) {
      for (let item = this.#queue.shift(); item !== undefined; item = this.#queue.shift()) {
        item.future.cancel();
        item.future.setRunningOrNotifyCancel();
        item.detachSignal?.();
      }
    }
    this.#closed ??= this.#whenIdle().then(() => this.close());
    if (!wait) {
      this.#closed.catch((error: unknown) => process.emitWarning(error as Error));
      return Promise.resolve();
    }
    return this.#closed;
  }

  /** `shutdown({ wait: true })`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }

  /**
   * Marks the executor unusable: queued tasks fail with `error`, later submits throw it. Running
   * tasks are left to their own outcome.
   */
  protected markBroken(error: BrokenExecutorError): void {
    if (this.#broken !== undefined) return;
    this.#broken = error;
    for (let item = this.#queue.shift(); item !== undefined; item = this.#queue.shift()) {
      item.detachSignal?.();
      if (!item.future.done()) item.future.setException(error);
      else if (item.future.state === 'CANCELLED') item.future.setRunningOrNotifyCancel();
    }
    this.#notifyIdle();
  }

  /** Whether the executor was marked broken. */
  protected get broken(): BrokenExecutorError | undefined {
    return this.#broken;
  }

  #submit(options: SubmitOptions | undefined, task: Task, args: unknown[]): Future<unknown> {
    if (this.#shutdown)
      throw new ExecutorShutdownError(`${this.label}: cannot schedule new futures after shutdown`);
    if (this.#broken !== undefined) throw this.#broken;
    const signal = options?.signal;
    if (signal !== undefined && !isAbortSignal(signal)) {
      throw new InvalidArgumentError(
        `${this.label}.submit(): signal must be an AbortSignal, got ${show(signal)}`,
      );
    }
    const prepared = this.prepare(task, args, options);
    if (prepared instanceof FailedPreparation) {
      const failed = new Future<unknown>(prepared.name);
      failed.setException(prepared.error);
      return failed;
    }
    const future = new Future<unknown>(this.nameOf(prepared));
    const item = new WorkItem<P>(future, prepared, signal, this.#owner);
    if (signal !== undefined) {
      if (signal.aborted) future.cancel();
      else {
        const onAbort = (): void => {
          if (future.cancel()) return;
          // Running: fail it now; `execute` got the signal too and stops what it can.
          if (future.running()) future.setException(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        item.detachSignal = () => signal.removeEventListener('abort', onAbort);
      }
    }
    this.#queue.push(item);
    // At the dispatch limit the next settle pumps (synchronously): no microtask needed.
    if (!this.#pumpScheduled && this.#running < this.#dispatchLimit) {
      this.#pumpScheduled = true;
      queueMicrotask(() => {
        this.#pumpScheduled = false;
        this.#pump();
      });
    }
    return future;
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const queue = this.#queue;
    while (this.#running < this.#dispatchLimit) {
      // A done callback run by `execute` may shut the executor down and empty the queue.
      const item = queue.shift();
      if (item === undefined) break;
      if (!item.future.setRunningOrNotifyCancel()) {
        item.detachSignal?.();
        continue;
      }
      this.#running++;
      try {
        this.execute(item);
      } catch (error) {
        item.complete(false, error);
      }
    }
    this.#pumping = false;
    this.#notifyIdle();
  }

  #settle(item: WorkItem<P>, ok: boolean, value: unknown): void {
    this.#running--;
    item.detachSignal?.();
    // Already done only when an abort signal failed it while it ran.
    if (!item.future.done()) {
      if (ok) item.future.setResult(value);
      else item.future.setException(value);
    }
    this.#pump();
  }

  #notifyIdle(): void {
    if (this.#running > 0 || this.#queue.length > 0 || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const waiter of waiters) waiter();
  }

  #whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#notifyIdle();
    });
  }
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  );
}

async function* mapResults(
  futures: Array<Future<unknown> | undefined>,
  deadline: number | undefined,
  timeoutMs: number | undefined,
): AsyncGenerator<unknown, void, undefined> {
  let index = 0;
  try {
    for (; index < futures.length; index++) {
      const future = futures[index] as Future<unknown>;
      futures[index] = undefined;
      if (deadline === undefined) {
        yield await future;
        continue;
      }
      try {
        yield await future.result({ timeoutMs: Math.max(0, deadline - performance.now()) });
      } catch (error) {
        // A TimeoutError from the task itself is just its error; only a late result is the map's.
        if (TimeoutError.is(error) && !future.done()) {
          future.cancel();
          throw new TimeoutError(
            `map(): result ${index + 1} of ${futures.length} (${future}) was not ready within ${timeoutMs} ms`,
          );
        }
        throw error;
      }
    }
  } finally {
    for (let i = index; i < futures.length; i++) futures[i]?.cancel();
  }
}
