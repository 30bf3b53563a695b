/**
 * The log channel: what nodes log with `getRunLogger()` on a `weft-worker` reaches the
 * coordinator's sinks, with the flow-run and task-run ids it was logged with, in order, before the
 * node's closing line, appended to Redis before the job is acknowledged; records of a worker thread
 * the node starts come along; records of an attempt lost with its worker are dropped (the finished
 * attempt's are delivered) and reported; an attempt that threw and was retried keeps its records.
 * Nobody writes any transport code.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prefectHooks } from '@weft/prefect-bridge';
import { MemorySink } from '@weft/prefect-bridge/logging';
import { DataCatalog, node, pipeline } from '@weft/runner';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker } from '../src/index.js';
import { logLines, logThenBlockFirstTime, logThenFailOnce, logViaThread } from './fixtures/nodes.js';
import {
  NODES_MODULE,
  SLOW,
  skipWithoutRedis,
  startTestCluster,
  type TestCluster,
} from './support/cluster.js';

describe.skipIf(skipWithoutRedis)('the log channel', { timeout: SLOW }, () => {
  let cluster: TestCluster;
  let dir: string;
  beforeAll(async () => {
    // Short locks: a killed worker's job is taken up again within seconds.
    cluster = await startTestCluster({
      worker: { stdio: 'pipe', lockDurationMs: 1000, stalledIntervalMs: 500, maxStalledCount: 3 },
    });
    dir = await mkdtemp(join(tmpdir(), 'weft-logs-'));
  }, SLOW);
  afterAll(async () => {
    await cluster?.close();
    await rm(dir, { recursive: true, force: true });
  }, SLOW);

  it("brings a worker's records to the coordinator's sinks with their flow and task run, in order, before the node's closing line", async () => {
    const sink = new MemorySink();
    const p = pipeline([
      node(logLines, ['params:s', 'params:n', 'x'], 'y', { name: 'talker' }),
      node(logLines, ['params:s', 'params:n', 'y'], 'z', { name: 'second_talker' }),
    ]);
    await cluster.runner.run(p, new DataCatalog({ 'params:s': 1, 'params:n': 7, x: 1 }), {
      hooks: [prefectHooks({ client: null, sinks: [sink] })],
    });
    const shown = sink.records.filter((r) => r.taskRunId !== null).map((r) => r.message);
    expect(shown).toEqual([
      ...Array.from({ length: 7 }, (_, i) => `talker line ${i + 1} of 7`),
      'Finished in state Completed()',
      ...Array.from({ length: 7 }, (_, i) => `second_talker line ${i + 1} of 7`),
      'Finished in state Completed()',
    ]);
    const talker = sink.records.filter((r) => r.message.startsWith('talker line'));
    const closing = sink.records.find(
      (r) => r.message.startsWith('Finished') && r.taskRunId === talker[0]?.taskRunId,
    );
    expect(new Set(talker.map((r) => r.taskRunId)).size).toBe(1);
    expect(talker[0]?.flowRunId).toBe(closing?.flowRunId);
    expect(talker[0]?.extra).toMatchObject({ task_run_name: 'talker', probe: true });
    // Timestamps are the worker's, in emission order.
    const stamps = talker.map((r) => r.timestamp);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
  });

  it('brings the records of a worker thread the node starts, under the node’s task run', async () => {
    const sink = new MemorySink();
    const p = pipeline([node(logViaThread, ['message', 'x'], 'y', { name: 'threaded' })]);
    await cluster.runner.run(p, new DataCatalog({ message: 'hello', x: 1 }), {
      hooks: [prefectHooks({ client: null, sinks: [sink] })],
    });
    const mine = sink.records.filter((r) => r.extra.probe === true);
    expect(mine.map((r) => r.message)).toEqual(['hello from the node', 'hello from a worker thread']);
    expect(new Set(mine.map((r) => r.taskRunId)).size).toBe(1);
    const closing = sink.records.find(
      (r) => r.message === 'Finished in state Completed()' && r.taskRunId !== null,
    );
    expect(closing?.taskRunId).toBe(mine[0]?.taskRunId);
    expect(sink.records.indexOf(closing as never)).toBeGreaterThan(sink.records.indexOf(mine[1] as never));
  });

  it("flushes a node's records before its job is acknowledged: a worker killed right after the node loses none", async () => {
    // A worker that would wait ten minutes before appending a record on its own: only the append
    // at the end of the attempt (awaited before BullMQ completes the job) can bring them.
    const prefix = `${cluster.prefix}-ack`;
    const worker = await spawnWorker({
      redis: cluster.redis.socket,
      storage: cluster.storage,
      modules: [NODES_MODULE],
      prefix,
      stdio: 'pipe',
      logFlushMs: 600_000,
    });
    const runner = cluster.makeRunner({ prefix });
    try {
      const sink = new MemorySink();
      const p = pipeline([node(logLines, ['params:s', 'params:n', 'x'], 'y', { name: 'flushed' })]);
      const run = runner.run(p, new DataCatalog({ 'params:s': 1, 'params:n': 5, x: 1 }), {
        hooks: [prefectHooks({ client: null, sinks: [sink] })],
      });
      // Killed as soon as the job is completed, before the coordinator even reads the records.
      const queue = new Queue('weft-nodes', { connection: { path: cluster.redis.socket }, prefix });
      try {
        while ((await queue.getJobCounts('completed')).completed === 0) {
          await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        await queue.close();
      }
      process.kill(worker.pid, 'SIGKILL');
      await run;
      expect(sink.records.filter((r) => r.extra.probe === true).map((r) => r.message)).toEqual(
        Array.from({ length: 5 }, (_, i) => `flushed line ${i + 1} of 5`),
      );
    } finally {
      await worker.stop();
    }
  });

  it("drops the records of an attempt lost with its worker and delivers the finished attempt's, saying so", async () => {
    const sink = new MemorySink();
    const warnings: string[] = [];
    const where = join(dir, `lost-${randomUUID()}`);
    const p = pipeline([node(logThenBlockFirstTime, ['dir', 'x'], 'y', { name: 'victim' })]);
    const run = cluster.runner.run(p, new DataCatalog({ dir: where, x: 21 }), {
      hooks: [prefectHooks({ client: null, sinks: [sink] })],
      logger: { info: () => {}, warn: (m) => void warnings.push(m) },
    });
    let started: string | undefined;
    while (started === undefined) {
      started = (await readdir(where).catch(() => [] as string[])).find((f) => f.startsWith('started-'));
      if (started === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    const victim = cluster.workers.find((w) => w.pid === Number(started?.slice('started-'.length)));
    expect(victim).toBeDefined();
    process.kill(victim?.pid as number, 'SIGKILL');
    expect(await run).toEqual({ y: 42 });
    expect(sink.records.filter((r) => r.extra.probe === true).map((r) => r.message)).toEqual([
      'attempt 2 line 1',
      'attempt 2 line 2',
      'attempt 2 line 3',
    ]);
    expect(warnings.join('\n')).toMatch(
      /node 'victim' \(job .*\): 1 attempt\(s\) stopped mid-node \(worker .*\) and ran again; their 3 log record\(s\) are dropped/,
    );
    // The cluster gets its worker back for the tests after this one.
    await cluster.restartWorker(victim?.pid as number);
  });

  it('keeps the records of an attempt that threw and was retried, then those of the retry', async () => {
    const sink = new MemorySink();
    const p = pipeline([
      node(logThenFailOnce, ['marker', 'x'], 'y', { name: 'retried', retries: 1, retryDelayMs: 10 }),
    ]);
    const out = await cluster.runner.run(
      p,
      new DataCatalog({ marker: join(dir, `once-${randomUUID()}`), x: 5 }),
      {
        hooks: [prefectHooks({ client: null, sinks: [sink] })],
      },
    );
    expect(out).toEqual({ y: 5 });
    expect(sink.records.filter((r) => r.extra.probe === true).map((r) => r.message)).toEqual([
      'first try line 1',
      'first try line 2',
      'second try line 1',
      'second try line 2',
    ]);
  });

  it('delivers none with logs: false on the runner (they stay in the job log in Redis)', async () => {
    const sink = new MemorySink();
    const runner = cluster.makeRunner({ logs: false });
    const p = pipeline([node(logLines, ['params:s', 'params:n', 'x'], 'y', { name: 'quiet' })]);
    await runner.run(p, new DataCatalog({ 'params:s': 1, 'params:n': 2, x: 1 }), {
      hooks: [prefectHooks({ client: null, sinks: [sink] })],
    });
    expect(sink.records.filter((r) => r.extra.probe === true)).toEqual([]);
  });
});
