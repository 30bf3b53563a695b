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
  MissingInputsError,
  NodeFailedError,
  type ResumeSuggestion,
  RunCancelledError,
  RunnerConfigError,
  RunnerError,
  RunTimeoutError,
} from './errors.js';
import { HookManager, type RunParams } from './hooks.js';
import { MinHeap } from './min-heap.js';
import { setRepr } from './names.js';
import type { Node } from './node.js';
import { type InvokeNode, runNodeTask, type TaskEnv } from './node-task.js';
import { filterMissingOutputs } from './only-missing-outputs.js';
import type { Pipeline } from './pipeline.js';
import { suggestResume } from './resume.js';
import type { NodeTiming, RunOptions, RunOutcome, RunReport, RunResult } from './run-types.js';

/** Per-run state a runner sees when it prepares execution. */
export interface RunSetup {
  readonly pipeline: Pipeline;
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
   * Starts a node's task inside `ctx` (the node's context) and returns its completion. Default:
   * `ctx.run(task)`.
   */
  readonly start?: (task: () => Promise<void>, ctx: Context) => PromiseLike<void>;
  /** Releases resources; `abandon` is true when the run was cancelled with nodes still running. */
  readonly close?: (abandon: boolean) => Promise<void>;
}

interface NodeState {
  readonly node: Node;
  readonly index: number;
  pending: number;
  readonly children: NodeState[];
  /** Inputs, one entry per consumption (duplicates kept: they were counted that way). */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

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
    const execution = await this._prepare({ pipeline, options, propagateContext });
    const base = { runId, runParams, pipeline, catalog };
    let skipped: string[] = [];
    const timings: NodeTiming[] = [];
    let completed = 0;
    const report = (status: RunReport['status']): RunReport => ({
      runId,
      runner,
      status,
      durationMs: performance.now() - t0,
      totalNodes: pipeline.nodes.length,
      completedNodes: completed,
      skippedNodes: skipped,
      nodes: timings,
    });
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
      const outputs: RunResult = {};
      const sched = new Scheduler(
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
      try {
        await sched.done;
      } finally {
        completed = sched.completed;
        timings.push(...sched.timings);
        closed = true;
        await execution.close?.(sched.abandoned);
      }
      const finalReport = report('completed');
      options.logger?.info(
        `Pipeline execution completed successfully in ${(finalReport.durationMs / 1000).toFixed(1)} sec.`,
      );
      await hooks.call('afterPipelineRun', { ...base, runResult: outputs, report: finalReport });
      return { outputs, report: finalReport };
    } catch (error) {
      if (!closed) await execution.close?.(false);
      const status = error instanceof RunCancelledError ? 'cancelled' : 'failed';
      if (error instanceof NodeFailedError || error instanceof RunCancelledError) {
        options.logger?.warn(error.resume.message);
      }
      await hooks.call('onPipelineError', { ...base, error, report: report(status) });
      throw error;
    }
  }
}

/** Materialises every dataset the pipeline uses, then checks the free inputs (Kedro's warm-up). */
function warmUp(pipeline: Pipeline, catalog: DataCatalog): void {
  const present = new Set<string>();
  for (const name of pipeline.datasets()) {
    if (catalog.has(name)) present.add(name);
    catalog.get(name, { fallbackToRuntimePattern: true });
  }
  const missing = [...pipeline.inputs()].filter((n) => !present.has(n));
  if (missing.length > 0) {
    throw new MissingInputsError(
      `Pipeline input(s) ${setRepr(missing.sort())} not found in the ${catalog.constructor.name}`,
      missing,
    );
  }
}

/** One run's scheduling state. `done` settles when the run is over. */
class Scheduler {
  readonly done: Promise<void>;
  completed = 0;
  abandoned = false;
  readonly timings: NodeTiming[] = [];
  readonly #states: NodeState[];
  readonly #ready = new MinHeap<NodeState>((s) => s.index);
  readonly #inFlight = new Set<NodeState>();
  readonly #finished = new Set<Node>();
  readonly #loadCounts = new Map<string, number>();
  readonly #freeInputs: ReadonlySet<string>;
  readonly #freeOutputs: ReadonlySet<string>;
  readonly #failures: { state: NodeState; error: unknown }[] = [];
  readonly #env: TaskEnv;
  readonly #start: (task: () => Promise<void>, ctx: Context) => PromiseLike<void>;
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
    readonly execution: Execution,
    readonly options: RunOptions,
    readonly t0: number,
    outputs: RunResult,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#freeInputs = pipeline.inputs();
    this.#freeOutputs = pipeline.outputs();
    const freeOutputs = this.#freeOutputs;
    this.#env = {
      catalog,
      hooks,
      runId,
      invoke: execution.invoke,
      datasetHooks:
        hooks.has('beforeDatasetLoaded') ||
        hooks.has('afterDatasetLoaded') ||
        hooks.has('beforeDatasetSaved') ||
        hooks.has('afterDatasetSaved'),
      onSaved: (name, data) => {
        if (freeOutputs.has(name)) outputs[name] = data;
      },
    };
    this.#start = execution.start ?? ((task, ctx) => ctx.run(task));
    const byNode = new Map<Node, NodeState>();
    this.#states = pipeline.nodes.map((node, index) => {
      const s: NodeState = {
        node,
        index,
        pending: (pipeline._parents.get(node) as readonly Node[]).length,
        children: [],
        inputs: node.inputs,
        outputs: node.outputs,
      };
      byNode.set(node, s);
      return s;
    });
    for (const s of this.#states) {
      for (const c of pipeline._children.get(s.node) as readonly Node[])
        s.children.push(byNode.get(c) as NodeState);
      for (const i of s.inputs) this.#loadCounts.set(i, (this.#loadCounts.get(i) ?? 0) + 1);
      if (s.pending === 0) this.#ready.push(s);
    }
    this.#watchCancellation();
    this.#pump();
  }

  #watchCancellation(): void {
    const { signal, timeoutMs } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => this.#cancel(false, signal?.reason);
    if (signal !== undefined) {
      if (signal.aborted) {
        queueMicrotask(onAbort);
      } else signal.addEventListener('abort', onAbort, { once: true });
    }
    if (timeoutMs !== undefined) timer = setTimeout(() => this.#cancel(true, undefined), timeoutMs);
    this.#cleanup = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
  }

  #pump(): void {
    if (this.#settled) return;
    while (!this.#stopping && this.#inFlight.size < this.execution.slots && this.#ready.size > 0) {
      this.#launch(this.#ready.pop() as NodeState);
    }
    if (this.#inFlight.size === 0 && (this.#stopping || this.#ready.size === 0)) this.#finish();
  }

  #launch(state: NodeState): void {
    this.#inFlight.add(state);
    // Each node is one task in its own copy of the run's context, taken now.
    const ctx = this.propagate ? this.runCtx.copy() : new Context();
    const start = performance.now();
    let completion: PromiseLike<void>;
    try {
      completion = this.#start(() => runNodeTask(state.node, this.#env), ctx);
    } catch (error) {
      completion = Promise.reject(error);
    }
    completion.then(
      () => this.#onDone(state, start),
      (error: unknown) => this.#onFailed(state, start, error),
    );
  }

  async #onDone(state: NodeState, start: number): Promise<void> {
    if (this.#settled) return;
    this.timings.push({
      node: state.node.name,
      status: 'completed',
      startMs: start - this.t0,
      durationMs: performance.now() - start,
    });
    this.completed++;
    this.#finished.add(state.node);
    try {
      await this.#release(state);
    } catch (error) {
      this.#inFlight.delete(state);
      this.#fail(state, error);
      return;
    }
    this.#inFlight.delete(state);
    if (this.#settled) return;
    this.options.logger?.info(`Completed ${this.completed} out of ${this.#states.length} tasks`);
    for (const c of state.children) if (--c.pending === 0) this.#ready.push(c);
    this.#pump();
  }

  #onFailed(state: NodeState, start: number, error: unknown): void {
    if (this.#settled) return;
    this.timings.push({
      node: state.node.name,
      status: 'failed',
      startMs: start - this.t0,
      durationMs: performance.now() - start,
    });
    this.#inFlight.delete(state);
    this.#fail(state, error);
  }

  #fail(state: NodeState, error: unknown): void {
    this.#failures.push({ state, error });
    this.#stopping = true;
    this.#pump();
  }

  async #release(state: NodeState): Promise<void> {
    const counts = this.#loadCounts;
    for (const name of state.inputs) {
      const left = (counts.get(name) as number) - 1;
      counts.set(name, left);
      if (left < 1 && !this.#freeInputs.has(name)) await this.catalog.release(name);
    }
    for (const name of state.outputs) {
      if ((counts.get(name) ?? 0) < 1 && !this.#freeOutputs.has(name)) await this.catalog.release(name);
    }
  }

  #unfinished(): Node[] {
    return this.#states.filter((s) => !this.#finished.has(s.node)).map((s) => s.node);
  }

  #resume(): ResumeSuggestion {
    return suggestResume(this.pipeline, this.#unfinished(), this.catalog, this.#finished.size > 0);
  }

  #finish(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#cleanup?.();
    const first = this.#failures[0];
    if (first !== undefined) {
      this.#reject(
        new NodeFailedError(
          first.state.node.name,
          first.error,
          this.#resume(),
          this.#failures.slice(1).map((f) => ({ node: f.state.node.name, error: f.error })),
        ),
      );
      return;
    }
    if (this.#finished.size !== this.#states.length) {
      this.#reject(
        new RunnerError(
          'ERR_UNSCHEDULABLE',
          `Unable to schedule new tasks although some nodes have not been run: ${setRepr(this.#unfinished().map((n) => n.name))}`,
        ),
      );
      return;
    }
    this.#resolve();
  }

  #cancel(timedOut: boolean, reason: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#stopping = true;
    this.#cleanup?.();
    const abandonedNodes = [...this.#inFlight].map((s) => s.node.name);
    this.abandoned = abandonedNodes.length > 0;
    const resume = this.#resume();
    const first = this.#failures[0];
    if (first !== undefined) {
      this.#reject(
        new NodeFailedError(
          first.state.node.name,
          first.error,
          resume,
          this.#failures.slice(1).map((f) => ({ node: f.state.node.name, error: f.error })),
          abandonedNodes,
        ),
      );
      return;
    }
    const running = abandonedNodes.length > 0 ? ` Nodes still running: ${setRepr(abandonedNodes)}.` : '';
    if (timedOut) {
      this.#reject(
        new RunTimeoutError(
          'ERR_RUN_TIMEOUT',
          `Pipeline run timed out after ${this.options.timeoutMs} ms.${running}\n${resume.message}`,
          abandonedNodes,
          resume,
        ),
      );
    } else {
      this.#reject(
        new RunCancelledError(
          'ERR_RUN_CANCELLED',
          `Pipeline run was cancelled.${running}\n${resume.message}`,
          abandonedNodes,
          resume,
          reason,
        ),
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
