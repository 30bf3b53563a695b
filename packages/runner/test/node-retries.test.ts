/**
 * `node(…, { retries, retryDelayMs })`: a node whose function throws is tried again with the same
 * inputs, on every runner; its hooks see one run, and `onNodeError` only after the last try.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AbstractRunner,
  DataCatalog,
  type Hooks,
  NodeDefinitionError,
  NodeFailedError,
  node,
  ParallelRunner,
  pipeline,
  SequentialRunner,
  ThreadRunner,
} from '../src/index.js';
import { failsUntil } from './fixtures/nodes.js';
import { fixturesModule } from './support/runners.js';

let dir: string;
let parallel: ParallelRunner;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-retries-'));
  parallel = new ParallelRunner({ module: fixturesModule, maxWorkers: 1 });
});
afterAll(async () => {
  await parallel.close();
  await rm(dir, { recursive: true, force: true });
});

const runners: [string, () => AbstractRunner][] = [
  ['SequentialRunner', () => new SequentialRunner()],
  ['ThreadRunner', () => new ThreadRunner()],
  ['ParallelRunner', () => parallel],
];

describe.each(runners)('%s', (label, make) => {
  it('tries a throwing node again until it succeeds, within its retries; hooks see one run', async () => {
    const marker = join(dir, `${label}-ok`);
    const events: string[] = [];
    const hooks: Hooks[] = [
      {
        beforeNodeRun: () => void events.push('before'),
        afterNodeRun: () => void events.push('after'),
        onNodeError: () => void events.push('error'),
      },
    ];
    const p = pipeline([
      node(failsUntil, ['marker', 'n', 'x'], 'y', { name: 'flaky', retries: 2, retryDelayMs: 5 }),
    ]);
    const out = await make().run(p, new DataCatalog({ marker, n: 2, x: 7 }), { hooks });
    expect(out).toEqual({ y: 7 });
    expect(events).toEqual(['before', 'after']);
  });

  it('fails the node with the last error once its retries are spent', async () => {
    const marker = join(dir, `${label}-spent`);
    const errors: unknown[] = [];
    const p = pipeline([node(failsUntil, ['marker', 'n', 'x'], 'y', { name: 'flaky', retries: 1 })]);
    const error = await make()
      .run(p, new DataCatalog({ marker, n: 5, x: 7 }), {
        hooks: [{ onNodeError: ({ error: e }) => void errors.push(e) }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeFailedError);
    expect(((error as NodeFailedError).cause as Error).message).toBe('call 2 fails');
    expect(errors).toHaveLength(1);
  });
});

describe('node retry options', () => {
  it('are kept by copies of the node (tags, namespacing)', () => {
    const n = node(failsUntil, ['m', 'n', 'x'], 'y', { name: 'f', retries: 3, retryDelayMs: 10, costMs: 2 });
    const copy = pipeline([n.tag('t')], { namespace: 'ns' }).nodes[0];
    expect([copy?.retries, copy?.retryDelayMs, copy?.costMs]).toEqual([3, 10, 2]);
    expect([
      node(failsUntil, ['m', 'n', 'x'], 'y').retries,
      node(failsUntil, ['m', 'n', 'x'], 'y').costMs,
    ]).toEqual([0, undefined]);
  });

  it.each([
    [{ retries: -1 }, /retries must be a non-negative integer, got -1/],
    [{ retries: 1.5 }, /retries must be a non-negative integer, got 1.5/],
    [{ retryDelayMs: Number.NaN }, /retryDelayMs must be a non-negative number/],
    [{ costMs: -3 }, /costMs must be a non-negative number, got -3/],
  ])('refuses %j, naming the node', (options, message) => {
    expect(() => node(failsUntil, ['m', 'n', 'x'], 'y', { name: 'bad', ...options })).toThrow(
      NodeDefinitionError,
    );
    expect(() => node(failsUntil, ['m', 'n', 'x'], 'y', { name: 'bad', ...options })).toThrow(message);
    expect(() => node(failsUntil, ['m', 'n', 'x'], 'y', { name: 'bad', ...options })).toThrow(/Node 'bad'/);
  });
});
