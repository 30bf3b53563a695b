/**
 * `AbstractRunner`: the scheduler shared by every runner. It starts each node as soon as its
 * parents are done (up to the runner's concurrency), in a copy of the run's context, releases
 * intermediate datasets after their last consumer, and on failure stops scheduling, lets running
 * nodes finish and rejects with the node's error. Runners differ only in how many nodes run at
 * once and how a node's task and function are executed.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { Context, copyContext } from '@weft/contextvars';
import type { DataCatalog } from './data-catalog.js';
import {
  describeError,
  MissingInputsError,
  NodeFailedError,
  type ResumeSuggestion,
  RunCancelledError,
  RunnerConfigError,
  RunTimeoutError,
  UnschedulableError,
} from './errors.js';
import { HookManager, type RunParams } from './hooks.js';
import { IntMinHeap } from './min-heap.js';
import { setOwn, setRepr } from './names.js';
import type { Node } from './node.js';
import { type InvokeNode, runNodeTask, type TaskEnv } from './node-task.js';
import { filterMissingOutputs } from './only-missing-outputs.js';
import type { Pipeline } from './pipeline.js';
import { suggestResume } from './resume.js';
import { planOf, type RunPlan } from './run-plan.js';
import type { NodeTiming, RunOptions, RunOutcome, RunReport, RunResult } from './run-types.js';

/** Per-run state a runner sees when it prepares execution. */
export interface RunSetup {
  readonly pipeline: Pipeline;
  /** The catalog given to `run()` (remote runners check or register datasets in it before the run). */
  readonly catalog: DataCatalog;
  /** The run id (`RunOptions.runId` or the generated one), as the hooks receive it. */
  readonly runId: string;
  readonly options: RunOptions;
  readonly propagateContext: boolean;
}

/** How a runner executes node tasks during one run (see {@link AbstractRunner._prepare}). */
export interface Execution {
  /** At most this many node tasks in flight. */
  readonly slots: number;
  /** Calls a node's function (inline, or in a worker). Runs inside the node's context. */
  readonly invoke: InvokeNode;
  /**
   * Starts `task(node)` (the node's whole task) inside `ctx`, the node's context, and returns its
   * completion. Default: `ctx.run(task, node)`.
   */
  readonly start?: (ctx: Context, task: NodeTaskFn, node: Node) => PromiseLike<void> | void;
  /**
   * Called once before the first node starts, with the pipeline that actually runs (after
   * `onlyMissingOutputs` left out the nodes whose outputs exist).
   */
  readonly begin?: (pipeline: Pipeline) => void | Promise<void>;
  /**
   * A value to hand to `node`'s task for input `dataset` instead of loading it from the catalog
   * (no dataset hooks run for it), or `undefined` to load it as usual. For runners that run
   * several nodes in one remote call, where an input is produced on the other side.
   */
  readonly deferInput?: (node: Node, dataset: string) => unknown;
  /**
   * True when `invoke` itself tries a node again as `node.retries` asks (a job queue's retries);
   * otherwise the node's task does.
   */
  readonly retriesNodes?: boolean;
  /**
   * Releases resources; `abandon` is true when the run was cancelled with nodes still running,
   * `failed` when the run did not complete (a node failed, or it was cancelled or timed out).
   */
  readonly close?: (abandon: boolean, failed: boolean) => Promise<void>;
}

/** A node's whole task; `undefined` when it completed synchronously. */
export type NodeTaskFn = (node: Node) => void | Promise<void>;

/** Calls the node function with its arguments on the current thread. */
export const invokeInline: InvokeNode = (node, args) => node.fn(...args);

/**
 * Base class of the runners. Subclasses implement {@link AbstractRunner._prepare} to say how many
 * nodes run at once and how a node is executed.
 */
export abstract class AbstractRunner {
  /**
   * Runs `pipeline` against `catalog` and resolves to the free outputs' data.
   *
   * @throws {MissingInputsError} when a free input is not in the catalog.
   * @throws {NodeFailedError} when a node fails (names it; `cause` is the original error).
   * @throws {RunCancelledError} / {RunTimeoutError} when cancelled or timed out.
   */
  async run(pipeline: Pipeline, catalog: DataCatalog, options: RunOptions = {}): Promise<RunResult> {
    return (await this.runWithReport(pipeline, catalog, options)).outputs;
  }

  /** Like {@link run}, and also returns the run's report (per-run and per-node timings). */
  runWithReport(pipeline: Pipeline, catalog: DataCatalog, options: RunOptions = {}): Promise<RunOutcome> {
    // The caller's context, snapshotted now; the pipeline hooks run (and may set values) in it.
    const runCtx = copyContext();
    return runCtx.run(() => this.#run(runCtx, pipeline, catalog, options));
  }

  /** Prepares execution for one run (validate nodes, create executors). Called before any hook. */
  protected abstract _prepare(setup: RunSetup): Promise<Execution> | Execution;

  async #run(
    runCtx: Context,
    pipeline: Pipeline,
    catalog: DataCatalog,
    options: RunOptions,
  ): Promise<RunOutcome> {
    const t0 = performance.now();
    const runId = options.runId ?? randomUUID();
    const hooks = new HookManager(options.hooks);
    const propagateContext = options.propagateContext !== false;
    if (options.timeoutMs !== undefined && !(options.timeoutMs >= 0)) {
      throw new RunnerConfigError(
        'ERR_RUNNER_OPTIONS',
        `'timeoutMs' must be a non-negative number, got ${options.timeoutMs}.`,
      );
    }
    const runner = this.constructor.name;
    const runParams: RunParams = {
      runId,
      runner,
      onlyMissingOutputs: options.onlyMissingOutputs === true,
      propagateContext,
    };
    const execution = await this._prepare({ pipeline, catalog, runId, options, propagateContext });
    const base = { runId, runParams, pipeline, catalog };
    let skipped: string[] = [];
    let sched: Scheduler | undefined;
    const report = (status: RunReport['status']): RunReport => {
      const source = sched;
      let nodes: NodeTiming[] | undefined;
      return {
        runId,
        runner,
        status,
        durationMs: performance.now() - t0,
        totalNodes: pipeline.nodes.length,
        completedNodes: source?.completed ?? 0,
        skippedNodes: skipped,
        // Built on first read: a run does not allocate one object per node for its report.
        get nodes(): NodeTiming[] {
          nodes ??= source?.timings() ?? [];
          return nodes;
        },
      };
    };
    let closed = false;
    try {
      await hooks.call('beforePipelineRun', base);
      let toRun = pipeline;
      if (options.onlyMissingOutputs) {
        const filtered = await filterMissingOutputs(pipeline, catalog, options.logger);
        toRun = filtered.pipeline;
        skipped = filtered.skipped;
      }
      warmUp(toRun, catalog);
      await execution.begin?.(toRun);
      const outputs: RunResult = {};
      const current = new Scheduler(
        toRun,
        catalog,
        hooks,
        runId,
        runCtx,
        propagateContext,
        execution,
        options,
        t0,
        outputs,
      );
      sched = current;
      let failed = true;
      try {
        await current.done;
        failed = false;
      } finally {
        closed = true;
        await execution.close?.(current.abandoned, failed);
      }
      const finalReport = report('completed');
      options.logger?.info(
        `Pipeline execution completed successfully in ${(finalReport.durationMs / 1000).toFixed(1)} sec.`,
      );
      await hooks.call('afterPipelineRun', { ...base, runResult: outputs, report: finalReport });
      return { outputs, report: finalReport };
    } catch (error) {
      if (!closed) await execution.close?.(false, true);
      const status = RunCancelledError.is(error) ? 'cancelled' : 'failed';
      if (NodeFailedError.is(error) || RunCancelledError.is(error)) {
        options.logger?.warn(error.resume.message);
      }
      await hooks.call('onPipelineError', { ...base, error, report: report(status) });
      throw error;
    }
  }
}

/** Materialises every dataset the pipeline uses, then checks the free inputs (Kedro's warm-up). */
function warmUp(pipeline: Pipeline, catalog: DataCatalog): void {
  const plan = planOf(pipeline);
  const missing: string[] = [];
  for (let id = 0; id < plan.names.length; id++) {
    const name = plan.names[id] as string;
    if (plan.freeInput[id] === 1 && !catalog.has(name)) missing.push(name);
    catalog.get(name, { fallbackToRuntimePattern: true });
  }
  if (missing.length > 0) {
    missing.sort();
    const why = missing
      .map((name) => {
        const reason = catalog.describeMissingParameter(name);
        return reason === undefined ? '' : `\n  '${name}': ${reason}`;
      })
      .join('');
    throw new MissingInputsError(
      `Pipeline input(s) ${setRepr(missing)} not found in the ${catalog.constructor.name}${why}`,
      { missing },
    );
  }
}

/** One run's scheduling state, on the pipeline's cached {@link RunPlan}. `done` settles when the run is over. */
class Scheduler {
  readonly done: Promise<void>;
  completed = 0;
  abandoned = false;
  readonly #plan: RunPlan;
  readonly #pending: Int32Array;
  readonly #loadCounts: Int32Array;
  /** 0 waiting, 1 running, 2 done, 3 failed. */
  readonly #status: Uint8Array;
  #inFlight = 0;
  #recorded = 0;
  readonly #timingIndex: Int32Array;
  readonly #timingStart: Float64Array;
  readonly #timingDuration: Float64Array;
  readonly #timingOk: Uint8Array;
  readonly #ready: IntMinHeap;
  readonly #failures: { index: number; error: unknown }[] = [];
  readonly #task: NodeTaskFn;
  readonly #start: (ctx: Context, task: NodeTaskFn, node: Node) => PromiseLike<void> | void;
  #pumping = false;
  /** `performance.now()` after which the run has timed out (`Infinity` without `timeoutMs`). */
  #deadline = Number.POSITIVE_INFINITY;
  readonly #slots: number;
  #stopping = false;
  #settled = false;
  #resolve!: () => void;
  #reject!: (e: unknown) => void;
  #cleanup: (() => void) | undefined;

  constructor(
    readonly pipeline: Pipeline,
    readonly catalog: DataCatalog,
    hooks: HookManager,
    runId: string,
    readonly runCtx: Context,
    readonly propagate: boolean,
    execution: Execution,
    readonly options: RunOptions,
    readonly t0: number,
    outputs: RunResult,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const plan = planOf(pipeline);
    this.#plan = plan;
    const freeOutputs = pipeline.outputs();
    const env: TaskEnv = {
      catalog,
      hooks,
      runId,
      invoke: execution.invoke,
      deferInput: execution.deferInput,
      retry: execution.retriesNodes !== true,
      datasetHooks:
        hooks.has('beforeDatasetLoaded') ||
        hooks.has('afterDatasetLoaded') ||
        hooks.has('beforeDatasetSaved') ||
        hooks.has('afterDatasetSaved'),
      onSaved: (name, data) => {
        if (freeOutputs.has(name)) setOwn(outputs, name, data);
      },
    };
    this.#task = (node) => runNodeTask(node, env);
    this.#start = execution.start ?? ((ctx, task, node) => ctx.run(task, node));
    this.#slots = execution.slots;
    const n = plan.nodes.length;
    this.#pending = plan.parentCount.slice();
    this.#loadCounts = plan.loadCounts.slice();
    this.#status = new Uint8Array(n);
    this.#timingIndex = new Int32Array(n);
    this.#timingStart = new Float64Array(n);
    this.#timingDuration = new Float64Array(n);
    this.#timingOk = new Uint8Array(n);
    this.#ready = new IntMinHeap(Math.min(n, 1024));
    for (let i = 0; i < n; i++) if (this.#pending[i] === 0) this.#ready.push(i);
    this.#watchCancellation();
    this.#pump();
  }

  #watchCancellation(): void {
    const { signal, timeoutMs } = this.options;
    if (signal === undefined && timeoutMs === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => this.#cancel(false, signal?.reason);
    if (signal !== undefined) {
      if (signal.aborted) queueMicrotask(onAbort);
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    if (timeoutMs !== undefined) {
      this.#deadline = performance.now() + timeoutMs;
      timer = setTimeout(() => this.#cancel(true, undefined), timeoutMs);
    }
    this.#cleanup = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
  }

  #pump(): void {
    // Not re-entrant: a node that completes synchronously inside the loop pushes its children, and
    // this loop picks them up (a long chain of synchronous nodes runs without deep recursion).
    if (this.#settled || this.#pumping) return;
    this.#pumping = true;
    try {
      while (!this.#settled && !this.#stopping && this.#inFlight < this.#slots && this.#ready.size > 0) {
        this.#launch(this.#ready.pop());
      }
    } finally {
      this.#pumping = false;
    }
    if (this.#inFlight === 0 && (this.#stopping || this.#ready.size === 0)) this.#finish();
  }

  #launch(index: number): void {
    this.#inFlight++;
    this.#status[index] = 1;
    // Each node is one task in its own copy of the run's context, taken now.
    const ctx = this.propagate ? this.runCtx.copy() : new Context();
    const start = performance.now();
    let completion: PromiseLike<void> | void;
    try {
      completion = this.#start(ctx, this.#task, this.#plan.nodes[index] as Node);
    } catch (error) {
      this.#onFailed(index, start, error);
      return;
    }
    if (completion === undefined) {
      this.#settleNode(index, start, false, undefined);
      return;
    }
    completion.then(
      () => this.#settleNode(index, start, false, undefined),
      (error: unknown) => this.#settleNode(index, start, true, error),
    );
  }

  /**
   * Settles a node (done, or failed with `failure`). An exception while handling that (a logger
   * that throws, a dataset whose release throws) fails the node and settles the run at once,
   * instead of escaping as an unhandled rejection and leaving the run pending.
   */
  #settleNode(index: number, start: number, failed: boolean, failure: unknown): void {
    try {
      if (failed) this.#onFailed(index, start, failure);
      else this.#onDone(index, start);
    } catch (error) {
      if (this.#settled) return;
      if (this.#status[index] === 1) this.#status[index] = 3;
      this.#failures.push({ index, error });
      this.#stopping = true;
      this.#finish();
    }
  }

  #onDone(index: number, start: number): void {
    if (this.#settled) return;
    this.#record(index, start, true);
    this.completed++;
    this.#status[index] = 2;
    if (this.#deadline !== Number.POSITIVE_INFINITY && performance.now() >= this.#deadline) {
      // A node that held this thread past the deadline (synchronous code cannot be interrupted):
      // the timer could not fire while it ran, so the run times out now that it returned.
      this.#inFlight--;
      this.#cancel(true, undefined, index);
      return;
    }
    let released: void | Promise<void>;
    try {
      released = this.#release(index);
    } catch (error) {
      this.#inFlight--;
      this.#fail(index, error);
      return;
    }
    if (released === undefined) this.#scheduleChildren(index);
    else {
      released.then(
        () => this.#scheduleChildren(index),
        (error: unknown) => {
          this.#inFlight--;
          if (!this.#settled) this.#fail(index, error);
        },
      );
    }
  }

  #scheduleChildren(index: number): void {
    this.#inFlight--;
    if (this.#settled) return;
    this.options.logger?.info(`Completed ${this.completed} out of ${this.#plan.nodes.length} tasks`);
    const { childStart, children } = this.#plan;
    const pending = this.#pending;
    for (let k = childStart[index] as number, end = childStart[index + 1] as number; k < end; k++) {
      const c = children[k] as number;
      if (--(pending[c] as number) === 0) this.#ready.push(c);
    }
    this.#pump();
  }

  #onFailed(index: number, start: number, error: unknown): void {
    if (this.#settled) return;
    this.#record(index, start, false);
    this.#status[index] = 3;
    this.#inFlight--;
    if (this.#deadline !== Number.POSITIVE_INFINITY && performance.now() >= this.#deadline) {
      this.#failures.push({ index, error });
      this.#cancel(true, undefined);
      return;
    }
    this.#fail(index, error);
  }

  #record(index: number, start: number, ok: boolean): void {
    const i = this.#recorded++;
    this.#timingIndex[i] = index;
    this.#timingStart[i] = start - this.t0;
    this.#timingDuration[i] = performance.now() - start;
    this.#timingOk[i] = ok ? 1 : 0;
  }

  /** Timings of the nodes that settled, in the order they settled. */
  timings(): NodeTiming[] {
    const out: NodeTiming[] = [];
    for (let i = 0; i < this.#recorded; i++) {
      out.push({
        node: (this.#plan.nodes[this.#timingIndex[i] as number] as Node).name,
        status: this.#timingOk[i] === 1 ? 'completed' : 'failed',
        startMs: this.#timingStart[i] as number,
        durationMs: this.#timingDuration[i] as number,
      });
    }
    return out;
  }

  #fail(index: number, error: unknown): void {
    this.#failures.push({ index, error });
    this.#stopping = true;
    this.#pump();
  }

  /** Releases what the node was the last to need; a promise only when a release is asynchronous. */
  #release(index: number): void | Promise<void> {
    const { inStart, inIds, outStart, outIds, names, freeInput, freeOutput } = this.#plan;
    const counts = this.#loadCounts;
    let pending: Promise<void>[] | undefined;
    for (let k = inStart[index] as number, end = inStart[index + 1] as number; k < end; k++) {
      const id = inIds[k] as number;
      const left = --(counts[id] as number);
      if (left < 1 && freeInput[id] === 0) {
        const r = this.catalog._releaseNow(names[id] as string);
        if (r !== undefined) {
          pending ??= [];
          pending.push(r);
        }
      }
    }
    for (let k = outStart[index] as number, end = outStart[index + 1] as number; k < end; k++) {
      const id = outIds[k] as number;
      if ((counts[id] as number) < 1 && freeOutput[id] === 0) {
        const r = this.catalog._releaseNow(names[id] as string);
        if (r !== undefined) {
          pending ??= [];
          pending.push(r);
        }
      }
    }
    if (pending !== undefined) return Promise.all(pending).then(() => undefined);
  }

  #nodesWith(predicate: (status: number) => boolean): Node[] {
    const out: Node[] = [];
    this.#status.forEach((st, i) => {
      if (predicate(st)) out.push(this.#plan.nodes[i] as Node);
    });
    return out;
  }

  #resume(): ResumeSuggestion {
    const unfinished = this.#nodesWith((st) => st !== 2);
    try {
      return suggestResume(this.pipeline, unfinished, this.catalog, this.completed > 0);
    } catch (error) {
      // A dataset that throws while the suggestion is worked out must not keep the run pending.
      const message = `No resume suggestion: working it out failed (${describeError(error)}).`;
      return { fromNodes: [], remaining: unfinished.length, message };
    }
  }

  #otherFailures(): { node: string; error: unknown }[] {
    return this.#failures
      .slice(1)
      .map((f) => ({ node: (this.#plan.nodes[f.index] as Node).name, error: f.error }));
  }

  #finish(): void {
    if (this.#settled) return;
    this.#settled = true;
    try {
      this.#settleRun();
    } catch (error) {
      // Never leave the run pending, whatever failed while building its outcome.
      this.#reject(error);
    }
  }

  #settleRun(): void {
    this.#cleanup?.();
    const first = this.#failures[0];
    if (first !== undefined) {
      const name = (this.#plan.nodes[first.index] as Node).name;
      this.#reject(
        new NodeFailedError(name, first.error, {
          resume: this.#resume(),
          otherFailures: this.#otherFailures(),
        }),
      );
      return;
    }
    if (this.completed !== this.#plan.nodes.length) {
      this.#reject(
        new UnschedulableError(
          `Unable to schedule new tasks although some nodes have not been run: ${setRepr(this.#nodesWith((st) => st !== 2).map((n) => n.name))}`,
        ),
      );
      return;
    }
    this.#resolve();
  }

  /** Ends the run on cancellation or timeout; `late` is the node that returned after the deadline. */
  #cancel(timedOut: boolean, reason: unknown, late?: number): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#stopping = true;
    try {
      this.#settleCancelled(timedOut, reason, late);
    } catch (error) {
      this.#reject(error);
    }
  }

  #settleCancelled(timedOut: boolean, reason: unknown, late: number | undefined): void {
    this.#cleanup?.();
    const abandonedNodes = this.#nodesWith((st) => st === 1).map((n) => n.name);
    this.abandoned = abandonedNodes.length > 0;
    const resume = this.#resume();
    const first = this.#failures[0];
    if (first !== undefined) {
      const name = (this.#plan.nodes[first.index] as Node).name;
      this.#reject(
        new NodeFailedError(name, first.error, {
          resume,
          otherFailures: this.#otherFailures(),
          abandonedNodes,
        }),
      );
      return;
    }
    let running = abandonedNodes.length > 0 ? ` Nodes still running: ${setRepr(abandonedNodes)}.` : '';
    if (late !== undefined) {
      const name = (this.#plan.nodes[late] as Node).name;
      running +=
        ` Node '${name}' returned only after the deadline: it held this thread, and code running in` +
        ' this thread cannot be interrupted (ParallelRunner can stop a node in a worker thread).';
    }
    if (timedOut) {
      this.#reject(
        new RunTimeoutError(
          `Pipeline run timed out after ${this.options.timeoutMs} ms.${running}\n${resume.message}`,
          { abandonedNodes, resume },
        ),
      );
    } else {
      this.#reject(
        new RunCancelledError(`Pipeline run was cancelled.${running}\n${resume.message}`, {
          abandonedNodes,
          resume,
          cause: reason,
        }),
      );
    }
  }
}

/** Validates a `maxWorkers` option: a positive integer (or undefined). */
export function validateMaxWorkers(runner: string, maxWorkers: number | undefined): void {
  if (maxWorkers === undefined) return;
  if (!(Number.isInteger(maxWorkers) && maxWorkers > 0)) {
    throw new RunnerConfigError(
      'ERR_RUNNER_OPTIONS',
      `${runner}: max_workers should be positive (maxWorkers: ${maxWorkers}).`,
    );
  }
}
