/**
 * Random DAGs from a seeded PRNG, whose free outputs are computed directly (not by a runner).
 *
 * @module
 */
import { type Node, type NodeFunction, type NodeOptions, node } from '../node.js';
import { type Pipeline, pipeline } from '../pipeline.js';
import { mix, mixAsync, mixTwo } from './conformance-nodes.js';

/**
 * mulberry32: a small seeded PRNG, uniform in [0, 1). The same seed gives the same sequence.
 *
 * @experimental
 * @since 0.1.0
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Options of {@link randomDag}.
 *
 * @experimental
 * @since 0.1.0
 */
export interface RandomDagOptions {
  /** Number of nodes. Default: 5 to 40, from the seed. */
  readonly size?: number;
  /**
   * The node functions: `one` (one output, picked at random per node) and `two` (two outputs), with
   * the signatures of `mix`/`mixAsync` and `mixTwo`. Default this module's; give your own (the same
   * computation, exported by a module your runner's workers import) when the runner imports node
   * functions by name. `expected` is computed with `mix` and `mixTwo` whatever they are.
   */
  readonly fns?: { readonly one: readonly NodeFunction[]; readonly two: NodeFunction };
  /** Each node reads its inputs among the last this many datasets (default all: a wide DAG). */
  readonly window?: number;
  /** Extra node options per node index (a namespace, a cost). */
  readonly options?: (index: number) => NodeOptions;
}

/**
 * A random DAG, its inputs, and the free outputs it must produce.
 *
 * @experimental
 * @since 0.1.0
 */
export interface RandomDag {
  readonly pipeline: Pipeline;
  /** Free inputs and parameters: put them in a `DataCatalog`. */
  readonly inputs: Record<string, number>;
  /** The free outputs, computed directly (not by a runner). */
  readonly expected: Record<string, number>;
}

/**
 * A random DAG of `mix` nodes (fan-out, fan-in, nodes without inputs, two-output nodes, sync and
 * async), declared in shuffled order; the same seed and options give the same DAG.
 *
 * @experimental
 * @since 0.1.0
 */
export function randomDag(seed: number, options: RandomDagOptions = {}): RandomDag {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const one = options.fns?.one ?? [mix, mixAsync];
  const two = options.fns?.two ?? mixTwo;
  const inputs: Record<string, number> = {};
  const values = new Map<string, number>();
  const available: string[] = [];
  for (let i = 0; i <= int(3); i++) {
    inputs[`in_${i}`] = int(1000);
    values.set(`in_${i}`, inputs[`in_${i}`] as number);
    available.push(`in_${i}`);
  }
  const nodes: Node[] = [];
  const consumed = new Set<string>();
  const produced: string[] = [];
  const size = options.size ?? 5 + int(36);
  const window = options.window ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < size; i++) {
    const chosen = new Set<string>();
    const from = Math.max(0, available.length - window);
    for (let k = int(4); k > 0; k--) chosen.add(available[from + int(available.length - from)] as string);
    const ins = [...chosen];
    for (const x of ins) consumed.add(x);
    const param = `params:seed_${i}`;
    inputs[param] = i + seed;
    const args = ins.map((x) => values.get(x) as number);
    const extra = options.options?.(i) ?? {};
    if (int(3) === 2) {
      const outs = [`d${i}_a`, `d${i}_b`];
      const [a, b] = mixTwo(i + seed, ...args);
      values.set(outs[0] as string, a);
      values.set(outs[1] as string, b);
      nodes.push(node(two, [param, ...ins], outs, { name: `n${i}`, ...extra }));
      produced.push(...outs);
      available.push(...outs);
    } else {
      const out = `d${i}`;
      values.set(out, mix(i + seed, ...args));
      nodes.push(
        node(one[int(one.length)] as NodeFunction, [param, ...ins], out, { name: `n${i}`, ...extra }),
      );
      produced.push(out);
      available.push(out);
    }
  }
  for (let i = nodes.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [nodes[i], nodes[j]] = [nodes[j] as Node, nodes[i] as Node];
  }
  const expected: Record<string, number> = {};
  for (const d of produced) if (!consumed.has(d)) expected[d] = values.get(d) as number;
  return { pipeline: pipeline(nodes), inputs, expected };
}
