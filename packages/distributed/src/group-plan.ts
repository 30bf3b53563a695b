/**
 * Node grouping (`groupNodes`): which nodes run together as one job on one worker. A group is a
 * set of nodes keyed alike (by top-level namespace, as Kedro's `group_nodes_by('namespace')`, or by
 * a function of the node), or found by cost (`'auto'`). Checked before anything runs: a group must
 * be able to run as one job, i.e. no path may leave it and come back (through other nodes or
 * other groups), and data inside it must be handed over as the producer returned it.
 *
 * @module
 */
import type { Node, Pipeline } from '@weft/runner';
import { DistributedConfigError } from './errors.js';

/** `groupNodes: { auto: … }`: `'auto'` with its limits. */
export interface AutoGrouping {
  /** Fuse by cost. */
  readonly auto: true;
  /** The summed cost of a group stays at most this many ms. Default 200. */
  readonly maxGroupMs?: number;
  /** At most this many nodes per group. Default 100. */
  readonly maxNodes?: number;
  /**
   * Cost (ms) of a node that declares none (`costMs`) and was not measured yet. Default: unknown,
   * and a node of unknown cost runs as a job of its own.
   */
  readonly assumeCostMs?: number;
}

/**
 * How nodes are grouped into jobs:
 * - `'namespace'`: the nodes of one top-level namespace form a group (nodes without one run alone);
 * - a function of the node returning a group key (nodes with the same key form a group;
 *   `undefined`/`null` runs the node alone);
 * - `'auto'` (or {@link AutoGrouping}): a node joins the group of its parents when they are all in
 *   one group and the group stays within a cost budget; costs are declared (`node(…, { costMs })`)
 *   or measured on earlier runs (each worker reports every node's duration).
 */
export type GroupNodesOption =
  | 'namespace'
  | 'auto'
  | AutoGrouping
  | ((node: Node) => string | null | undefined);

/** The groups of a pipeline: only groups of two or more nodes are listed. */
export interface GroupPlan {
  /** Each group's nodes, in topological order. */
  readonly groups: readonly (readonly Node[])[];
  /** Node → index in {@link groups}. */
  readonly groupOf: ReadonlyMap<Node, number>;
}

/** No grouping. */
export const NO_GROUPS: GroupPlan = { groups: [], groupOf: new Map() };

const DEFAULT_MAX_GROUP_MS = 200;
const DEFAULT_MAX_NODES = 100;

function baseName(name: string): string {
  const at = name.indexOf('@');
  return at === -1 ? name : name.slice(0, at);
}

/** Checks a `groupNodes` option. */
export function checkGroupNodes(option: unknown): GroupNodesOption | undefined {
  if (option === undefined || option === false || option === null) return undefined;
  if (option === 'namespace' || option === 'auto' || typeof option === 'function') {
    return option as GroupNodesOption;
  }
  if (typeof option === 'object' && (option as { auto?: unknown }).auto === true) {
    const o = option as AutoGrouping;
    for (const key of ['maxGroupMs', 'maxNodes', 'assumeCostMs'] as const) {
      const v = o[key];
      if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) {
        throw new DistributedConfigError(
          'ERR_DISTRIBUTED_OPTIONS',
          `DistributedRunner: groupNodes.${key} must be a non-negative number, got ${JSON.stringify(v)}.`,
        );
      }
    }
    return o;
  }
  throw new DistributedConfigError(
    'ERR_DISTRIBUTED_OPTIONS',
    `DistributedRunner: 'groupNodes' must be 'namespace', 'auto', { auto: true, maxGroupMs?, maxNodes?, assumeCostMs? } or a function of the node, got ${JSON.stringify(option) ?? String(option)}.`,
  );
}

/**
 * The groups of `pipeline` under `option`. `measured` gives the cost (ms) measured on earlier runs
 * of a node, if any.
 *
 * @throws {DistributedConfigError} `ERR_GROUP_INVALID` naming the group and why it cannot run as
 * one job (a path that leaves it and comes back; a streamed or transcoded dataset inside it), or
 * `ERR_GROUP_KEY` when the function returns something else than a string.
 */
export function planGroups(
  pipeline: Pipeline,
  option: GroupNodesOption | undefined,
  measured: (node: Node) => number | undefined = () => undefined,
): GroupPlan {
  if (option === undefined) return NO_GROUPS;
  const nodes = pipeline.nodes;
  let keyed: Node[][];
  let labels: string[];
  if (option === 'auto' || typeof option === 'object') {
    keyed = autoGroups(pipeline, option === 'auto' ? { auto: true } : option, measured);
    labels = keyed.map((g) => `auto group of '${g[0]?.name}'`);
  } else {
    const byKey = new Map<string, Node[]>();
    for (const n of nodes) {
      let key: string | null | undefined;
      if (option === 'namespace') {
        key = n.namespace === undefined ? undefined : (n.namespace.split('.')[0] as string);
      } else {
        key = option(n);
        if (key !== undefined && key !== null && typeof key !== 'string') {
          throw new DistributedConfigError(
            'ERR_GROUP_KEY',
            `DistributedRunner: groupNodes returned ${JSON.stringify(key) ?? typeof key} for node '${n.name}'; it must return a group name (a string), or undefined to run the node alone.`,
          );
        }
      }
      if (key === undefined || key === null) continue;
      let list = byKey.get(key);
      if (list === undefined) {
        list = [];
        byKey.set(key, list);
      }
      list.push(n);
    }
    keyed = [];
    labels = [];
    for (const [key, list] of byKey) {
      if (list.length < 2) continue;
      keyed.push(list);
      labels.push(`group '${key}'`);
    }
  }
  const groupOf = new Map<Node, number>();
  keyed.forEach((g, i) => {
    for (const n of g) groupOf.set(n, i);
  });
  checkGroups(pipeline, keyed, labels, groupOf);
  return { groups: keyed, groupOf };
}

/** Cost-based groups: a node joins its parents' group when they are all in one and the budget allows. */
function autoGroups(
  pipeline: Pipeline,
  options: AutoGrouping,
  measured: (node: Node) => number | undefined,
): Node[][] {
  const maxMs = options.maxGroupMs ?? DEFAULT_MAX_GROUP_MS;
  const maxNodes = Math.max(1, Math.floor(options.maxNodes ?? DEFAULT_MAX_NODES));
  const costOf = (n: Node): number | undefined => n.costMs ?? measured(n) ?? options.assumeCostMs;
  const unitOf = new Map<Node, { nodes: Node[]; cost: number | undefined }>();
  const units: { nodes: Node[]; cost: number | undefined }[] = [];
  for (const n of pipeline.nodes) {
    const cost = costOf(n);
    const parents = pipeline._parents.get(n) ?? [];
    let joined = false;
    if (cost !== undefined && cost <= maxMs && parents.length > 0) {
      const unit = unitOf.get(parents[0] as Node);
      if (
        unit !== undefined &&
        unit.cost !== undefined &&
        parents.every((p) => unitOf.get(p) === unit) &&
        unit.cost + cost <= maxMs &&
        unit.nodes.length < maxNodes &&
        linkable(pipeline, n, unit.nodes)
      ) {
        unit.nodes.push(n);
        unit.cost += cost;
        unitOf.set(n, unit);
        joined = true;
      }
    }
    if (!joined) {
      const unit = { nodes: [n], cost: cost !== undefined && cost <= maxMs ? cost : undefined };
      units.push(unit);
      unitOf.set(n, unit);
    }
  }
  return units.filter((u) => u.nodes.length > 1).map((u) => u.nodes);
}

/** Whether `n` may read its inputs from `members` inside a job (no streamed or transcoded hand-over). */
function linkable(pipeline: Pipeline, n: Node, members: readonly Node[]): boolean {
  for (const input of n.inputs) {
    const producer = pipeline._producer.get(baseName(input));
    if (producer === undefined || !members.includes(producer)) continue;
    if (producer.streaming || !producer.outputs.includes(input)) return false;
  }
  return true;
}

function checkGroups(
  pipeline: Pipeline,
  groups: readonly Node[][],
  labels: readonly string[],
  groupOf: ReadonlyMap<Node, number>,
): void {
  groups.forEach((members, g) => {
    const inGroup = new Set(members);
    for (const n of members) {
      for (const input of n.inputs) {
        const producer = pipeline._producer.get(baseName(input));
        if (producer === undefined || !inGroup.has(producer)) continue;
        if (producer.streaming) {
          throw new DistributedConfigError(
            'ERR_GROUP_INVALID',
            `DistributedRunner cannot run ${labels[g]} as one job: node '${producer.name}' streams '${input}' in chunks and node '${n.name}' of the same group reads it. Streamed datasets must cross groups: leave '${producer.name}' or '${n.name}' out of the group.`,
          );
        }
        if (!producer.outputs.includes(input)) {
          throw new DistributedConfigError(
            'ERR_GROUP_INVALID',
            `DistributedRunner cannot run ${labels[g]} as one job: node '${n.name}' reads '${input}', which node '${producer.name}' of the same group writes under another transcoding. Inside a job a node gets the value its producer returned, so transcoded datasets must cross groups.`,
          );
        }
      }
    }
  });
  // Units: each group, and every other node on its own. The unit graph must be acyclic: a cycle
  // means a path that leaves a group and comes back into it.
  const nodes = pipeline.nodes;
  const unitIndex = new Map<Node, number>();
  let units = groups.length;
  for (const n of nodes) unitIndex.set(n, groupOf.get(n) ?? units++);
  const indegree = new Int32Array(units);
  const edges: Set<number>[] = Array.from({ length: units }, () => new Set<number>());
  for (const n of nodes) {
    const from = unitIndex.get(n) as number;
    for (const c of pipeline._children.get(n) ?? []) {
      const to = unitIndex.get(c) as number;
      if (to !== from && !(edges[from] as Set<number>).has(to)) {
        (edges[from] as Set<number>).add(to);
        indegree[to] = (indegree[to] as number) + 1;
      }
    }
  }
  const queue: number[] = [];
  for (let u = 0; u < units; u++) if (indegree[u] === 0) queue.push(u);
  let seen = 0;
  while (queue.length > 0) {
    const u = queue.pop() as number;
    seen++;
    for (const v of edges[u] as Set<number>) {
      indegree[v] = (indegree[v] as number) - 1;
      if (indegree[v] === 0) queue.push(v);
    }
  }
  if (seen === units) return;
  // Name a group on a cycle and the path out of it and back.
  for (let g = 0; g < groups.length; g++) {
    if (indegree[g] === 0) continue;
    const path = pathBack(pipeline, groups[g] as Node[]);
    if (path === undefined) continue;
    throw new DistributedConfigError(
      'ERR_GROUP_INVALID',
      `DistributedRunner cannot run ${labels[g]} as one job: ${path.map((n) => `'${n.name}'`).join(' → ')} leaves the group and comes back into it, so the group would wait for itself. Put the nodes in between into the group, or split it.`,
    );
  }
  throw new DistributedConfigError(
    'ERR_GROUP_INVALID',
    'DistributedRunner: groupNodes makes groups that wait for each other in a cycle; make the groups follow the pipeline order.',
  );
}

/** A path from a member of `members` through other nodes back to a member, if any. */
function pathBack(pipeline: Pipeline, members: readonly Node[]): Node[] | undefined {
  const inGroup = new Set(members);
  const previous = new Map<Node, Node>();
  const queue: Node[] = [];
  for (const m of members) {
    for (const c of pipeline._children.get(m) ?? []) {
      if (inGroup.has(c) || previous.has(c)) continue;
      previous.set(c, m);
      queue.push(c);
    }
  }
  while (queue.length > 0) {
    const n = queue.shift() as Node;
    for (const c of pipeline._children.get(n) ?? []) {
      if (inGroup.has(c)) {
        const path = [c, n];
        let p = previous.get(n);
        while (p !== undefined && !inGroup.has(p)) {
          path.push(p);
          p = previous.get(p);
        }
        if (p !== undefined) path.push(p);
        return path.reverse();
      }
      if (previous.has(c)) continue;
      previous.set(c, n);
      queue.push(c);
    }
  }
  return undefined;
}
