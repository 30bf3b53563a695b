/**
 * A Redis outage mid-run, with a real redis-server that is killed and started again on the same
 * socket and data (append-only file): the coordinator and the worker each print one warning when
 * Redis stops answering and one line when it is back (instead of a raw stack per reconnect
 * attempt), a job submitted while Redis is down waits for it, and the run completes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbstractDataset, DataCatalog, node, pipeline } from '@weft/runner';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DistributedRunner,
  findRedisServer,
  StorageDataset,
  startWorker,
  type WeftWorker,
} from '../src/index.js';
import { mix, mixAsync, probe } from './fixtures/nodes.js';
import { NODES_MODULE, SLOW, skipWithoutRedis } from './support/cluster.js';

/** A free input whose load waits until `gate` resolves. */
class GatedDataset extends AbstractDataset<number> {
  constructor(readonly gate: Promise<number>) {
    super();
  }
  protected _load(): Promise<number> {
    return this.gate;
  }
  protected _save(): void {
    throw new Error('read only');
  }
}

class Log {
  readonly warn: string[] = [];
  readonly info: string[] = [];
  readonly logger = {
    warn: (m: string) => void this.warn.push(m),
    info: (m: string) => void this.info.push(m),
  };
}

describe.skipIf(skipWithoutRedis)('a Redis outage during a run', { timeout: SLOW }, () => {
  let dir: string;
  let socket: string;
  let server: ChildProcess | undefined;

  async function startServer(): Promise<void> {
    const child = spawn(
      findRedisServer() as string,
      [
        '--port',
        '0',
        '--unixsocket',
        socket,
        '--unixsocketperm',
        '700',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
      ],
      { stdio: 'ignore' },
    );
    server = child;
    const client = new Redis({
      path: socket,
      lazyConnect: true,
      retryStrategy: () => 50,
      maxRetriesPerRequest: null,
    });
    client.on('error', () => {});
    await client.connect().catch(() => {});
    await client.ping();
    client.disconnect();
  }

  async function killServer(): Promise<void> {
    const child = server;
    server = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-outage-'));
    socket = join(dir, 'redis.sock');
    await startServer();
  }, SLOW);
  afterAll(async () => {
    await killServer();
    await rm(dir, { recursive: true, force: true });
  }, SLOW);

  it('prints one warning per outage on each side, queues what is submitted meanwhile, and completes the run when Redis is back', async () => {
    const storage = join(dir, 'storage');
    const coordinatorLog = new Log();
    const workerLog = new Log();
    const workerErrors: Error[] = [];
    const printed = vi.spyOn(console, 'error');
    let worker: WeftWorker | undefined;
    const runner = new DistributedRunner({
      module: NODES_MODULE,
      redis: socket,
      storage,
      prefix: 'outage',
      pollIntervalMs: 500,
      logger: coordinatorLog.logger,
    });
    try {
      worker = await startWorker({
        redis: socket,
        storage,
        modules: NODES_MODULE,
        prefix: 'outage',
        concurrency: 2,
        logger: workerLog.logger,
        onError: (e) => void workerErrors.push(e),
      });
      let open!: (value: number) => void;
      const gate = new Promise<number>((resolve) => {
        open = resolve;
      });
      const p = pipeline([
        node(probe, ['x', 'params:ms'], 'slow', { name: 'slow' }),
        node(mixAsync, ['params:seed', 'gated'], 'late', { name: 'submitted_while_down' }),
        node(mixAsync, ['params:seed', 'late'], 'last', { name: 'after_outage' }),
      ]);
      const catalog = new DataCatalog({
        x: 'in',
        'params:ms': 1500,
        'params:seed': 7,
        gated: new GatedDataset(gate),
        slow: new StorageDataset({ filepath: join(storage, 'slow.v8') }),
        late: new StorageDataset({ filepath: join(storage, 'late.v8') }),
      });
      const run = runner.run(p, catalog, { runId: 'outage-run', timeoutMs: 50_000 });
      await new Promise((r) => setTimeout(r, 700));
      await killServer();
      open(5); // the coordinator now submits a job while Redis is down
      await new Promise((r) => setTimeout(r, 3000));
      expect(coordinatorLog.warn).toHaveLength(1);
      expect(coordinatorLog.warn[0]).toMatch(
        /^DistributedRunner: lost Redis at unix:\S+redis\.sock \(.*\); retrying until it answers again/,
      );
      await startServer();
      const out = await run;
      expect(out.last).toBe(mix(7, mix(7, 5)));
      expect(out.slow).toMatchObject({ input: 'in' });
      await new Promise((r) => setTimeout(r, 500));
      expect(coordinatorLog.warn).toHaveLength(1);
      expect(coordinatorLog.info).toHaveLength(1);
      expect(coordinatorLog.info[0]).toMatch(
        /^DistributedRunner: Redis at unix:\S+ answers again after \d+\.\d s \(\d+ further connection errors not shown\)\.$/,
      );
      expect(workerLog.warn).toHaveLength(1);
      expect(workerLog.warn[0]).toMatch(/^weft-worker \S+: lost Redis at unix:/);
      expect(workerLog.info).toHaveLength(1);
      expect(workerErrors).toEqual([]);
      // BullMQ prints errors nobody listens to with console.error: none of those.
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
      await runner.close();
      await worker?.close();
    }
  });
});
