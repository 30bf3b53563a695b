/**
 * `AsyncExecutor`: runs functions in the current thread, at most `maxWorkers` at once, each in its
 * own copy of its submitter's context.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import type { Context } from '@weft/contextvars';
import { type ContextPolicy, captureContext, executorPolicy, submitPolicy } from './context-capture.js';
import { InvalidArgumentError } from './errors.js';
import type { ExecutorOptions, SubmitOptions } from './executor.js';
import { type Completion, type Prepared, QueueingExecutor } from './queueing-executor.js';
import { checkMaxWorkers, checkObject, show } from './validation.js';

// biome-ignore lint/suspicious/noExplicitAny: any function can be a task
type AnyFunction = (...args: any[]) => unknown;

interface AsyncPayload {
  readonly fn: AnyFunction;
  readonly args: unknown[];
  readonly context: Context;
}

/** Options of {@link AsyncExecutor}. */
export interface AsyncExecutorOptions extends ExecutorOptions {}

/**
 * Python's `ThreadPoolExecutor` for async work in one thread: `submit(fn, ...args)` runs `fn` with
 * at most `maxWorkers` tasks in flight, first come first served, and returns a
 * {@link Future}. Default `maxWorkers`: `min(32, availableParallelism() + 4)`, as in Python.
 *
 * Each task runs in a copy of its submitter's context taken at submit time and entered with
 * `Context.run`, so a `set()` anywhere in the task (before its first `await` too) stays in that
 * copy: invisible to the submitter and to other tasks. With `propagateContext: false` tasks run in
 * an empty context; `contextFilter` keeps only the listed variables.
 *
 * @example
 * ```ts
 * await using executor = new AsyncExecutor({ maxWorkers: 4 });
 * const pages = urls.map((url) => executor.submit(fetchPage, url));
 * for await (const f of asCompleted(pages)) console.log((await f.result()).length);
 * ```
 */
export class AsyncExecutor extends QueueingExecutor<AnyFunction, AsyncPayload> {
  readonly #policy: ContextPolicy;

  constructor(options: AsyncExecutorOptions = {}) {
    const where = 'new AsyncExecutor()';
    checkObject(options, 'options', where);
    super(
      'AsyncExecutor',
      checkMaxWorkers(options.maxWorkers, Math.min(32, availableParallelism() + 4), where),
    );
    this.#policy = executorPolicy(options, where);
  }

  protected override prepare(
    fn: AnyFunction,
    args: unknown[],
    options: SubmitOptions | undefined,
  ): Prepared<AsyncPayload> {
    if (typeof fn !== 'function') {
      throw new InvalidArgumentError(`AsyncExecutor.submit(): the task must be a function, got ${show(fn)}`);
    }
    const policy = submitPolicy(this.#policy, options, 'AsyncExecutor.submit()');
    return { name: fn.name || 'anonymous', payload: { fn, args, context: captureContext(policy) } };
  }

  protected override execute(
    payload: AsyncPayload,
    _signal: AbortSignal | undefined,
    done: Completion,
  ): void {
    const { fn, args, context } = payload;
    let result: unknown;
    try {
      result = context.run(fn, ...args);
    } catch (error) {
      done(false, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value) => done(true, value),
        (error: unknown) => done(false, error),
      );
    } else if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
      Promise.resolve(result).then(
        (value) => done(true, value),
        (error: unknown) => done(false, error),
      );
    } else done(true, result);
  }

  protected override close(): Promise<void> {
    return Promise.resolve();
  }
}
