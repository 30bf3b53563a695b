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
import { QueueingExecutor, type WorkItem } from './queueing-executor.js';
import { checkMaxWorkers, checkObject, show } from './validation.js';

// biome-ignore lint/suspicious/noExplicitAny: any function can be a task
type AnyFunction = (...args: any[]) => unknown;

interface AsyncPayload {
  readonly name: string;
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
  ): AsyncPayload {
    if (typeof fn !== 'function') {
      throw new InvalidArgumentError(`AsyncExecutor.submit(): the task must be a function, got ${show(fn)}`);
    }
    const policy = submitPolicy(this.#policy, options, 'AsyncExecutor.submit()');
    return { name: fn.name || 'anonymous', fn, args, context: captureContext(policy) };
  }

  protected override nameOf(payload: AsyncPayload): string {
    return payload.name;
  }

  protected override execute(item: WorkItem<AsyncPayload>): void {
    const { fn, args, context } = item.payload;
    let result: unknown;
    try {
      result = context.run(fn, ...args);
    } catch (error) {
      item.complete(false, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value) => item.complete(true, value),
        (error: unknown) => item.complete(false, error),
      );
    } else if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
      Promise.resolve(result).then(
        (value) => item.complete(true, value),
        (error: unknown) => item.complete(false, error),
      );
    } else item.complete(true, result);
  }

  protected override close(): Promise<void> {
    return Promise.resolve();
  }
}
