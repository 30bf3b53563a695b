/**
 * `Future`: the eventual outcome of a task, with the state machine of Python's
 * `concurrent.futures.Future`, awaitable like a promise.
 *
 * @module
 */
import { type Context, copyContext } from '@weft/contextvars';
import { CancelledError, FutureCallbackError, InvalidStateError, TimeoutError } from './errors.js';
import { checkTimeout } from './validation.js';

/**
 * Internal states, as in CPython. `CANCELLED` is a user cancel that the executor has not seen
 * yet; `CANCELLED_AND_NOTIFIED` is one it has (only then does `wait`/`asCompleted` count it).
 */
export type FutureState = 'PENDING' | 'RUNNING' | 'CANCELLED' | 'CANCELLED_AND_NOTIFIED' | 'FINISHED';

/** Options of {@link Future.result} and {@link Future.exception}. */
export interface ResultOptions {
  /** Give up after this many milliseconds with a {@link TimeoutError}; `0` polls. Default: wait forever. */
  timeoutMs?: number;
}

/** Called with a future once it is done (finished or cancelled). */
export type DoneCallback<T> = (future: Future<T>) => void;

/**
 * Notified when a future becomes FINISHED or CANCELLED_AND_NOTIFIED (what `wait` and
 * `asCompleted` count as done).
 *
 * @internal
 */
export type Waiter = (future: Future<unknown>) => void;

/** @internal Key of the waiter registry, shared with `wait.ts` only. */
export const kAddWaiter: unique symbol = Symbol('Future.addWaiter');
/** @internal */
export const kRemoveWaiter: unique symbol = Symbol('Future.removeWaiter');
/** @internal Whether a finished future failed, read synchronously. */
export const kFailed: unique symbol = Symbol('Future.failed');

interface RegisteredCallback {
  // Typed loosely so that Future<T> stays covariant in T (a Future<number> is a Future<unknown>).
  // biome-ignore lint/suspicious/noExplicitAny: see above
  fn: DoneCallback<any>;
  context: Context;
}

// The resolving functions of the promise being constructed (see Future's outcome promise): the
// executor runs synchronously inside `new Promise`, so they are read right after.
let capturedResolve: ((value: never) => void) | undefined;
let capturedReject: ((reason: unknown) => void) | undefined;
function captureResolvers(resolve: (value: never) => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object' || typeof value === 'function') {
    if (value instanceof Error) return value.name;
    return (value as { constructor?: { name?: string } }).constructor?.name || 'Object';
  }
  return typeof value;
}

/**
 * The eventual result of a task (Python's `concurrent.futures.Future`).
 *
 * States: pending → running → finished, or pending → cancelled. `await future` (or
 * `future.result()`) gives the result or throws the task's error; a cancelled future throws
 * {@link CancelledError}. Executors create futures; {@link Future.setRunningOrNotifyCancel},
 * {@link Future.setResult} and {@link Future.setException} are for executor implementations and
 * tests.
 *
 * @example
 * ```ts
 * const f = executor.submit(fetchReport, 'q3');
 * f.addDoneCallback((done) => console.log('report done, cancelled:', done.cancelled()));
 * const report = await f; // or: await f.result({ timeoutMs: 5000 })
 * ```
 */
export class Future<T = unknown> implements PromiseLike<T> {
  /** What the future stands for (e.g. the task), used in messages and `toString`. */
  readonly name: string | undefined;
  #state: FutureState = 'PENDING';
  #value: T | undefined = undefined;
  #error: unknown = undefined;
  #failed = false;
  // Allocated on first use: most futures are awaited once and never get callbacks or timeouts.
  #callbacks: RegisteredCallback[] | undefined = undefined;
  /** Woken when the future is cancelled or finished (waiters with a timeout). */
  #settleListeners: Array<() => void> | undefined = undefined;
  /** Settles with the outcome; shared by `await` and by result()/exception() without timeout. */
  #promise: Promise<T> | undefined = undefined;
  // `never`, not `T`: a field typed by T in a parameter position would make Future invariant.
  #resolve: ((value: never) => void) | undefined = undefined;
  #reject: ((reason: unknown) => void) | undefined = undefined;
  #waiters: Set<Waiter> | undefined = undefined;

  /** @param name what the future stands for, shown in messages and `toString`. */
  constructor(name?: string) {
    this.name = name;
  }

  /** The internal state (see {@link FutureState}); the predicates below are the public view. */
  get state(): FutureState {
    return this.#state;
  }

  /**
   * Attempts to cancel. A pending future becomes cancelled (done callbacks run, result waiters
   * throw {@link CancelledError}) and `true` is returned; an already cancelled one also gives
   * `true`; a running or finished one cannot be cancelled and gives `false`.
   */
  cancel(): boolean {
    const state = this.#state;
    if (state === 'RUNNING' || state === 'FINISHED') return false;
    if (state === 'CANCELLED' || state === 'CANCELLED_AND_NOTIFIED') return true;
    this.#state = 'CANCELLED';
    this.#wakeSettleListeners();
    this.#invokeCallbacks();
    return true;
  }

  /** Whether the future was cancelled. */
  cancelled(): boolean {
    return this.#state === 'CANCELLED' || this.#state === 'CANCELLED_AND_NOTIFIED';
  }

  /** Whether the task is running right now (not pending, not done). */
  running(): boolean {
    return this.#state === 'RUNNING';
  }

  /** Whether the future is finished or cancelled. */
  done(): boolean {
    return this.#state !== 'PENDING' && this.#state !== 'RUNNING';
  }

  /**
   * The task's result. Rejects with the task's own error if it failed, with
   * {@link CancelledError} if the future was (or gets, while waiting) cancelled, and with
   * {@link TimeoutError} when `timeoutMs` passes first (`0` polls). A timeout does not cancel.
   */
  result(options?: ResultOptions): Promise<T> {
    if (options?.timeoutMs === undefined) return this.#outcome();
    return this.#whenSettled(options, 'result', () => {
      if (this.#failed) throw this.#error;
      return this.#value as T;
    });
  }

  /**
   * The task's error, or `undefined` when it succeeded. Same waiting rules as {@link Future.result}:
   * rejects with {@link CancelledError} or {@link TimeoutError}.
   */
  exception(options?: ResultOptions): Promise<unknown> {
    if (options?.timeoutMs === undefined) {
      return this.#outcome().then(
        () => undefined,
        (error: unknown) => {
          if (this.cancelled()) throw error;
          return error;
        },
      );
    }
    return this.#whenSettled(options, 'exception', () => (this.#failed ? this.#error : undefined));
  }

  /**
   * Calls `fn(this)` once the future is done (finished or cancelled), in registration order; at
   * once (synchronously) when it is done already. Each callback runs in a copy of the context
   * current when it was added, so its `set()` calls leak nowhere. A callback that throws is
   * reported as a process warning ({@link FutureCallbackError}) and does not stop the others.
   */
  addDoneCallback(fn: DoneCallback<T>): void {
    if (typeof fn !== 'function')
      throw new TypeError(`addDoneCallback expects a function, got ${typeName(fn)}`);
    const entry: RegisteredCallback = { fn, context: copyContext() };
    if (this.done()) this.#invoke(entry);
    else if (this.#callbacks === undefined) this.#callbacks = [entry];
    else this.#callbacks.push(entry);
  }

  /** Makes the future awaitable: `await future` is `await future.result()`. */
  // biome-ignore lint/suspicious/noThenProperty: a Future is a thenable on purpose
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#outcome().then(onFulfilled, onRejected);
  }

  /**
   * For executors: marks the start of the task. Returns `true` and moves a pending future to
   * running; returns `false` for a cancelled one (which then counts as done for `wait` and
   * `asCompleted`) so that the executor skips the task.
   *
   * @throws {InvalidStateError} in any other state.
   */
  setRunningOrNotifyCancel(): boolean {
    if (this.#state === 'PENDING') {
      this.#state = 'RUNNING';
      return true;
    }
    if (this.#state === 'CANCELLED') {
      this.#state = 'CANCELLED_AND_NOTIFIED';
      this.#notifyWaiters();
      return false;
    }
    throw new InvalidStateError(`Future in unexpected state: ${this}`);
  }

  /**
   * For executors and tests: finishes the future with `value`.
   *
   * @throws {InvalidStateError} `'FINISHED: <Future …>'` when already cancelled or finished; the
   * first outcome is kept.
   */
  setResult(value: T): void {
    this.#assertSettleable();
    this.#value = value;
    this.#finish();
  }

  /**
   * For executors and tests: finishes the future with an error (any value counts, even a falsy
   * one).
   *
   * @throws {InvalidStateError} when already cancelled or finished.
   */
  setException(error: unknown): void {
    this.#assertSettleable();
    this.#error = error;
    this.#failed = true;
    this.#finish();
  }

  /** `<Future 'name' state=finished returned number>`, in the style of Python's repr. */
  toString(): string {
    const label = this.name === undefined ? '' : ` '${this.name}'`;
    let state: string;
    switch (this.#state) {
      case 'FINISHED':
        state = this.#failed
          ? `finished raised ${typeName(this.#error)}`
          : `finished returned ${typeName(this.#value)}`;
        break;
      case 'CANCELLED_AND_NOTIFIED':
        state = 'cancelled';
        break;
      default:
        state = this.#state.toLowerCase();
    }
    return `<Future${label} state=${state}>`;
  }

  /** Same as {@link Future.toString}, for `console.log`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** @internal Registers a `wait`/`asCompleted` waiter (see {@link Waiter}). */
  [kAddWaiter](waiter: Waiter): void {
    this.#waiters ??= new Set();
    this.#waiters.add(waiter);
  }

  /** @internal */
  [kRemoveWaiter](waiter: Waiter): void {
    this.#waiters?.delete(waiter);
  }

  /** @internal Whether the future finished with an error. */
  [kFailed](): boolean {
    return this.#state === 'FINISHED' && this.#failed;
  }

  #assertSettleable(): void {
    const state = this.#state;
    if (state === 'FINISHED' || state === 'CANCELLED' || state === 'CANCELLED_AND_NOTIFIED') {
      throw new InvalidStateError(`${state}: ${this}`);
    }
  }

  #finish(): void {
    this.#state = 'FINISHED';
    this.#notifyWaiters();
    this.#wakeSettleListeners();
    this.#invokeCallbacks();
  }

  #notifyWaiters(): void {
    const waiters = this.#waiters;
    if (waiters === undefined) return;
    this.#waiters = undefined;
    for (const waiter of waiters) waiter(this as Future<unknown>);
  }

  #wakeSettleListeners(): void {
    if (this.#resolve !== undefined) {
      if (this.cancelled()) (this.#reject as (reason: unknown) => void)(this.#cancelledError());
      else if (this.#failed) (this.#reject as (reason: unknown) => void)(this.#error);
      else this.#resolve(this.#value as never);
      this.#resolve = undefined;
      this.#reject = undefined;
    }
    const listeners = this.#settleListeners;
    if (listeners === undefined) return;
    this.#settleListeners = undefined;
    for (const listener of listeners) listener();
  }

  #invokeCallbacks(): void {
    const callbacks = this.#callbacks;
    if (callbacks === undefined) return;
    this.#callbacks = undefined;
    for (const entry of callbacks) this.#invoke(entry);
  }

  #cancelledError(): CancelledError {
    return new CancelledError(`${this} was cancelled`);
  }

  /** The shared outcome promise, created on first use. */
  #outcome(): Promise<T> {
    let promise = this.#promise;
    if (promise !== undefined) return promise;
    if (this.cancelled()) promise = Promise.reject(this.#cancelledError());
    else if (this.#state === 'FINISHED') {
      promise = this.#failed ? Promise.reject(this.#error) : Promise.resolve(this.#value as T);
    } else {
      // One shared executor function instead of a closure per future.
      promise = new Promise<T>(captureResolvers);
      this.#resolve = capturedResolve;
      this.#reject = capturedReject;
      capturedResolve = undefined;
      capturedReject = undefined;
    }
    this.#promise = promise;
    return promise;
  }

  #invoke(entry: RegisteredCallback): void {
    try {
      entry.context.run(entry.fn, this);
    } catch (error) {
      process.emitWarning(
        new FutureCallbackError(`exception calling callback for ${this}: ${describeThrown(error)}`, {
          cause: error,
        }),
      );
    }
  }

  #whenSettled<R>(options: ResultOptions | undefined, method: string, read: () => R): Promise<R> {
    let timeoutMs: number | undefined;
    try {
      timeoutMs = checkTimeout(options?.timeoutMs, `Future.${method}()`);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<R>((resolve, reject) => {
      const settle = (): void => {
        if (this.cancelled()) reject(this.#cancelledError());
        else {
          try {
            resolve(read());
          } catch (error) {
            reject(error);
          }
        }
      };
      if (this.done()) return settle();
      if (timeoutMs === 0) return reject(this.#timeoutError(0));
      let timer: NodeJS.Timeout | undefined;
      const listener = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        settle();
      };
      if (this.#settleListeners === undefined) this.#settleListeners = [listener];
      else this.#settleListeners.push(listener);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const index = this.#settleListeners?.indexOf(listener) ?? -1;
          if (index >= 0) this.#settleListeners?.splice(index, 1);
          reject(this.#timeoutError(timeoutMs));
        }, timeoutMs);
      }
    });
  }

  #timeoutError(timeoutMs: number): TimeoutError {
    return new TimeoutError(`${this} did not finish within ${timeoutMs} ms`);
  }
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
