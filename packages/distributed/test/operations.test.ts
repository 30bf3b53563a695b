/**
 * Operating a cluster: a worker started from other code fails the job at once, naming what
 * differs; weft-worker says what it serves when it starts; on SIGTERM it lets the running job
 * finish, or hands it back to the queue after its grace period so that another worker runs it at
 * once.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataCatalog, NodeFailedError, node, pipeline } from '@weft/runner';
import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDifference, fingerprintOf, moduleFingerprint } from '../src/code-fingerprint.js';
import {
  DistributedRunner,
  type RedisServer,
  spawnWorker,
  startRedisServer,
  type WorkerJobError,
  type WorkerProcess,
} from '../src/index.js';
import { slowFirstTime } from './fixtures/nodes.js';
import {
  NODES_MODULE,
  SLOW,
  skipWithoutRedis,
  startTestCluster,
  type TestCluster,
} from './support/cluster.js';

async function waitForFile(dir: string, prefix: string): Promise<string> {
  for (;;) {
    const found = (await readdir(dir).catch(() => [] as string[])).find((f) => f.startsWith(prefix));
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('code fingerprint', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-fingerprint-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('covers the module file and the files it imports by a relative path, transitively', async () => {
    const tree = async (name: string, factor: number): Promise<string> => {
      const root = join(dir, name);
      await mkdir(join(root, 'lib'), { recursive: true });
      await writeFile(join(root, 'lib', 'helper.js'), `export const factor = ${factor};\n`);
      await writeFile(
        join(root, 'nodes.js'),
        "import { factor } from './lib/helper.js';\nexport const double = (x) => x * factor;\n",
      );
      await writeFile(join(root, 'main.js'), "export { double } from './nodes.js';\n");
      return moduleFingerprint(pathToFileURL(join(root, 'main.js')).href);
    };
    const a = await tree('a', 2);
    // The same files elsewhere: the same code.
    expect(await tree('copy', 2)).toBe(a);
    // A change two imports away: other code.
    expect(await tree('changed', 3)).not.toBe(a);
  });

  it('names what differs: @weft versions, the code version, the modules', () => {
    const here = { weft: { '@weft/runner': '0.3.2' }, modules: { 'file:///a.js': 'aaa' } };
    const there = {
      weft: { '@weft/runner': '0.4.0' },
      modules: { 'file:///a.js': 'bbb' },
      codeVersion: 'v2',
    };
    expect(fingerprintOf(here, ['file:///a.js'])).not.toBe(fingerprintOf(there, ['file:///a.js']));
    const text = describeDifference(there, here, ['file:///a.js']);
    expect(text).toContain('@weft/runner 0.4.0 on the coordinator, 0.3.2 here');
    expect(text).toContain('codeVersion "v2" on the coordinator, null here');
    expect(text).toContain('module file:///a.js differs');
    expect(describeDifference(undefined, here, ['file:///a.js'])).toContain('no longer in Redis');
    expect(moduleFingerprint('data:text/javascript,1')).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe.skipIf(skipWithoutRedis)('a worker started from other code', { timeout: SLOW }, () => {
  let redis: RedisServer;
  let storage: string;
  let dir: string;
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    redis = await startRedisServer();
    storage = await mkdtemp(join(tmpdir(), 'weft-mismatch-'));
    dir = await mkdtemp(join(tmpdir(), 'weft-mismatch-code-'));
  }, SLOW);
  afterAll(async () => {
    await worker?.stop();
    await redis?.close();
    await rm(storage, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }, SLOW);

  it('fails the job at once, unretried, naming the module that differs', async () => {
    const file = join(dir, 'pipeline.mjs');
    const url = pathToFileURL(file).href;
    await writeFile(file, 'export function scale(x) { return x * 2; }\n');
    worker = await spawnWorker({
      redis: redis.socket,
      storage,
      modules: [url],
      prefix: 'other',
      stdio: 'pipe',
    });
    // The coordinator runs a newer deployment of the same module.
    await writeFile(file, 'export function scale(x) { return x * 3; }\n');
    const { scale } = (await import(url)) as { scale: (x: number) => number };
    const runner = new DistributedRunner({
      module: url,
      redis: redis.socket,
      storage,
      prefix: 'other',
      retry: { attempts: 5, backoff: 10 },
    });
    const queue = new Queue('weft-nodes', { connection: { path: redis.socket }, prefix: 'other' });
    try {
      const runId = `mismatch-${randomUUID()}`;
      const error = await runner
        .run(pipeline([node(scale, 'x', 'y', { name: 'scale' })]), new DataCatalog({ x: 1 }), { runId })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NodeFailedError);
      const cause = (error as NodeFailedError).cause as WorkerJobError;
      expect(cause.code).toBe('ERR_CODE_MISMATCH');
      expect(cause.message).toContain(`cannot run job`);
      expect(cause.message).toContain(
        `it runs other code than the coordinator that submitted it: module ${url} differs`,
      );
      // Not retried: one try of the five the runner allows.
      const job = await Job.fromId(queue, `${runId}__scale`);
      expect(job?.attemptsStarted).toBe(1);
      expect(job?.failedReason).toContain('other code than the coordinator');
    } finally {
      await queue.close();
      await runner.close();
    }
  });

  it('fails the job when the code versions differ, naming both', async () => {
    const runner = new DistributedRunner({
      module: NODES_MODULE,
      redis: redis.socket,
      storage,
      prefix: 'versions',
      codeVersion: 'release-7',
    });
    const w = await spawnWorker({
      redis: redis.socket,
      storage,
      modules: [NODES_MODULE],
      prefix: 'versions',
      codeVersion: 'release-6',
      stdio: 'pipe',
    });
    try {
      const error = (await runner
        .run(
          pipeline([node(slowFirstTime, ['dir', 'ms', 'x'], 'y', { name: 'n' })]),
          new DataCatalog({ dir, ms: 0, x: 1 }),
        )
        .catch((e: unknown) => e)) as NodeFailedError;
      expect((error.cause as WorkerJobError).code).toBe('ERR_CODE_MISMATCH');
      expect((error.cause as Error).message).toContain(
        'codeVersion "release-7" on the coordinator, "release-6" here',
      );
    } finally {
      await runner.close();
      await w.stop();
    }
  });
});

describe.skipIf(skipWithoutRedis)('weft-worker start and shutdown', { timeout: SLOW }, () => {
  let cluster: TestCluster;
  let dir: string;
  beforeAll(async () => {
    // Locks that outlive the tests: a job another worker runs was handed back, not found stalled.
    cluster = await startTestCluster({
      worker: { stdio: 'pipe', concurrency: 3, shutdownGraceMs: 400, lockDurationMs: 600_000 },
    });
    dir = await mkdtemp(join(tmpdir(), 'weft-shutdown-'));
  }, SLOW);
  afterAll(async () => {
    await cluster?.close();
    await rm(dir, { recursive: true, force: true });
  }, SLOW);

  it('prints a health line: queue, Redis, concurrency, modules with their code, versions, where logs go', () => {
    const line =
      cluster.workers[0]
        ?.output()
        .split('\n')
        .find((l) => l.includes(' ready: ')) ?? '';
    expect(line).toContain(
      `ready: queue 'weft-nodes' (prefix '${cluster.prefix}') at unix:${cluster.redis.socket}, concurrency 3`,
    );
    expect(line).toMatch(
      new RegExp(`modules ${NODES_MODULE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(code [0-9a-f]{16}\\)`),
    );
    expect(line).toContain('@weft/distributed 0.0.0');
    expect(line).toContain(`Node ${process.version}`);
    expect(line).toContain('node logs go to the coordinator (@weft/prefect-bridge)');
  });

  it('lets the running job finish within the grace period on SIGTERM, then exits', async () => {
    const where = join(dir, `finish-${randomUUID()}`);
    const p = pipeline([node(slowFirstTime, ['dir', 'ms', 'x'], 'y', { name: 'short' })]);
    const run = cluster.runner.run(p, new DataCatalog({ dir: where, ms: 150, x: 5 }));
    const started = await waitForFile(where, 'started-');
    const pid = Number(started.slice('started-'.length));
    const victim = cluster.workers.find((w) => w.pid === pid) as WorkerProcess;
    victim.child.kill('SIGTERM');
    expect(await run).toEqual({ y: 10 });
    await victim.exited;
    expect(victim.child.exitCode).toBe(0);
    expect((await readdir(where)).filter((f) => f.startsWith('finished-'))).toEqual([`finished-${pid}-0`]);
    await cluster.restartWorker(pid);
  });

  it('hands a job that outlasts the grace period back to the queue: another worker runs it at once', async () => {
    const where = join(dir, `handback-${randomUUID()}`);
    const p = pipeline([node(slowFirstTime, ['dir', 'ms', 'x'], 'y', { name: 'long' })]);
    const run = cluster.runner.run(p, new DataCatalog({ dir: where, ms: 60_000, x: 8 }));
    const started = await waitForFile(where, 'started-');
    const pid = Number(started.slice('started-'.length));
    const victim = cluster.workers.find((w) => w.pid === pid) as WorkerProcess;
    victim.child.kill('SIGTERM');
    // Long before its lock (10 minutes) would have expired and BullMQ found the job stalled.
    expect(await run).toEqual({ y: 16 });
    await victim.exited;
    expect(victim.child.exitCode).toBe(0);
    const finished = (await readdir(where)).filter((f) => f.startsWith('finished-'));
    expect(finished).toHaveLength(1);
    expect(finished[0]).not.toContain(`-${pid}-`);
    expect(victim.output()).toContain('handed back to the queue if not done within 400 ms');
    await cluster.restartWorker(pid);
  });
});
