import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataCatalog, node, pipeline } from '@weft/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DistributedRunner,
  NoWorkersError,
  type RedisServer,
  startRedisServer,
  startWorker,
  type WeftWorker,
} from '../src/index.js';
import { mix, probe, userVar } from './fixtures/nodes.js';
import { NODES_MODULE, SLOW, skipWithoutRedis } from './support/cluster.js';

const OTHER_MODULE = new URL('./fixtures/other-nodes.ts', import.meta.url).href;

describe.skipIf(skipWithoutRedis)('startWorker in this process', { timeout: SLOW }, () => {
  let redis: RedisServer;
  let storage: string;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    storage = await mkdtemp(join(tmpdir(), 'weft-inproc-'));
  }, SLOW);
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await redis?.close();
    await rm(storage, { recursive: true, force: true });
  }, SLOW);

  function runner(prefix: string, more: Partial<ConstructorParameters<typeof DistributedRunner>[0]> = {}) {
    const r = new DistributedRunner({ module: NODES_MODULE, redis: redis.socket, storage, prefix, ...more });
    closers.push(() => r.close());
    return r;
  }

  async function worker(prefix: string, modules: string): Promise<WeftWorker> {
    const w = await startWorker({ redis: redis.socket, storage, prefix, modules });
    closers.push(() => w.close());
    return w;
  }

  const p = pipeline([
    node(mix, ['params:a', 'x'], 'y', { name: 'first' }),
    node(probe, 'y', 'seen', { name: 'look' }),
  ]);

  it('refuses to start a run when no worker listens, saying how to start one', async () => {
    const error = await runner('idle')
      .run(p, new DataCatalog({ 'params:a': 1, x: 1 }))
      .catch((e) => e);
    expect(error).toBeInstanceOf(NoWorkersError);
    expect(error.message).toContain("no weft-worker is listening on queue 'weft-nodes' (prefix 'idle')");
    expect(error.message).toContain(`--module ${NODES_MODULE}`);
  });

  it('runs nodes in this process, in the context from the job', async () => {
    const w = await worker('inproc', NODES_MODULE);
    expect(w.name).toBe(`${(await import('node:os')).hostname()}:${process.pid}`);
    const out = await userVar.run('bob', () =>
      runner('inproc').run(p, new DataCatalog({ 'params:a': 1, x: 1 })),
    );
    expect(out.seen).toMatchObject({ pid: process.pid, user: 'bob', input: mix(1, 1) });
  });

  it('fails a job for a module it does not serve at once, with a WorkerJobError naming both modules', async () => {
    await worker('other', OTHER_MODULE);
    const r = runner('other', { retry: { attempts: 5, backoff: 1000 } });
    const t0 = performance.now();
    const error = await r.run(p, new DataCatalog({ 'params:a': 1, x: 1 })).catch((e) => e);
    expect(error.node).toBe('first');
    expect(error.cause.name).toBe('WorkerJobError');
    expect(error.cause.code).toBe('ERR_MODULE_NOT_SERVED');
    expect(error.cause.message).toContain(OTHER_MODULE);
    expect(error.cause.message).toContain(NODES_MODULE);
    // Not retried: five tries with 1 s back-off would take over 4 s.
    expect(performance.now() - t0).toBeLessThan(4000);
  });
});
