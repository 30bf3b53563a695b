/**
 * One node's task: load inputs (with dataset hooks), `beforeNodeRun`, the function (invoked
 * inline, concurrently or in a worker thread, depending on the runner), `afterNodeRun` or
 * `onNodeError`, save outputs (with dataset hooks, chunk by chunk for generators), confirm.
 *
 * Written for a low cost per node: values travel in an array aligned with `node.inputs`, objects
 * for hooks are built only when a hook wants them, and nothing is awaited that is not a promise.
 *
 * @module
 */
import type { DataCatalog } from './data-catalog.js';
import { RunnerConfigError } from './errors.js';
import type { HookManager, NodeErrorPhase } from './hooks.js';
import { setOwn } from './names.js';
import type { Node } from './node.js';
import { isThenable, typeName } from './values.js';

/**
 * How a runner calls a node's function with its arguments. May return a promise.
 *
 * @since 0.1.0
 * @experimental
 */
export type InvokeNode = (node: Node, args: unknown[]) => unknown;

/** What a node task needs from its run. */
export interface TaskEnv {
  readonly catalog: DataCatalog;
  readonly hooks: HookManager;
  readonly runId: string;
  readonly invoke: InvokeNode;
  /** Called for every saved output with its data (the runner keeps free outputs). */
  readonly onSaved: (dataset: string, data: unknown) => void;
  /** Dataset hooks present (skip building hook arguments when not). */
  readonly datasetHooks: boolean;
  /**
   * A value to use for an input instead of loading it (see `Execution.deferInput`); `undefined`
   * loads it.
   */
  readonly deferInput?: ((node: Node, dataset: string) => unknown) | undefined;
  /** The task retries a throwing function (`node.retries`); false when the runner does it itself. */
  readonly retry: boolean;
}

const LOAD = 0;
const BEFORE_NODE_RUN = 1;
const INVOKE = 2;
const AFTER_NODE_RUN = 3;
const SAVE = 4;
const CONFIRM = 5;
const DONE = 6;

/**
 * Runs the whole task of `node`. Returns `undefined` when every step was synchronous (memory
 * datasets, a sync function, no async hooks), else a promise of the rest; throws or rejects with
 * the node's error after `onNodeError` ran.
 */
export function runNodeTask(node: Node, env: TaskEnv): void | Promise<void> {
  const task = new NodeTask(node, env);
  let pending: void | Promise<void>;
  try {
    pending = task.resume();
  } catch (error) {
    return task.fail(error);
  }
  if (pending === undefined) return undefined;
  return pending.then(undefined, (error: unknown) => task.fail(error));
}

/** The state of one node's task: a small state machine that goes asynchronous only when it must. */
class NodeTask {
  stage = LOAD;
  index = 0;
  phase: NodeErrorPhase = 'load';
  values: unknown[];
  result: unknown;
  pairs: [string, unknown][] | undefined;

  constructor(
    readonly node: Node,
    readonly env: TaskEnv,
  ) {
    this.values = new Array(node.inputs.length);
  }

  /** Continues from the current stage; a promise as soon as one step is asynchronous. */
  resume(): void | Promise<void> {
    const { node, env } = this;
    const { catalog, hooks } = env;
    for (;;) {
      switch (this.stage) {
        case LOAD: {
          const names = node.inputs;
          while (this.index < names.length) {
            const i = this.index;
            const name = names[i] as string;
            const first = names.indexOf(name);
            const deferred =
              first < i || env.deferInput === undefined ? undefined : env.deferInput(node, name);
            if (first < i) {
              this.values[i] = this.values[first];
            } else if (deferred !== undefined) {
              // Produced where the function runs (the same job of a remote runner): not loaded here.
              this.values[i] = deferred;
            } else if (env.datasetHooks) {
              const loaded = loadWithHooks(this, i, name);
              if (loaded !== undefined) return loaded.then(() => this.#next());
            } else {
              const data = catalog._loadNow(name);
              if (isThenable(data)) {
                return (data as Promise<unknown>).then((loaded) => {
                  this.values[i] = loaded;
                  return this.#next();
                });
              }
              this.values[i] = data;
            }
            this.index = i + 1;
          }
          this.stage = BEFORE_NODE_RUN;
          break;
        }
        case BEFORE_NODE_RUN: {
          this.stage = INVOKE;
          if (hooks.has('beforeNodeRun')) {
            this.phase = 'beforeNodeRun';
            const args = {
              runId: env.runId,
              node,
              catalog,
              inputs: inputsObject(node, this.values, this.values.length),
            };
            const results = hooks.collect('beforeNodeRun', args);
            if (isThenable(results)) {
              return (results as Promise<unknown[]>).then((awaited) => {
                this.values = applyOverrides(node, this.values, awaited);
                return this.resume();
              });
            }
            this.values = applyOverrides(node, this.values, results as unknown[]);
          }
          break;
        }
        case INVOKE: {
          this.phase = 'run';
          const args = node._argsFromValues(this.values);
          const result =
            node.retries > 0 && env.retry && !node.streaming
              ? invokeWithRetries(env, node, args)
              : env.invoke(node, args);
          if (node.streaming) {
            this.stage = CONFIRM;
            return streamOutputs(this, result).then(() => this.resume());
          }
          this.stage = AFTER_NODE_RUN;
          if (isThenable(result)) {
            return (result as Promise<unknown>).then((value) => {
              this.result = value;
              return this.resume();
            });
          }
          this.result = result;
          break;
        }
        case AFTER_NODE_RUN: {
          const out = node._out;
          this.pairs = out.kind === 'single' ? undefined : node._mapOutputs(this.result);
          this.stage = SAVE;
          this.index = 0;
          if (hooks.has('afterNodeRun')) {
            const pairs = this.pairs ?? [[(out as { name: string }).name, this.result]];
            const after = afterNodeRun(this, pairs);
            if (after !== undefined) return after.then(() => this.resume());
          }
          break;
        }
        case SAVE: {
          this.phase = 'save';
          const pairs = this.pairs;
          const count = pairs === undefined ? 1 : pairs.length;
          while (this.index < count) {
            const i = this.index++;
            const name =
              pairs === undefined ? (node._out as { name: string }).name : (pairs[i] as [string, unknown])[0];
            const data = pairs === undefined ? this.result : (pairs[i] as [string, unknown])[1];
            const saved = saveOne(node, env, name, data);
            if (saved !== undefined) return saved.then(() => this.resume());
          }
          this.stage = CONFIRM;
          break;
        }
        case CONFIRM: {
          this.stage = DONE;
          if (node.confirms.length > 0) {
            this.phase = 'confirm';
            return confirmAll(catalog, node.confirms);
          }
          break;
        }
        default:
          return undefined;
      }
    }
  }

  #next(): void | Promise<void> {
    this.index++;
    return this.resume();
  }

  /** Runs `onNodeError` hooks, then rethrows (synchronously when there are none). */
  fail(error: unknown): Promise<never> {
    const { hooks } = this.env;
    if (!hooks.has('onNodeError')) return Promise.reject(error);
    const loaded = this.stage === LOAD ? this.index : this.values.length;
    return Promise.resolve(
      hooks.call('onNodeError', {
        runId: this.env.runId,
        node: this.node,
        catalog: this.env.catalog,
        inputs: inputsObject(this.node, this.values, loaded),
        error,
        phase: this.phase,
      }),
    ).then(() => Promise.reject(error));
  }
}

/** Invokes the function, trying again (after `node.retryDelayMs`) up to `node.retries` times when it throws. */
async function invokeWithRetries(env: TaskEnv, node: Node, args: unknown[]): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await env.invoke(node, args);
    } catch (error) {
      if (attempt >= node.retries) throw error;
      if (node.retryDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, node.retryDelayMs));
    }
  }
}

/** Loads input `i` with the dataset hooks; a promise only when something was asynchronous. */
function loadWithHooks(task: NodeTask, i: number, name: string): void | Promise<void> {
  const { node, env } = task;
  const before = env.hooks.call('beforeDatasetLoaded', {
    runId: env.runId,
    node,
    catalog: env.catalog,
    datasetName: name,
  });
  if (before !== undefined) return before.then(() => loadAfterHooks(task, i, name));
  return loadAfterHooks(task, i, name);
}

function loadAfterHooks(task: NodeTask, i: number, name: string): void | Promise<void> {
  const data = task.env.catalog._loadNow(name);
  if (isThenable(data))
    return (data as Promise<unknown>).then((loaded) => afterLoaded(task, i, name, loaded));
  return afterLoaded(task, i, name, data);
}

function afterLoaded(task: NodeTask, i: number, name: string, data: unknown): void | Promise<void> {
  const { node, env } = task;
  const after = env.hooks.call('afterDatasetLoaded', {
    runId: env.runId,
    node,
    catalog: env.catalog,
    datasetName: name,
    data,
  });
  if (after !== undefined) {
    return after.then(() => {
      task.values[i] = data;
    });
  }
  task.values[i] = data;
}

async function confirmAll(catalog: DataCatalog, names: readonly string[]): Promise<void> {
  for (const name of names) await catalog.confirm(name);
}

/** Calls the `afterNodeRun` hooks; a promise only when one of them returned one. */
function afterNodeRun(task: NodeTask, pairs: [string, unknown][]): void | Promise<void> {
  const { node, env, values } = task;
  const outputs: Record<string, unknown> = {};
  for (const [name, data] of pairs) setOwn(outputs, name, data);
  return env.hooks.call('afterNodeRun', {
    runId: env.runId,
    node,
    catalog: env.catalog,
    inputs: inputsObject(node, values, values.length),
    outputs,
  });
}

/** Saves one output with its hooks; a promise only when something was asynchronous. */
function saveOne(node: Node, env: TaskEnv, name: string, data: unknown): void | Promise<void> {
  if (env.datasetHooks) return saveWithHooks(node, env, name, data);
  const saved = env.catalog._saveNow(name, data);
  if (saved !== undefined) return saved.then(() => env.onSaved(name, data));
  env.onSaved(name, data);
}

/** Saves one output with the dataset hooks; a promise only when something was asynchronous. */
function saveWithHooks(node: Node, env: TaskEnv, name: string, data: unknown): void | Promise<void> {
  const { catalog, hooks, runId } = env;
  const before = hooks.call('beforeDatasetSaved', { runId, node, catalog, datasetName: name, data });
  if (before !== undefined) return before.then(() => saveAfterHooks(node, env, name, data));
  return saveAfterHooks(node, env, name, data);
}

function saveAfterHooks(node: Node, env: TaskEnv, name: string, data: unknown): void | Promise<void> {
  const saved = env.catalog._saveNow(name, data);
  if (saved !== undefined) return saved.then(() => afterSaved(node, env, name, data));
  return afterSaved(node, env, name, data);
}

function afterSaved(node: Node, env: TaskEnv, name: string, data: unknown): void | Promise<void> {
  const { catalog, hooks, runId } = env;
  const after = hooks.call('afterDatasetSaved', { runId, node, catalog, datasetName: name, data });
  if (after !== undefined) return after.then(() => env.onSaved(name, data));
  env.onSaved(name, data);
}

async function streamOutputs(task: NodeTask, result: unknown): Promise<void> {
  const { node, env, values } = task;
  const progress = task;
  const iterable = (isThenable(result) ? await result : result) as AsyncIterable<unknown> | Iterable<unknown>;
  const last: Record<string, unknown> = {};
  let chunks = 0;
  const iterator =
    Symbol.asyncIterator in (iterable as object)
      ? (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (iterable as Iterable<unknown>)[Symbol.iterator]();
  for (;;) {
    progress.phase = 'run';
    const step = await iterator.next();
    if (step.done) break;
    chunks++;
    const pairs = node._mapOutputs(step.value);
    progress.phase = 'save';
    for (const [name, data] of pairs) {
      const saved = saveOne(node, env, name, data);
      if (saved !== undefined) await saved;
      setOwn(last, name, data);
    }
  }
  progress.phase = 'run';
  if (env.hooks.has('afterNodeRun')) {
    await env.hooks.call('afterNodeRun', {
      runId: env.runId,
      node,
      catalog: env.catalog,
      inputs: inputsObject(node, values, values.length),
      outputs: last,
      chunks,
    });
  }
}

/** Dataset name → value for the first `count` inputs (what hooks receive). */
function inputsObject(node: Node, values: readonly unknown[], count: number): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) setOwn(inputs, node.inputs[i] as string, values[i]);
  return inputs;
}

function applyOverrides(node: Node, values: unknown[], results: readonly unknown[]): unknown[] {
  let merged: unknown[] | undefined;
  for (const r of results) {
    if (r === undefined) continue;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      throw new RunnerConfigError(
        'ERR_RUNNER_HOOKS',
        `'beforeNodeRun' must return either undefined or an object mapping dataset names to updated values, got '${typeName(r)}' instead.`,
      );
    }
    for (const key of Object.keys(r)) {
      if (!node.inputs.includes(key)) {
        throw new RunnerConfigError(
          'ERR_RUNNER_HOOKS',
          `'beforeNodeRun' returned an override for '${key}', which is not an input of node '${node.name}' (inputs: ${node.inputs.join(', ') || 'none'}).`,
        );
      }
    }
    merged ??= values.slice();
    node.inputs.forEach((name, i) => {
      if (Object.hasOwn(r, name)) (merged as unknown[])[i] = (r as Record<string, unknown>)[name];
    });
  }
  return merged ?? values;
}
