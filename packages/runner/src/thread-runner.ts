/**
 * `ThreadRunner`: nodes run concurrently in this thread (async concurrency) on an `AsyncExecutor`.
 *
 * @module
 */
import { AsyncExecutor } from '@weft/executor';
import { AbstractRunner } from './abstract-runner.js';
import { type Execution, invokeInline, type NodeTaskFn, type RunSetup } from './execution.js';
import type { Node } from './node.js';
import { requiredWorkers, validateMaxWorkers } from './worker-count.js';

/**
 * Options of {@link ThreadRunner}.
 *
 * @since 0.1.0
 */
export interface ThreadRunnerOptions {
  /**
   * Most nodes in flight at once. Default {@link ThreadRunner.DEFAULT_MAX_WORKERS} (128): nodes
   * here are async I/O, not CPU threads, so the CPU count (Kedro's default) would only queue them.
   * Capped silently at what the pipeline can use (nodes − layers + 1).
   */
  maxWorkers?: number;
}

/**
 * Runs up to `maxWorkers` nodes at once in the current thread: a node starts as soon as its inputs
 * exist, and its awaits (I/O, timers) overlap with other nodes'. CPU-bound nodes do not run in
 * parallel here; use {@link ParallelRunner} for those. Each node runs in its own copy of the
 * caller's context.
 *
 * @example
 * ```ts
 * const outputs = await new ThreadRunner({ maxWorkers: 16 }).run(fetchPipeline, catalog);
 * ```
 * @since 0.1.0
 */
export class ThreadRunner extends AbstractRunner {
  /** Default `maxWorkers`. */
  static readonly DEFAULT_MAX_WORKERS = 128;
  /** The configured maximum number of nodes in flight. */
  readonly maxWorkers: number;

  constructor(options: ThreadRunnerOptions = {}) {
    super();
    validateMaxWorkers('ThreadRunner', options.maxWorkers);
    this.maxWorkers = options.maxWorkers ?? ThreadRunner.DEFAULT_MAX_WORKERS;
  }

  protected _prepare({ pipeline }: RunSetup): Execution {
    const slots = Math.min(this.maxWorkers, requiredWorkers(pipeline));
    const executor = new AsyncExecutor({ maxWorkers: slots });
    const submit = (task: NodeTaskFn, node: Node) => executor.submit(task, node) as PromiseLike<void>;
    return {
      slots,
      invoke: invokeInline,
      // Submitted from inside the node's context: the executor runs the task in a copy of it.
      start: (ctx, task, node) => ctx.run(submit, task, node),
      close: (abandon) => executor.shutdown({ wait: false, cancelFutures: abandon }),
    };
  }
}
