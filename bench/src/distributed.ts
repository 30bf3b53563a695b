/**
 * `pnpm bench:distributed`: @weft/distributed's DistributedRunner on a local cluster (redis-server
 * on a Unix socket, two `weft-worker` processes, shared storage on local disk) side by side with
 * SequentialRunner in this process, same pipelines, interleaved rounds, medians, a table.
 *
 * - a chain of trivial nodes (each waits for the previous one): the per-node round trip
 *   (inputs to storage, job to Redis, worker, result back, outputs saved);
 * - a fan-out of trivial nodes: per-node cost when both workers are busy;
 * - independent CPU-bound nodes of ~250 ms: the speed-up of two worker processes.
 *
 * Needs `redis-server` (Debian: apt-get install redis-server).
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { findRedisServer, REDIS_INSTALL_HINT, startLocalCluster } from '@weft/distributed';
import {
  type AbstractRunner,
  DataCatalog,
  type Node,
  node,
  type Pipeline,
  pipeline,
  SequentialRunner,
} from '@weft/runner';
import { Queue, QueueEvents } from 'bullmq';
import { fmt, median, printTable } from './harness.js';
import { burnCpu, identity } from './runner-workloads.js';

const WORKLOADS_MODULE = new URL('./runner-workloads.js', import.meta.url);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Workload {
  readonly id: string;
  readonly kind: 'chain' | 'fan' | 'cpu';
  readonly nodes: number;
  readonly pipeline: Pipeline;
  readonly inputs: () => Record<string, unknown>;
}

function chain(n: number): Workload {
  const nodes: Node[] = [];
  for (let i = 0; i < n; i++) nodes.push(node(identity, `d${i}`, `d${i + 1}`, { name: `n${i}` }));
  return {
    id: `chain of ${n} trivial nodes`,
    kind: 'chain',
    nodes: n,
    pipeline: pipeline(nodes),
    inputs: () => ({ d0: 1 }),
  };
}

function fan(n: number): Workload {
  const nodes: Node[] = [];
  for (let i = 0; i < n; i++) nodes.push(node(identity, 'x', `o${i}`, { name: `n${i}` }));
  return {
    id: `fan-out of ${n} trivial nodes`,
    kind: 'fan',
    nodes: n,
    pipeline: pipeline(nodes),
    inputs: () => ({ x: 1 }),
  };
}

function cpu(n: number, ms: number): Workload {
  const nodes: Node[] = [];
  for (let i = 0; i < n; i++) nodes.push(node(burnCpu, 'params:ms', `c${i}`, { name: `burn${i}` }));
  return {
    id: `${n} independent CPU-bound nodes of ${ms} ms`,
    kind: 'cpu',
    nodes: n,
    pipeline: pipeline(nodes),
    inputs: () => ({ 'params:ms': ms }),
  };
}

async function timeRun(runner: AbstractRunner, w: Workload): Promise<number> {
  const t0 = performance.now();
  await runner.run(w.pipeline, new DataCatalog(w.inputs()));
  return performance.now() - t0;
}

/** Bare BullMQ on the same Redis: two worker processes that return the job data, no Weft. */
async function rawBullmq(socket: string): Promise<{
  chain(n: number): Promise<number>;
  fan(n: number): Promise<number>;
  close(): Promise<void>;
}> {
  const prefix = 'rawbench';
  const script = fileURLToPath(new URL('./distributed-raw-worker.js', import.meta.url));
  const children = [
    fork(script, [socket, prefix], { stdio: 'inherit' }),
    fork(script, [socket, prefix], { stdio: 'inherit' }),
  ];
  await Promise.all(children.map((c) => new Promise((resolve) => c.once('message', resolve))));
  const queue = new Queue('raw', { connection: { path: socket }, prefix });
  // job.waitUntilFinished adds a listener per waiting job.
  queue.setMaxListeners(0);
  const events = new QueueEvents('raw', { connection: { path: socket }, prefix });
  await events.waitUntilReady();
  let id = 0;
  const one = async (): Promise<void> => {
    const job = await queue.add('j', { x: id++ });
    await job.waitUntilFinished(events);
  };
  return {
    async chain(n) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await one();
      return performance.now() - t0;
    },
    async fan(n) {
      const t0 = performance.now();
      await Promise.all(Array.from({ length: n }, one));
      return performance.now() - t0;
    },
    async close() {
      await events.close();
      await queue.close();
      for (const c of children) c.disconnect();
      await Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))));
    },
  };
}

async function main(): Promise<void> {
  if (findRedisServer() === undefined) {
    console.error(`bench:distributed needs redis-server: ${REDIS_INSTALL_HINT}.`);
    process.exitCode = 1;
    return;
  }
  const cluster = await startLocalCluster({
    modules: WORKLOADS_MODULE,
    workers: 2,
    worker: { stdio: 'ignore' },
  });
  const raw = await rawBullmq(cluster.redis.socket);
  try {
    const sequential = new SequentialRunner();
    const workloads = [chain(100), fan(200), cpu(8, 250)];
    const rawRun: Record<string, ((n: number) => Promise<number>) | undefined> = {
      chain: raw.chain,
      fan: raw.fan,
    };
    console.log(
      `DistributedRunner: 2 weft-worker processes (concurrency 1 each), redis-server on a Unix socket, ` +
        `shared storage on local disk; baseline "bare BullMQ": 2 worker processes returning the job data, same Redis; ` +
        `${availableParallelism()} cores; ${ROUNDS} rounds, interleaved, medians.\n`,
    );
    // Warm-up: connections, module imports, JIT on every side.
    for (const w of [chain(20), fan(20), cpu(2, 10)]) {
      await timeRun(sequential, w);
      await timeRun(cluster.runner, w);
      await rawRun[w.kind]?.(w.nodes);
    }
    const samples = new Map(
      workloads.map((w) => [w.id, { seq: [] as number[], dist: [] as number[], raw: [] as number[] }]),
    );
    for (let round = 0; round < ROUNDS; round++) {
      for (const w of workloads) {
        const s = samples.get(w.id) as { seq: number[]; dist: number[]; raw: number[] };
        s.seq.push(await timeRun(sequential, w));
        s.dist.push(await timeRun(cluster.runner, w));
        const r = rawRun[w.kind];
        if (r !== undefined) s.raw.push(await r(w.nodes));
      }
    }
    const rows = workloads.map((w) => {
      const s = samples.get(w.id) as { seq: number[]; dist: number[]; raw: number[] };
      const seq = median(s.seq);
      const dist = median(s.dist);
      const bare = s.raw.length > 0 ? median(s.raw) : Number.NaN;
      return [
        w.id,
        fmt(seq, 1),
        fmt(bare, 1),
        fmt(dist, 1),
        fmt((bare * 1000) / w.nodes, 0),
        fmt((dist * 1000) / w.nodes, 0),
        Number.isNaN(bare) ? 'n/a' : `${fmt(dist / bare, 2)}x`,
        w.kind === 'cpu' ? `${fmt(seq / dist, 2)}x` : '–',
      ];
    });
    printTable(
      [
        'workload',
        'Sequential ms',
        'bare BullMQ ms',
        'Distributed ms',
        'BullMQ µs/job',
        'Distributed µs/node',
        'Dist/BullMQ',
        'speed-up Seq/Dist',
      ],
      rows,
    );
  } finally {
    await raw.close();
    await cluster.close();
  }
}

await main();
