/**
 * The one seam, at every boundary Weft crosses: a custom propagator set once (a module that calls
 * `setGlobalPropagator` with itself as set-up module) is honoured by worker threads
 * (`WorkerThreadExecutor`), `ParallelRunner` and `DistributedRunner` (two `weft-worker`
 * processes); a variable that was set but does not travel says so on the other side; and a
 * variable from a second physical copy of `@weft/contextvars` passes every filter and crosses
 * every boundary.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ContextVar, propagationSetupModules, resetGlobalPropagator } from '@weft/contextvars';
import { AsyncExecutor, taskRef, WorkerThreadExecutor } from '@weft/executor';
import { DataCatalog, node, ParallelRunner, pipeline } from '@weft/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCluster, startLocalCluster } from '../src/index.js';
import { readTenant, stayHome, tenant, tenantTasks } from './fixtures/tenant-propagation.js';
import { SLOW, skipWithoutRedis } from './support/cluster.js';

const FIXTURE = new URL('./fixtures/tenant-propagation.ts', import.meta.url).href;
type Seen = ReturnType<typeof readTenant>;

afterAll(() => resetGlobalPropagator());

const NOT_PROPAGATED =
  /<ContextVar name='fixture\.stayHome'> has no value in the current context and no default: it was set where this work was submitted, but it is not propagated/;

describe('a custom propagator set once', { timeout: SLOW }, () => {
  let executor: WorkerThreadExecutor;
  let parallel: ParallelRunner;
  let cluster: LocalCluster | undefined;
  beforeAll(async () => {
    expect(propagationSetupModules()).toEqual([FIXTURE]);
    executor = new WorkerThreadExecutor({ maxWorkers: 2 });
    parallel = new ParallelRunner({ module: FIXTURE, maxWorkers: 2 });
    if (!skipWithoutRedis) {
      // Nothing about propagation is passed: spawnWorker adds the set-up module itself.
      cluster = await startLocalCluster({ modules: FIXTURE, workers: 2, worker: { stdio: 'pipe' } });
    }
  }, SLOW);
  afterAll(async () => {
    await executor?.shutdown();
    await parallel?.close();
    await cluster?.close();
  }, SLOW);

  const inContext = <R>(fn: () => R): R => tenant.run('acme', () => stayHome.run('here', fn));
  const p = pipeline([node(readTenant, 'x', 'seen', { name: 'read_tenant' })]);

  it('is honoured by worker threads', async () => {
    const seen = (await inContext(() => executor.submit(tenantTasks.readTenant, 0))) as Seen;
    expect(seen.thread).not.toBe(0);
    expect(seen.tenant).toBe('acme');
    expect(seen.stayHome).toMatch(NOT_PROPAGATED);
  });

  it('is honoured by ParallelRunner', async () => {
    const out = await inContext(() => parallel.run(p, new DataCatalog({ x: 1 })));
    const seen = out.seen as Seen;
    expect(seen.thread).not.toBe(0);
    expect(seen.tenant).toBe('acme');
    expect(seen.stayHome).toMatch(NOT_PROPAGATED);
  });

  it.skipIf(skipWithoutRedis)('is honoured by DistributedRunner on weft-worker processes', async () => {
    const c = cluster as LocalCluster;
    const out = await inContext(() => c.runner.run(p, new DataCatalog({ x: 1 })));
    const seen = out.seen as Seen;
    expect(c.workers.map((w) => w.pid)).toContain(seen.pid);
    expect(seen.tenant).toBe('acme');
    expect(seen.stayHome).toMatch(NOT_PROPAGATED);
  });
});

describe('a variable from a second copy of @weft/contextvars', { timeout: SLOW }, () => {
  const folder = mkdtempSync(join(tmpdir(), 'weft-copies-boundaries-'));
  const copyModule = join(folder, 'copies.ts');
  const url = pathToFileURL(copyModule).href;
  let mod: { vb: ContextVar<string>; hb: ContextVar<string>; read: (x?: unknown) => unknown };
  let cluster: LocalCluster | undefined;
  let parallel: ParallelRunner;
  let executor: WorkerThreadExecutor;
  beforeAll(async () => {
    cpSync(fileURLToPath(new URL('../../contextvars/src', import.meta.url)), join(folder, 'copy-b'), {
      recursive: true,
    });
    writeFileSync(join(folder, 'package.json'), '{ "type": "module" }');
    writeFileSync(
      copyModule,
      `import * as b from './copy-b/index.ts';
export const vb = new b.ContextVar('copies.vb', { propagate: true });
export const hb = new b.ContextVar('copies.hidden-from-filter', { propagate: true });
export function read(_x) { return { vb: vb.get('unset'), hb: hb.get('unset'), ownCopy: vb instanceof b.ContextVar }; }
`,
    );
    mod = await import(url);
    executor = new WorkerThreadExecutor({ maxWorkers: 1 });
    parallel = new ParallelRunner({ module: url, maxWorkers: 1 });
    if (!skipWithoutRedis) {
      cluster = await startLocalCluster({ modules: url, workers: 2, worker: { stdio: 'pipe' } });
    }
  }, SLOW);
  afterAll(async () => {
    await executor?.shutdown();
    await parallel?.close();
    await cluster?.close();
    rmSync(folder, { recursive: true, force: true });
  }, SLOW);

  // Allowed by identity (the variable object of the other copy), the other one denied by name.
  const filter = () => ({
    allow: [mod.vb, 'copies.hidden-from-filter'],
    deny: ['copies.hidden-from-filter'],
  });
  const inContext = <R>(fn: () => R): R => mod.vb.run('from-copy-b', () => mod.hb.run('denied', fn));
  const expected = { vb: 'from-copy-b', hb: 'unset', ownCopy: true };

  it('passes the in-thread filter', async () => {
    await using inThread = new AsyncExecutor({ contextFilter: filter() });
    expect(await inContext(() => inThread.submit(mod.read))).toEqual(expected);
  });

  it('crosses into worker threads', async () => {
    const read = taskRef<typeof mod.read>(url, 'read');
    expect(await inContext(() => executor.submitWith({ contextFilter: filter() }, read))).toEqual(expected);
  });

  it('crosses into ParallelRunner workers', async () => {
    const p = pipeline([node(mod.read, 'x', 'seen', { name: 'read_copy' })]);
    const out = await inContext(() =>
      parallel.run(p, new DataCatalog({ x: 1 }), { contextFilter: filter() }),
    );
    expect(out.seen).toEqual(expected);
  });

  it.skipIf(skipWithoutRedis)('crosses into weft-worker processes', async () => {
    const c = cluster as LocalCluster;
    const p = pipeline([node(mod.read, 'x', 'seen', { name: 'read_copy' })]);
    const out = await inContext(() =>
      c.runner.run(p, new DataCatalog({ x: 1 }), { contextFilter: filter() }),
    );
    expect(out.seen).toEqual(expected);
  });
});
