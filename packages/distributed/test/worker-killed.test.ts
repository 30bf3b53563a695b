import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataCatalog, node, pipeline } from '@weft/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockFirstTime, mix } from './fixtures/nodes.js';
import { SLOW, skipWithoutRedis, startTestCluster, type TestCluster } from './support/cluster.js';

describe.skipIf(skipWithoutRedis)('a worker killed mid-node', { timeout: SLOW }, () => {
  let cluster: TestCluster;
  let dir: string;
  beforeAll(async () => {
    // Short locks so that BullMQ's stalled-job check notices the dead worker within seconds.
    cluster = await startTestCluster({
      worker: { stdio: 'pipe', lockDurationMs: 1000, stalledIntervalMs: 500 },
    });
    dir = await mkdtemp(join(tmpdir(), 'weft-killed-'));
  }, SLOW);
  afterAll(async () => {
    await cluster?.close();
    await rm(dir, { recursive: true, force: true });
  }, SLOW);

  it('is recovered by the other worker (at-least-once) and the run still completes', async () => {
    const p = pipeline([
      node(mix, ['params:a', 'x'], 'y', { name: 'before' }),
      node(blockFirstTime, ['params:dir', 'y'], 'z', { name: 'victim' }),
      node(mix, ['params:a', 'z'], 'w', { name: 'after' }),
    ]);
    const run = cluster.runner.run(p, new DataCatalog({ 'params:a': 3, 'params:dir': dir, x: 4 }));
    let started: string | undefined;
    while (started === undefined) {
      started = (await readdir(dir)).find((f) => f.startsWith('started-'));
      if (started === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    const victimPid = Number(started.slice('started-'.length));
    const victim = cluster.workers.find((w) => w.pid === victimPid);
    expect(victim).toBeDefined();
    process.kill(victimPid, 'SIGKILL');
    await victim?.exited;
    const out = await run;
    expect(out).toEqual({ w: mix(3, mix(3, 4) * 2) });
    const survivor = cluster.workers.find((w) => w.pid !== victimPid);
    expect(await readdir(dir)).toEqual(expect.arrayContaining([`finished-${survivor?.pid}`]));
    expect((await readdir(dir)).filter((f) => f.startsWith('finished-'))).toHaveLength(1);
  });
});
