/**
 * `wait` and `asCompleted`: waiting on many futures, with the semantics of Python's
 * `concurrent.futures.wait` and `as_completed`.
 *
 * @module
 */
import { InvalidArgumentError, TimeoutError } from './errors.js';
import { type Future, kAddWaiter, kFailed, kRemoveWaiter, type Waiter } from './future.js';
import { checkTimeout, show } from './validation.js';

/** When {@link wait} returns. */
export type ReturnWhen = 'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED';

/** Options of {@link wait}. */
export interface WaitOptions {
  /** Return after this many milliseconds even if the condition is not met (never throws); `0` polls. */
  timeoutMs?: number;
  /** Default `'ALL_COMPLETED'`. */
  returnWhen?: ReturnWhen;
}

/** Options of {@link asCompleted}. */
export interface AsCompletedOptions {
  /** Deadline from the `asCompleted` call; past it, iteration throws {@link TimeoutError}. */
  timeoutMs?: number;
}

/** The result of {@link wait}. */
export interface DoneAndNotDone<F> {
  done: Set<F>;
  notDone: Set<F>;
}

const RETURN_WHEN: ReadonlySet<string> = new Set(['FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED']);

/** Done in the sense of `wait`/`asCompleted`: finished, or cancelled and seen by the executor. */
function isComplete(future: Future<unknown>): boolean {
  return future.state === 'FINISHED' || future.state === 'CANCELLED_AND_NOTIFIED';
}

function dedupe<F extends Future<unknown>>(fs: Iterable<F>, where: string): Set<F> {
  if (fs === null || typeof (fs as Partial<Iterable<F>>)?.[Symbol.iterator] !== 'function') {
    throw new InvalidArgumentError(`${where}: expected an iterable of futures, got ${show(fs)}`);
  }
  const set = new Set<F>();
  for (const f of fs) {
    if (typeof (f as Partial<Future<unknown>>)?.[kAddWaiter] !== 'function') {
      throw new InvalidArgumentError(`${where}: expected a Future, got ${show(f)}`);
    }
    set.add(f);
  }
  return set;
}

/**
 * Waits for the futures in `fs` (deduplicated; they may come from different executors) and
 * resolves to `{ done, notDone }`, like Python's `concurrent.futures.wait`.
 *
 * `returnWhen`: `'ALL_COMPLETED'` (default), `'FIRST_COMPLETED'`, or `'FIRST_EXCEPTION'` (the
 * first one to fail; without failures it is `'ALL_COMPLETED'`). "Done" means finished or
 * cancelled-and-seen-by-the-executor: a future cancelled while still queued counts as not done
 * until its executor reaches it, as in Python. `timeoutMs` bounds the wait; running out is not an
 * error, the current partition is returned.
 */
export function wait<F extends Future<unknown>>(
  fs: Iterable<F>,
  options?: WaitOptions,
): Promise<DoneAndNotDone<F>> {
  let futures: Set<F>;
  let timeoutMs: number | undefined;
  const returnWhen = options?.returnWhen ?? 'ALL_COMPLETED';
  try {
    futures = dedupe(fs, 'wait()');
    timeoutMs = checkTimeout(options?.timeoutMs, 'wait()');
    if (!RETURN_WHEN.has(returnWhen)) {
      throw new InvalidArgumentError(
        `wait(): returnWhen must be 'FIRST_COMPLETED', 'FIRST_EXCEPTION' or 'ALL_COMPLETED', got ${show(returnWhen)}`,
      );
    }
  } catch (error) {
    return Promise.reject(error);
  }

  const partition = (): DoneAndNotDone<F> => {
    const done = new Set<F>();
    const notDone = new Set<F>();
    for (const f of futures) {
      if (isComplete(f)) done.add(f);
      else notDone.add(f);
    }
    return { done, notDone };
  };

  const satisfied = (): boolean => {
    let pending = 0;
    let anyDone = false;
    for (const f of futures) {
      if (isComplete(f)) {
        anyDone = true;
        if (returnWhen === 'FIRST_EXCEPTION' && f[kFailed]()) return true;
      } else pending++;
    }
    if (pending === 0) return true;
    return returnWhen === 'FIRST_COMPLETED' && anyDone;
  };

  if (satisfied() || timeoutMs === 0) return Promise.resolve(partition());

  return new Promise<DoneAndNotDone<F>>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let pending = 0;
    const finish = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      for (const f of futures) f[kRemoveWaiter](waiter);
      resolve(partition());
    };
    const waiter: Waiter = (f) => {
      pending--;
      if (
        pending === 0 ||
        returnWhen === 'FIRST_COMPLETED' ||
        (returnWhen === 'FIRST_EXCEPTION' && f[kFailed]())
      ) {
        finish();
      }
    };
    for (const f of futures) {
      if (!isComplete(f)) {
        pending++;
        f[kAddWaiter](waiter);
      }
    }
    if (timeoutMs !== undefined) timer = setTimeout(finish, timeoutMs);
  });
}

/**
 * Iterates over the futures in `fs` (deduplicated) as they complete, like Python's
 * `as_completed`: first those already done, then the others in completion order. It yields the
 * `Future` objects themselves; `await` them (or call `result()`) for the values.
 *
 * `timeoutMs` is a deadline counted from this call; when it passes with futures still pending,
 * iteration throws {@link TimeoutError} `'N (of M) futures unfinished'` (nothing is cancelled).
 *
 * @example
 * ```ts
 * for await (const f of asCompleted(futures, { timeoutMs: 10_000 })) console.log(await f.result());
 * ```
 */
export function asCompleted<F extends Future<unknown>>(
  fs: Iterable<F>,
  options?: AsCompletedOptions,
): AsyncIterable<CompletedFuture<F>> {
  const futures = dedupe(fs, 'asCompleted()');
  const timeoutMs = checkTimeout(options?.timeoutMs, 'asCompleted()');
  const deadline = timeoutMs === undefined ? undefined : performance.now() + timeoutMs;
  return { [Symbol.asyncIterator]: () => new AsCompletedIterator(futures, deadline) };
}

/**
 * A future as {@link asCompleted} yields it: the `Future` object itself, typed without `then`.
 * TypeScript types `for await (const x of it)` as if every yielded thenable were awaited, which
 * would type `x` as the future's result; at run time `for await` yields the future unchanged.
 * Read its outcome with `result()` / `exception()`.
 */
export type CompletedFuture<F extends Future<unknown>> = Omit<F, 'then'>;

/**
 * The iterator behind {@link asCompleted}, written by hand: an `async function*` would await the
 * futures it yields (they are thenables) instead of yielding them.
 */
class AsCompletedIterator<F extends Future<unknown>> implements AsyncIterator<F> {
  readonly #total: number;
  readonly #deadline: number | undefined;
  /** Completed and not yet yielded, in completion order. */
  #ready: F[] = [];
  #pending: Set<F>;
  #wake: (() => void) | undefined = undefined;
  #closed = false;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #waiter: Waiter;

  constructor(futures: Set<F>, deadline: number | undefined) {
    this.#total = futures.size;
    this.#deadline = deadline;
    this.#pending = new Set();
    this.#waiter = (f) => {
      if (!this.#pending.delete(f as F)) return;
      this.#ready.push(f as F);
      this.#wake?.();
    };
    for (const f of futures) {
      if (isComplete(f)) this.#ready.push(f);
      else {
        this.#pending.add(f);
        f[kAddWaiter](this.#waiter);
      }
    }
  }

  next(): Promise<IteratorResult<F>> {
    // Calls are served one after another, whatever the caller does.
    const result = this.#queue.then(() => this.#next());
    this.#queue = result.catch(() => undefined);
    return result;
  }

  return(): Promise<IteratorResult<F>> {
    this.#close();
    return Promise.resolve({ done: true, value: undefined });
  }

  async #next(): Promise<IteratorResult<F>> {
    for (;;) {
      if (this.#closed) return { done: true, value: undefined };
      const f = this.#ready.shift();
      if (f !== undefined) return { done: false, value: f };
      if (this.#pending.size === 0) {
        this.#close();
        return { done: true, value: undefined };
      }
      const remaining = this.#deadline === undefined ? undefined : this.#deadline - performance.now();
      if (remaining !== undefined && remaining <= 0) {
        const unfinished = this.#pending.size;
        this.#close();
        throw new TimeoutError(`${unfinished} (of ${this.#total}) futures unfinished`);
      }
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        this.#wake = () => {
          if (timer !== undefined) clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
        if (remaining !== undefined) timer = setTimeout(this.#wake, Math.ceil(remaining));
      });
    }
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const f of this.#pending) f[kRemoveWaiter](this.#waiter);
    this.#pending.clear();
    this.#ready = [];
  }
}
