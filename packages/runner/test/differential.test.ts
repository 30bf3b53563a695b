import { afterAll, describe, expect, it } from 'vitest';
import { DataCatalog, type Node, node, type Pipeline, pipeline, ThreadRunner } from '../src/index.js';
import { mix, mixAsync, mixTwo } from './fixtures/nodes.js';
import { closeRunners, RUNNERS } from './support/runners.js';

afterAll(closeRunners);

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RandomDag {
  pipeline: Pipeline;
  inputs: Record<string, number>;
  expected: Record<string, number>;
}

/** A random DAG of `mix` nodes, declared in shuffled order, with the free outputs computed directly. */
function randomDag(seed: number): RandomDag {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
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
  const size = 5 + int(36);
  for (let i = 0; i < size; i++) {
    const chosen = new Set<string>();
    for (let k = int(4); k > 0; k--) chosen.add(available[int(available.length)] as string);
    const ins = [...chosen];
    for (const x of ins) consumed.add(x);
    const param = `params:seed_${i}`;
    inputs[param] = i + seed;
    const args = ins.map((x) => values.get(x) as number);
    const kind = int(3);
    if (kind === 2) {
      const outs = [`d${i}_a`, `d${i}_b`];
      const [a, b] = mixTwo(i + seed, ...args);
      values.set(outs[0] as string, a);
      values.set(outs[1] as string, b);
      nodes.push(node(mixTwo, [param, ...ins], outs, { name: `n${i}` }));
      available.push(...outs);
      produced.push(...outs);
    } else {
      const out = `d${i}`;
      values.set(out, mix(i + seed, ...args));
      nodes.push(node(kind === 0 ? mix : mixAsync, [param, ...ins], out, { name: `n${i}` }));
      available.push(out);
      produced.push(out);
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

describe('differential: random DAGs give identical free outputs on every runner', () => {
  const seeds = Array.from({ length: 25 }, (_, i) => 1000 + i * 7919);

  it.each(seeds)('seed %i', async (seed) => {
    const dag = randomDag(seed);
    const results: Record<string, unknown>[] = [];
    for (const kind of RUNNERS) {
      results.push(await kind.make().run(dag.pipeline, new DataCatalog(dag.inputs)));
    }
    const maxWorkers = 1 + (seed % 5);
    results.push(await new ThreadRunner({ maxWorkers }).run(dag.pipeline, new DataCatalog(dag.inputs)));
    for (const r of results) expect(r).toEqual(dag.expected);
    expect(Object.keys(dag.expected).length).toBeGreaterThan(0);
  });
});
