/**
 * A pipeline's scheduling plan, computed once per pipeline and reused by every run: the graph as
 * integer arrays (parents per node, children, dataset ids read and written, consumer counts), so a
 * run allocates a few typed arrays instead of objects per node.
 *
 * @module
 */
import type { Node } from './node.js';
import type { Pipeline } from './pipeline.js';

/** The integer form of a pipeline's graph (CSR adjacency: `xStart[i]..xStart[i+1]` slices `x`). */
export interface RunPlan {
  /** Nodes in topological order; node i is `nodes[i]`. */
  readonly nodes: readonly Node[];
  readonly parentCount: Int32Array;
  readonly childStart: Int32Array;
  readonly children: Int32Array;
  /** Dataset ids a node reads, one per consumption (a dataset read twice appears twice). */
  readonly inStart: Int32Array;
  readonly inIds: Int32Array;
  readonly outStart: Int32Array;
  readonly outIds: Int32Array;
  /** Dataset id → name. */
  readonly names: readonly string[];
  /** Dataset id → number of consumptions. */
  readonly loadCounts: Int32Array;
  /** Dataset id → 1 when it is a free input (never released). */
  readonly freeInput: Uint8Array;
  /** Dataset id → 1 when it is a free output (never released; returned by `run()`). */
  readonly freeOutput: Uint8Array;
}

const plans = new WeakMap<Pipeline, RunPlan>();

/** The plan of `pipeline` (cached: pipelines are immutable). */
export function planOf(pipeline: Pipeline): RunPlan {
  let plan = plans.get(pipeline);
  if (plan === undefined) {
    plan = buildPlan(pipeline);
    plans.set(pipeline, plan);
  }
  return plan;
}

function buildPlan(pipeline: Pipeline): RunPlan {
  const nodes = pipeline.nodes;
  const n = nodes.length;
  const index = new Map<Node, number>();
  nodes.forEach((node, i) => {
    index.set(node, i);
  });
  const ids = new Map<string, number>();
  const names: string[] = [];
  const idOf = (name: string): number => {
    let id = ids.get(name);
    if (id === undefined) {
      id = names.length;
      ids.set(name, id);
      names.push(name);
    }
    return id;
  };
  const parentCount = new Int32Array(n);
  const childStart = new Int32Array(n + 1);
  const inStart = new Int32Array(n + 1);
  const outStart = new Int32Array(n + 1);
  const children: number[] = [];
  const inIds: number[] = [];
  const outIds: number[] = [];
  for (let i = 0; i < n; i++) {
    const node = nodes[i] as Node;
    parentCount[i] = (pipeline._parents.get(node) as readonly Node[]).length;
    childStart[i] = children.length;
    for (const c of pipeline._children.get(node) as readonly Node[]) children.push(index.get(c) as number);
    inStart[i] = inIds.length;
    for (const name of node.inputs) inIds.push(idOf(name));
    outStart[i] = outIds.length;
    for (const name of node.outputs) outIds.push(idOf(name));
  }
  childStart[n] = children.length;
  inStart[n] = inIds.length;
  outStart[n] = outIds.length;
  const loadCounts = new Int32Array(names.length);
  for (const id of inIds) loadCounts[id] = (loadCounts[id] as number) + 1;
  const freeInput = new Uint8Array(names.length);
  const freeOutput = new Uint8Array(names.length);
  for (const name of pipeline.inputs()) freeInput[idOf(name)] = 1;
  for (const name of pipeline.outputs()) freeOutput[idOf(name)] = 1;
  return {
    nodes,
    parentCount,
    childStart,
    children: Int32Array.from(children),
    inStart,
    inIds: Int32Array.from(inIds),
    outStart,
    outIds: Int32Array.from(outIds),
    names,
    loadCounts,
    freeInput,
    freeOutput,
  };
}
