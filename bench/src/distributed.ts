/**
 * `pnpm bench:distributed`: @weft/distributed's DistributedRunner on a local cluster (redis-server
 * on a Unix socket, two `weft-worker` processes, shared storage on local disk) side by side with
 * bare BullMQ on the same Redis and with SequentialRunner in this process: same pipelines,
 * interleaved rounds, medians, tables.
 *
 * 1. Per-node overhead against bare BullMQ (two worker processes that return the job data, same
 *    Redis, same connection settings, concurrency 1): a chain of 100 trivial nodes (each waits for
 *    the previous one: the round trip) and a fan-out of 200 (throughput). Budget: ≤ 1.3×.
 * 2. Where a node's time goes: CPU per node of each process (coordinator, workers, redis-server,
 *    from /proc on Linux) and Redis commands per node, DistributedRunner against bare BullMQ.
 * 3. Node grouping: 1,000 nodes of ~1 ms in 20 chains of 50, one job per node against
 *    `groupNodes: 'auto'` (costs declared with `costMs`, or measured on the run before), on
 *    workers of concurrency 10. Budget: ≥ 5× for nodes that wait; nodes that burn CPU are shown
 *    too (two cores bound them).
 * 4. Independent CPU-bound nodes of 250 ms: the speed-up of two worker processes.
 *
 * `--lines 20,22,24,26` runs it once per Node line (binaries from `scripts/node-line.mjs`), each
 * with its own interleaved rounds; `overhead` or `grouping` runs one part only, e.g.
 * `node dist/distributed.js overhead --lines 20,26`. Each part prints the Node version, whether
 * AsyncLocalStorage runs on async hooks (Node 20/22: every promise costs a hook) or on
 * AsyncContextFrame, and the machine's load.
 *
 * Needs `redis-server` (Debian: apt-get install redis-server).
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  DistributedRunner,
  findRedisServer,
  type LocalCluster,
  REDIS_INSTALL_HINT,
  startLocalCluster,
} from '@weft/distributed';
import {
  type AbstractRunner,
  DataCatalog,
  type Node,
  type NodeFunction,
  node,
  type Pipeline,
  pipeline,
  SequentialRunner,
} from '@weft/runner';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { burn, pass, spin1, wait1 } from './distributed-workloads.js';
import { alsImplementation, fmt, machineLoad, median, printTable, runPerNodeLine } from './harness.js';

const WORKLOADS_MODULE = new URL('./distributed-workloads.js', import.meta.url);
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
  for (let i = 0; i < n; i++) nodes.push(node(pass, `d${i}`, `d${i + 1}`, { name: `n${i}` }));
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
  for (let i = 0; i < n; i++) nodes.push(node(pass, 'x', `o${i}`, { name: `n${i}` }));
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
  for (let i = 0; i < n; i++) nodes.push(node(burn, 'params:ms', `c${i}`, { name: `burn${i}` }));
  return {
    id: `${n} independent CPU-bound nodes of ${ms} ms`,
    kind: 'cpu',
    nodes: n,
    pipeline: pipeline(nodes),
    inputs: () => ({ 'params:ms': ms }),
  };
}

/** `chains` chains of `length` nodes running `fn`, optionally declaring a cost. */
function chains(fn: NodeFunction, chainCount: number, length: number, costMs?: number): Pipeline {
  const nodes: Node[] = [];
  for (let c = 0; c < chainCount; c++) {
    for (let i = 0; i < length; i++) {
      nodes.push(
        node(fn, `c${c}_${i}`, `c${c}_${i + 1}`, {
          name: `c${c}_n${i}`,
          ...(costMs === undefined ? {} : { costMs }),
        }),
      );
    }
  }
  return pipeline(nodes);
}

function chainInputs(chainCount: number): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (let c = 0; c < chainCount; c++) inputs[`c${c}_0`] = c;
  return inputs;
}

async function timeRun(
  runner: AbstractRunner,
  p: Pipeline,
  inputs: Record<string, unknown>,
): Promise<number> {
  const t0 = performance.now();
  await runner.run(p, new DataCatalog(inputs));
  return performance.now() - t0;
}

/** CPU time (ms) of a process from /proc (Linux), or NaN. */
function cpuOf(pid: number): number {
  try {
    const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] as string).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Redis command calls so far. */
async function redisCalls(client: Redis): Promise<number> {
  let calls = 0;
  for (const line of (await client.info('commandstats')).split('\n')) {
    const m = /^cmdstat_(\w+):calls=(\d+)/.exec(line);
    if (m !== null && m[1] !== 'info') calls += Number(m[2]);
  }
  return calls;
}

interface Costs {
  coordinator: number[];
  workers: number[];
  redis: number[];
  commands: number[];
}

/** Runs `fn` and adds the CPU per node of each process and the Redis commands per node to `into`. */
async function measured<T>(
  into: Costs,
  nodes: number,
  pids: { workers: readonly number[]; redis: number },
  client: Redis,
  fn: () => Promise<T>,
): Promise<T> {
  const before = {
    coordinator: process.cpuUsage(),
    workers: pids.workers.map(cpuOf),
    redis: cpuOf(pids.redis),
    commands: await redisCalls(client),
  };
  const out = await fn();
  const c = process.cpuUsage(before.coordinator);
  into.coordinator.push((c.user + c.system) / nodes);
  into.workers.push(
    (pids.workers.map(cpuOf).reduce((a, b) => a + b, 0) - before.workers.reduce((a, b) => a + b, 0)) *
      (1000 / nodes),
  );
  into.redis.push(((cpuOf(pids.redis) - before.redis) * 1000) / nodes);
  into.commands.push(((await redisCalls(client)) - before.commands) / nodes);
  return out;
}

/**
 * The job options DistributedRunner gives a node's job by default (one attempt, the `maxJobBytes`
 * size limit, `keepJobsSeconds` retention), given to bare BullMQ's jobs too: the Lua scripts that
 * add and finish a job do more with a retention age set, so both sides pay it.
 */
const SAME_JOB_OPTIONS = {
  attempts: 1,
  sizeLimit: 64 * 1024,
  removeOnComplete: { age: 86_400 },
  removeOnFail: { age: 86_400 },
} as const;

/** Bare BullMQ on the same Redis: two worker processes that return the job data, no Weft. */
async function rawBullmq(socket: string): Promise<{
  pids: number[];
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
    const job = await queue.add('j', { x: id++ }, SAME_JOB_OPTIONS);
    await job.waitUntilFinished(events);
  };
  return {
    pids: children.map((c) => c.pid as number),
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

/** Median CPU per node of all processes. */
function total(k: Costs): number {
  return median(k.coordinator) + median(k.workers) + median(k.redis);
}

function newCosts(): Costs {
  return { coordinator: [], workers: [], redis: [], commands: [] };
}

async function overhead(): Promise<void> {
  const cluster = await startLocalCluster({
    modules: WORKLOADS_MODULE,
    workers: 2,
    worker: { stdio: 'ignore' },
  });
  const raw = await rawBullmq(cluster.redis.socket);
  const client = new Redis({ path: cluster.redis.socket });
  try {
    const sequential = new SequentialRunner();
    const workloads = [chain(100), fan(200), cpu(8, 250)];
    const rawRun: Record<string, ((n: number) => Promise<number>) | undefined> = {
      chain: raw.chain,
      fan: raw.fan,
    };
    console.log(
      '1. Per-node overhead. DistributedRunner: 2 weft-worker processes (concurrency 1 each), redis-server on a Unix socket, ' +
        'shared storage on local disk; baseline "bare BullMQ": 2 worker processes returning the job data, same Redis, connection settings and job options (attempts, size limit, retention). ' +
        `Node ${process.version} (AsyncLocalStorage on ${alsImplementation()}); ${machineLoad()} at start; ${ROUNDS} rounds, interleaved, medians.\n`,
    );
    for (const w of [chain(20), fan(20), cpu(2, 10)]) {
      await timeRun(sequential, w.pipeline, w.inputs());
      await timeRun(cluster.runner, w.pipeline, w.inputs());
      await rawRun[w.kind]?.(w.nodes);
    }
    const samples = new Map(
      workloads.map((w) => [w.id, { seq: [] as number[], dist: [] as number[], raw: [] as number[] }]),
    );
    const costs = new Map<string, { dist: Costs; raw: Costs }>();
    const distPids = { workers: cluster.workers.map((w) => w.pid), redis: cluster.redis.pid };
    const rawPids = { workers: raw.pids, redis: cluster.redis.pid };
    for (let round = 0; round < ROUNDS; round++) {
      for (const w of workloads) {
        const s = samples.get(w.id) as { seq: number[]; dist: number[]; raw: number[] };
        s.seq.push(await timeRun(sequential, w.pipeline, w.inputs()));
        const r = rawRun[w.kind];
        if (r === undefined) {
          s.dist.push(await timeRun(cluster.runner, w.pipeline, w.inputs()));
          continue;
        }
        let c = costs.get(w.id);
        if (c === undefined) {
          c = { dist: newCosts(), raw: newCosts() };
          costs.set(w.id, c);
        }
        s.dist.push(
          await measured(c.dist, w.nodes, distPids, client, () =>
            timeRun(cluster.runner, w.pipeline, w.inputs()),
          ),
        );
        s.raw.push(await measured(c.raw, w.nodes, rawPids, client, () => r(w.nodes)));
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
        'Dist/BullMQ (budget ≤ 1.30)',
        'speed-up Seq/Dist',
      ],
      rows,
    );
    console.log(
      '\n2. Where a node goes: CPU µs per node of each process, and Redis commands per node (medians).\n',
    );
    const costRows: string[][] = [];
    for (const [id, c] of costs) {
      for (const [label, k] of [
        ['bare BullMQ', c.raw],
        ['DistributedRunner', c.dist],
      ] as const) {
        costRows.push([
          id,
          label,
          fmt(median(k.coordinator), 0),
          fmt(median(k.workers), 0),
          fmt(median(k.redis), 0),
          fmt(total(k), 0),
          label === 'bare BullMQ' ? '–' : `${fmt(total(c.dist) / total(c.raw), 2)}x`,
          fmt(median(k.commands), 1),
        ]);
      }
    }
    printTable(
      [
        'workload',
        'side',
        'coordinator µs',
        'workers µs',
        'redis-server µs',
        'total CPU µs',
        'CPU Dist/BullMQ',
        'Redis commands',
      ],
      costRows,
    );
    console.log(`\n(${machineLoad()} at the end)`);
  } finally {
    client.disconnect();
    await raw.close();
    await cluster.close();
  }
}

async function grouping(): Promise<void> {
  const CHAINS = 20;
  const LENGTH = 50;
  let cluster: LocalCluster | undefined;
  const extra: DistributedRunner[] = [];
  try {
    cluster = await startLocalCluster({
      modules: WORKLOADS_MODULE,
      workers: 2,
      worker: { stdio: 'ignore', concurrency: 10 },
      runner: { queue: 'grouping' },
    });
    const c = cluster;
    const make = (
      options: Partial<ConstructorParameters<typeof DistributedRunner>[0]>,
      queue = 'grouping',
    ) => {
      const r = new DistributedRunner({
        module: c.runner.modules,
        redis: c.redis.socket,
        storage: c.storage,
        queue,
        maxInFlight: 64,
        ...options,
      });
      extra.push(r);
      return r;
    };
    const perNode = make({});
    const declared = make({ groupNodes: 'auto' });
    const measuredRunner = make({ groupNodes: 'auto' });
    const cases = [
      { label: 'wait 1 ms', fn: wait1 },
      { label: 'spin 1 ms (CPU)', fn: spin1 },
    ];
    console.log(
      `\n3. Node grouping: ${CHAINS * LENGTH} nodes of ~1 ms in ${CHAINS} chains of ${LENGTH}, 2 weft-worker processes of concurrency 10, maxInFlight 64. ` +
        "One job per node against groupNodes 'auto' (costs declared with costMs: 1, or measured on the run before); " +
        `${ROUNDS} rounds, interleaved, medians.\n`,
    );
    const inputs = chainInputs(CHAINS);
    const rows: string[][] = [];
    for (const { label, fn } of cases) {
      const plain = chains(fn, CHAINS, LENGTH);
      const withCost = chains(fn, CHAINS, LENGTH, 1);
      // Warm-up; the first runs also measure each node's duration for the 'measured' runner.
      await timeRun(perNode, plain, inputs);
      await timeRun(declared, withCost, inputs);
      await timeRun(measuredRunner, plain, inputs);
      const t = { perNode: [] as number[], declared: [] as number[], measured: [] as number[] };
      for (let round = 0; round < ROUNDS; round++) {
        t.perNode.push(await timeRun(perNode, plain, inputs));
        t.declared.push(await timeRun(declared, withCost, inputs));
        t.measured.push(await timeRun(measuredRunner, plain, inputs));
      }
      const base = median(t.perNode);
      rows.push([
        label,
        fmt(base, 0),
        fmt(median(t.declared), 0),
        `${fmt(base / median(t.declared), 1)}x`,
        fmt(median(t.measured), 0),
        `${fmt(base / median(t.measured), 1)}x`,
      ]);
    }
    printTable(
      [
        'nodes',
        'one job per node ms',
        'auto (costMs) ms',
        'speed-up (budget ≥ 5 for waiting nodes)',
        'auto (measured) ms',
        'speed-up',
      ],
      rows,
    );
  } finally {
    await Promise.all(extra.map((r) => r.close()));
    await cluster?.close();
  }
}

async function main(): Promise<void> {
  if (await runPerNodeLine(import.meta.url)) return;
  if (findRedisServer() === undefined) {
    console.error(`bench:distributed needs redis-server: ${REDIS_INSTALL_HINT}.`);
    process.exitCode = 1;
    return;
  }
  const only = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
  if (only === undefined || only === 'overhead') await overhead();
  if (only === undefined || only === 'grouping') await grouping();
}

await main();
