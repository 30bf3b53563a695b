/**
 * One node's task: load inputs (with dataset hooks), `beforeNodeRun`, the function (invoked
 * inline, concurrently or in a worker thread, depending on the runner), `afterNodeRun` or
 * `onNodeError`, save outputs (with dataset hooks, chunk by chunk for generators), confirm.
 *
 * @module
 */
import type { DataCatalog } from './data-catalog.js';
import type { HookManager, NodeErrorPhase } from './hooks.js';
import { isThenable } from './hooks.js';
import type { Node } from './node.js';
import { typeName } from './node.js';

/** How a runner calls a node's function with its arguments. May return a promise. */
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
}

/** Runs the whole task of `node`; resolves when its outputs are saved and datasets confirmed. */
export async function runNodeTask(node: Node, env: TaskEnv): Promise<void> {
  const { catalog, hooks, runId } = env;
  const inputs: Record<string, unknown> = {};
  let phase: NodeErrorPhase = 'load';
  try {
    for (const name of node.inputs) {
      if (Object.hasOwn(inputs, name)) continue;
      if (env.datasetHooks) {
        const h = hooks.call('beforeDatasetLoaded', { runId, node, catalog, datasetName: name });
        if (h !== undefined) await h;
      }
      let data = catalog._loadNow(name);
      if (isThenable(data)) data = await data;
      if (env.datasetHooks) {
        const h = hooks.call('afterDatasetLoaded', { runId, node, catalog, datasetName: name, data });
        if (h !== undefined) await h;
      }
      inputs[name] = data;
    }
    let callInputs = inputs;
    if (hooks.has('beforeNodeRun')) {
      phase = 'beforeNodeRun';
      const results = await hooks.collect('beforeNodeRun', { runId, node, catalog, inputs: { ...inputs } });
      callInputs = applyOverrides(node, inputs, results);
    }
    phase = 'run';
    const result = env.invoke(node, node._args(callInputs));
    if (node.streaming) {
      await streamOutputs(node, env, callInputs, result, (p) => {
        phase = p;
      });
    } else {
      const pairs = node._mapOutputs(isThenable(result) ? await result : result);
      if (hooks.has('afterNodeRun')) {
        const outputs: Record<string, unknown> = {};
        for (const [name, data] of pairs) outputs[name] = data;
        const h = hooks.call('afterNodeRun', { runId, node, catalog, inputs: callInputs, outputs });
        if (h !== undefined) await h;
      }
      phase = 'save';
      for (const [name, data] of pairs) await saveOne(node, env, name, data);
    }
    if (node.confirms.length > 0) {
      phase = 'confirm';
      for (const name of node.confirms) await catalog.confirm(name);
    }
  } catch (error) {
    if (hooks.has('onNodeError')) {
      await hooks.call('onNodeError', { runId, node, catalog, inputs, error, phase });
    }
    throw error;
  }
}

async function saveOne(node: Node, env: TaskEnv, name: string, data: unknown): Promise<void> {
  const { catalog, hooks, runId } = env;
  if (env.datasetHooks) {
    const h = hooks.call('beforeDatasetSaved', { runId, node, catalog, datasetName: name, data });
    if (h !== undefined) await h;
  }
  const saved = catalog._saveNow(name, data);
  if (saved !== undefined) await saved;
  if (env.datasetHooks) {
    const h = hooks.call('afterDatasetSaved', { runId, node, catalog, datasetName: name, data });
    if (h !== undefined) await h;
  }
  env.onSaved(name, data);
}

async function streamOutputs(
  node: Node,
  env: TaskEnv,
  inputs: Record<string, unknown>,
  result: unknown,
  setPhase: (p: NodeErrorPhase) => void,
): Promise<void> {
  const iterable = (isThenable(result) ? await result : result) as AsyncIterable<unknown> | Iterable<unknown>;
  const last: Record<string, unknown> = {};
  let chunks = 0;
  const iterator =
    Symbol.asyncIterator in (iterable as object)
      ? (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (iterable as Iterable<unknown>)[Symbol.iterator]();
  for (;;) {
    setPhase('run');
    const step = await iterator.next();
    if (step.done) break;
    chunks++;
    const pairs = node._mapOutputs(step.value);
    setPhase('save');
    for (const [name, data] of pairs) {
      await saveOne(node, env, name, data);
      last[name] = data;
    }
  }
  setPhase('run');
  if (env.hooks.has('afterNodeRun')) {
    await env.hooks.call('afterNodeRun', {
      runId: env.runId,
      node,
      catalog: env.catalog,
      inputs,
      outputs: last,
      chunks,
    });
  }
}

function applyOverrides(
  node: Node,
  inputs: Record<string, unknown>,
  results: readonly unknown[],
): Record<string, unknown> {
  let merged: Record<string, unknown> | undefined;
  for (const r of results) {
    if (r === undefined) continue;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      throw new TypeError(
        `'beforeNodeRun' must return either undefined or an object mapping dataset names to updated values, got '${typeName(r)}' instead.`,
      );
    }
    for (const key of Object.keys(r)) {
      if (!node.inputs.includes(key)) {
        throw new TypeError(
          `'beforeNodeRun' returned an override for '${key}', which is not an input of node '${node.name}' (inputs: ${node.inputs.join(', ') || 'none'}).`,
        );
      }
    }
    merged ??= { ...inputs };
    Object.assign(merged, r);
  }
  return merged ?? inputs;
}
