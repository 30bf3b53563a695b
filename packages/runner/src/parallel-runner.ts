/**
 * `ParallelRunner`: node functions run in worker threads (a `WorkerThreadExecutor`); hooks and
 * dataset I/O stay on the main thread, in the node's context.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import {
  type TaskRef,
  type TypeScriptLoader,
  taskRef,
  typescriptExecArgv,
  WorkerThreadExecutor,
} from '@weft/executor';
import { AbstractRunner } from './abstract-runner.js';
import { RunAbandonedError, RunnerConfigError } from './errors.js';
import type { Execution, RunSetup } from './execution.js';
import { type NodeFunctionRef, resolveNodeFunctions, toModuleUrl } from './node-functions.js';
import { parallelTasks } from './parallel-tasks.js';
import { requiredWorkers, validateMaxWorkers } from './worker-count.js';

/**
 * Options of {@link ParallelRunner}.
 *
 * @since 0.1.0
 */
export interface ParallelRunnerOptions {
  /**
   * The module (or modules) whose exports are the node functions: usually the module that defines
   * the pipeline, as `import.meta.url` inside it or `new URL('./pipeline.js', import.meta.url)`; an
   * absolute path works too. Functions defined elsewhere must be (re-)exported by one of them.
   */
  module: string | URL | readonly (string | URL)[];
  /** Worker threads. Default: `availableParallelism()`. Capped per run at nodes − layers + 1 nodes in flight. */
  maxWorkers?: number;
  /** Extra Node options for the worker threads. */
  execArgv?: string[];
  /** Memory limits of each worker thread. */
  resourceLimits?: ResourceLimits;
  /**
   * The TypeScript loader of the worker threads, for `.ts` pipeline modules: `'auto'` (default)
   * gives them tsx when this process runs under tsx (`tsx main.ts`, `node --import tsx main.ts`),
   * `'tsx'` always, `false` never. See `WorkerThreadExecutor`'s option of the same name.
   */
  typescript?: TypeScriptLoader;
}

/**
 * Runs node functions in worker threads, at most `maxWorkers` at once. A worker finds a node's
 * function by importing the module you point at and reading the export that is the very function
 * the node holds, so node functions must be module-level exports: closures and inline lambdas are
 * rejected before anything runs, with an error naming the node.
 *
 * Everything else stays on the main thread inside the node's context: dataset loads and saves and
 * all hooks (Kedro's ParallelRunner loses hooks; this one does not). The node function is
 * submitted from inside the node's context, so it sees the caller's propagatable context variables
 * (`propagate: true`) and what `beforeNodeRun` set. Inputs and outputs are copied between threads
 * by structured clone (class instances arrive as plain objects; functions cannot be sent).
 *
 * The worker pool is created on the first run and kept for later runs; `close()` (or
 * `await using`) shuts it down. Idle workers do not keep the process alive.
 *
 * @example
 * ```ts
 * // pipeline.ts
 * export function square(x: number) { return x * x; }
 * export const squares = pipeline([node(square, 'x', 'y')]);
 * // main.ts
 * await using runner = new ParallelRunner({ module: new URL('./pipeline.js', import.meta.url) });
 * await runner.run(squares, new DataCatalog({ x: 3 })); // { y: 9 }
 * ```
 * @since 0.1.0
 */
export class ParallelRunner extends AbstractRunner {
  /** Worker threads. */
  readonly maxWorkers: number;
  /** Module URLs searched for node functions. */
  readonly modules: readonly string[];
  readonly #execArgv: string[] | undefined;
  readonly #resourceLimits: ResourceLimits | undefined;
  readonly #typescript: TypeScriptLoader | undefined;
  #executor: WorkerThreadExecutor | undefined;

  constructor(options: ParallelRunnerOptions) {
    super();
    if (options === null || typeof options !== 'object' || options.module === undefined) {
      throw new RunnerConfigError(
        'ERR_RUNNER_OPTIONS',
        "ParallelRunner needs the module that exports the node functions: new ParallelRunner({ module: import.meta.url }) in the pipeline's module, or new URL('./pipeline.js', import.meta.url).",
      );
    }
    validateMaxWorkers('ParallelRunner', options.maxWorkers);
    const list = Array.isArray(options.module) ? options.module : [options.module];
    this.modules = list.map((module) => toModuleUrl(module, 'ParallelRunner'));
    this.maxWorkers = options.maxWorkers ?? availableParallelism();
    this.#execArgv = options.execArgv;
    this.#resourceLimits = options.resourceLimits;
    const typescript = options.typescript;
    if (typescript !== undefined && typescript !== 'auto' && typescript !== 'tsx' && typescript !== false) {
      throw new RunnerConfigError(
        'ERR_RUNNER_OPTIONS',
        `ParallelRunner: typescript must be 'auto', 'tsx' or false, got ${JSON.stringify(typescript)}.`,
      );
    }
    if (typescript === 'tsx') {
      try {
        typescriptExecArgv('tsx');
      } catch (cause) {
        throw new RunnerConfigError('ERR_RUNNER_OPTIONS', `ParallelRunner: ${(cause as Error).message}.`, {
          cause,
        });
      }
    }
    this.#typescript = typescript;
  }

  /** Shuts the worker pool down (waits for running tasks). Later runs start a new pool. */
  async close(): Promise<void> {
    const executor = this.#executor;
    this.#executor = undefined;
    await executor?.shutdown({ wait: true });
  }

  /** Same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  protected async _prepare({ pipeline, options }: RunSetup): Promise<Execution> {
    const refs = await resolveNodeFunctions(pipeline.nodes, this.modules, {
      runner: 'ParallelRunner',
      worker: 'a worker thread',
      boundary: 'a thread boundary',
    });
    this.#executor ??= new WorkerThreadExecutor({
      maxWorkers: this.maxWorkers,
      ...(this.#execArgv === undefined ? {} : { execArgv: this.#execArgv }),
      ...(this.#resourceLimits === undefined ? {} : { resourceLimits: this.#resourceLimits }),
      ...(this.#typescript === undefined ? {} : { typescript: this.#typescript }),
    });
    const executor = this.#executor;
    const abort = new AbortController();
    // The node's context is what travels: with propagateContext false it started empty and holds
    // only what the node's hooks bound, exactly as on the other runners.
    const submitOptions = {
      propagateContext: true,
      signal: abort.signal,
      ...(options.contextFilter === undefined ? {} : { contextFilter: options.contextFilter }),
    };
    return {
      slots: Math.min(this.maxWorkers, requiredWorkers(pipeline)),
      // Called inside the node's context: the executor captures it (beforeNodeRun's values too).
      invoke: (node, args) => {
        const ref = refs.get(node) as NodeFunctionRef;
        if (node.streaming) {
          return executor.submitWith(
            submitOptions,
            parallelTasks.collectChunks,
            ref.moduleUrl,
            ref.exportName,
            args,
          );
        }
        const task = taskRef(ref.moduleUrl, ref.exportName) as TaskRef<unknown[], unknown>;
        return executor.submitWith(submitOptions, task, ...args);
      },
      close: async (abandon) => {
        if (abandon) abort.abort(new RunAbandonedError('the pipeline run was cancelled'));
      },
    };
  }
}
