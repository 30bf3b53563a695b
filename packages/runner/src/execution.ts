/**
 * What a runner gives the scheduler for one run: how many nodes run at once and how a node's
 * function is called ({@link Execution}), prepared from the run's {@link RunSetup}. The seam
 * between {@link AbstractRunner} and a concrete runner.
 *
 * @module
 */
import type { Context } from '@weft/contextvars';
import type { DataCatalog } from './data-catalog.js';
import type { Node } from './node.js';
import type { InvokeNode } from './node-task.js';
import type { Pipeline } from './pipeline.js';
import type { RunOptions } from './run-types.js';

/**
 * Per-run state a runner sees when it prepares execution.
 *
 * @since 0.1.0
 * @experimental
 */
export interface RunSetup {
  readonly pipeline: Pipeline;
  /** The catalog given to `run()` (remote runners check or register datasets in it before the run). */
  readonly catalog: DataCatalog;
  /** The run id (`RunOptions.runId` or the generated one), as the hooks receive it. */
  readonly runId: string;
  readonly options: RunOptions;
  readonly propagateContext: boolean;
}

/**
 * How a runner executes node tasks during one run (see {@link AbstractRunner._prepare}).
 *
 * @since 0.1.0
 * @experimental
 */
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

/**
 * A node's whole task; `undefined` when it completed synchronously.
 *
 * @since 0.1.0
 * @experimental
 */
export type NodeTaskFn = (node: Node) => void | Promise<void>;

/**
 * Calls the node function with its arguments on the current thread.
 *
 * @since 0.1.0
 * @experimental
 */
export const invokeInline: InvokeNode = (node, args) => node.fn(...args);
