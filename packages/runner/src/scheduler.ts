/**
 * The event-driven scheduler of one run, on the pipeline's cached {@link RunPlan}: it starts each
 * node as soon as its parents are done (up to the execution's slots), in a copy of the run's
 * context, releases intermediate datasets after their last consumer, and on failure stops
 * scheduling, lets running nodes finish and rejects with the node's error; cancellation and
 * timeout end the run at once, naming the nodes left running.
 *
 * @module
 */
import { Context } from '@weft/contextvars';
import type { DataCatalog } from './data-catalog.js';
import {
  describeError,
  NodeFailedError,
  type ResumeSuggestion,
  RunCancelledError,
  RunTimeoutError,
  UnschedulableError,
} from './errors.js';
import type { Execution, NodeTaskFn } from './execution.js';
import type { HookManager } from './hooks.js';
import { IntMinHeap } from './min-heap.js';
import { setOwn, setRepr } from './names.js';
import type { Node } from './node.js';
import { runNodeTask, type TaskEnv } from './node-task.js';
import type { Pipeline } from './pipeline.js';
import { suggestResume } from './resume.js';
import { planOf, type RunPlan } from './run-plan.js';
import type { NodeTiming, RunOptions, RunResult } from './run-types.js';

/** What a {@link Scheduler} runs, and with what. */
export interface SchedulerOptions {
  /** The pipeline that actually runs (after `onlyMissingOutputs`). */
  readonly pipeline: Pipeline;
  readonly catalog: DataCatalog;
  readonly hooks: HookManager;
  readonly runId: string;
  /** The run's context: each node runs in a copy of it taken when the node starts. */
  readonly runCtx: Context;
  /** False: each node runs in an empty context instead. */
  readonly propagateContext: boolean;
  readonly execution: Execution;
  /** The run's options (signal, timeoutMs, logger). */
  readonly options: RunOptions;
  /** `performance.now()` when the run started; node timings are relative to it. */
  readonly t0: number;
  /** Receives the pipeline's free outputs as nodes save them. */
  readonly outputs: RunResult;
}

/** Where a node is in the run (one byte per node in {@link Scheduler}). */
const NodeStatus = {
  Waiting: 0,
  Running: 1,
  Done: 2,
  Failed: 3,
} as const;

/** One run's scheduling state, on the pipeline's cached {@link RunPlan}. `done` settles when the run is over. */
export class Scheduler {
  /** Settles when the run is over: resolves when every node completed, else rejects. */
  readonly done: Promise<void>;
  /** Nodes completed so far. */
  completed = 0;
  /** True when the run was cancelled or timed out with nodes still running. */
  abandoned = false;
  readonly #pipeline: Pipeline;
  readonly #catalog: DataCatalog;
  readonly #runCtx: Context;
  readonly #propagate: boolean;
  readonly #options: RunOptions;
  readonly #t0: number;
  readonly #plan: RunPlan;
  readonly #pending: Int32Array;
  readonly #loadCounts: Int32Array;
  /** A {@link NodeStatus} per node. */
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

  constructor(options: SchedulerOptions) {
    const { pipeline, catalog, hooks, runId, execution, outputs } = options;
    this.#pipeline = pipeline;
    this.#catalog = catalog;
    this.#runCtx = options.runCtx;
    this.#propagate = options.propagateContext;
    this.#options = options.options;
    this.#t0 = options.t0;
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
    const { signal, timeoutMs } = this.#options;
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
    this.#status[index] = NodeStatus.Running;
    // Each node is one task in its own copy of the run's context, taken now.
    const ctx = this.#propagate ? this.#runCtx.copy() : new Context();
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
      if (this.#status[index] === NodeStatus.Running) this.#status[index] = NodeStatus.Failed;
      this.#failures.push({ index, error });
      this.#stopping = true;
      this.#finish();
    }
  }

  #onDone(index: number, start: number): void {
    if (this.#settled) return;
    this.#record(index, start, true);
    this.completed++;
    this.#status[index] = NodeStatus.Done;
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
    this.#options.logger?.info(`Completed ${this.completed} out of ${this.#plan.nodes.length} tasks`);
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
    this.#status[index] = NodeStatus.Failed;
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
    this.#timingStart[i] = start - this.#t0;
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
        const r = this.#catalog._releaseNow(names[id] as string);
        if (r !== undefined) {
          pending ??= [];
          pending.push(r);
        }
      }
    }
    for (let k = outStart[index] as number, end = outStart[index + 1] as number; k < end; k++) {
      const id = outIds[k] as number;
      if ((counts[id] as number) < 1 && freeOutput[id] === 0) {
        const r = this.#catalog._releaseNow(names[id] as string);
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
    const unfinished = this.#nodesWith((st) => st !== NodeStatus.Done);
    try {
      return suggestResume(this.#pipeline, unfinished, this.#catalog, this.completed > 0);
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
          `Unable to schedule new tasks although some nodes have not been run: ${setRepr(this.#nodesWith((st) => st !== NodeStatus.Done).map((n) => n.name))}`,
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
    const abandonedNodes = this.#nodesWith((st) => st === NodeStatus.Running).map((n) => n.name);
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
          `Pipeline run timed out after ${this.#options.timeoutMs} ms.${running}\n${resume.message}`,
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
