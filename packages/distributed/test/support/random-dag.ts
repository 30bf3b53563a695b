/**
 * Test support: random DAGs of the fixture's `mix` nodes (fan-out, fan-in, two-output nodes,
 * sync and async), declared in shuffled order, with their inputs; the same seed gives the same DAG.
 */
import { type Node, node, type Pipeline, pipeline } from '@weft/runner';
import { mix, mixAsync, mixTwo } from '../fixtures/nodes.js';

/** mulberry32: a small seeded PRNG. */
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

/** Options of {@link randomDag}. */
export interface RandomDagOptions {
  /** Number of nodes. Default: 4 to 15, from the seed. */
  readonly size?: number;
  /** Node functions by kind (default the fixture's `mix`, `mixAsync`, `mixTwo`). */
  readonly fns?: { readonly one: readonly Node['fn'][]; readonly two: Node['fn'] };
  /** Each node reads its inputs among the last this many datasets (default all: a wide DAG). */
  readonly window?: number;
  /** Extra node options (a namespace, a cost). */
  readonly options?: (index: number) => Parameters<typeof node>[3];
}

/** A random DAG of mix nodes, and its inputs. */
export function randomDag(
  seed: number,
  options: RandomDagOptions = {},
): { pipeline: Pipeline; inputs: Record<string, number> } {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const one = options.fns?.one ?? [mix, mixAsync];
  const two = options.fns?.two ?? mixTwo;
  const inputs: Record<string, number> = {};
  const available: string[] = [];
  for (let i = 0; i <= int(3); i++) {
    inputs[`in_${i}`] = int(1000);
    available.push(`in_${i}`);
  }
  const nodes: Node[] = [];
  const size = options.size ?? 4 + int(12);
  const window = options.window ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < size; i++) {
    const chosen = new Set<string>();
    const from = Math.max(0, available.length - window);
    for (let k = 1 + int(3); k > 0; k--) chosen.add(available[from + int(available.length - from)] as string);
    const param = `params:seed_${i}`;
    inputs[param] = i + seed;
    const extra = options.options?.(i) ?? {};
    if (int(3) === 2) {
      const outs = [`d${i}_a`, `d${i}_b`];
      nodes.push(node(two, [param, ...chosen], outs, { name: `n${i}`, ...extra }));
      available.push(...outs);
    } else {
      nodes.push(
        node(one[int(one.length)] as Node['fn'], [param, ...chosen], `d${i}`, { name: `n${i}`, ...extra }),
      );
      available.push(`d${i}`);
    }
  }
  for (let i = nodes.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [nodes[i], nodes[j]] = [nodes[j] as Node, nodes[i] as Node];
  }
  return { pipeline: pipeline(nodes), inputs };
}
