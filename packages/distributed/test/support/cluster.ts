/**
 * Test support: a real cluster (redis-server on a Unix socket in a temporary folder, two
 * `weft-worker` processes running from the TypeScript sources), and the rule for a missing
 * `redis-server`: skipped with an install message locally, a failure under `CI=true`.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  DistributedRunner,
  type DistributedRunnerOptions,
  findRedisServer,
  type LocalCluster,
  type LocalClusterOptions,
  REDIS_INSTALL_HINT,
  spawnWorker,
  startLocalCluster,
  type WorkerProcess,
} from '../../src/index.js';

/** The module the workers serve. */
export const NODES_MODULE = new URL('../fixtures/nodes.ts', import.meta.url).href;

/** True when the integration tests are skipped (no redis-server here, and not in CI). */
export const skipWithoutRedis = findRedisServer() === undefined && process.env.CI !== 'true';

if (skipWithoutRedis) {
  console.warn(
    `\n[@weft/distributed] redis-server not found: skipping the integration tests. To run them, ${REDIS_INSTALL_HINT}.\n`,
  );
}

/** Timeout for tests and hooks that start processes. */
export const SLOW = 60_000;

/** A cluster plus helpers. */
export interface TestCluster extends LocalCluster {
  /** A further runner on the same cluster, with extra options (closed by `close()`). */
  makeRunner(options?: Partial<DistributedRunnerOptions>): DistributedRunner;
  /** A plain Redis client on the cluster's Redis (closed by `close()`). */
  readonly client: Redis;
  /** The BullMQ prefix the cluster uses. */
  readonly prefix: string;
  /** Waits for worker `pid` to be gone, then starts another with the same options in its place. */
  restartWorker(pid: number): Promise<WorkerProcess>;
}

/** Starts Redis and two workers serving the fixtures module (each job's output collected, not printed). */
export async function startTestCluster(options: Partial<LocalClusterOptions> = {}): Promise<TestCluster> {
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const cluster = await startLocalCluster({
    modules: NODES_MODULE,
    workers: 2,
    ...options,
    runner: { prefix, ...options.runner },
    // A loaded machine (2 cores, a Prefect server, other suites) may take long to start a worker.
    worker: { stdio: 'pipe', readyTimeoutMs: 180_000, ...options.worker },
  });
  const client = new Redis({ path: cluster.redis.socket, lazyConnect: true });
  await client.connect();
  const extra: DistributedRunner[] = [];
  const close = async () => {
    await Promise.all(extra.map((r) => r.close()));
    client.disconnect();
    await cluster.close();
  };
  return {
    ...cluster,
    client,
    prefix,
    makeRunner(more = {}) {
      const runner = new DistributedRunner({
        module: NODES_MODULE,
        redis: cluster.redis.socket,
        storage: cluster.storage,
        prefix,
        ...more,
      });
      extra.push(runner);
      return runner;
    },
    async restartWorker(pid) {
      const workers = cluster.workers as WorkerProcess[];
      const at = workers.findIndex((w) => w.pid === pid);
      if (at === -1) throw new Error(`no worker ${pid} in this cluster`);
      await workers[at]?.exited;
      const worker = await spawnWorker({
        redis: cluster.redis.socket,
        storage: cluster.storage,
        modules: [NODES_MODULE],
        prefix,
        ...(options.runner?.queue === undefined ? {} : { queue: options.runner.queue }),
        stdio: 'pipe',
        readyTimeoutMs: 180_000,
        ...options.worker,
      });
      workers[at] = worker;
      return worker;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Every string value stored in Redis (all keys, all types), for "never stored" checks. */
export async function everythingInRedis(client: Redis): Promise<string> {
  const parts: string[] = [];
  for (const key of await client.keys('*')) {
    parts.push(key);
    const type = await client.type(key);
    if (type === 'string') parts.push((await client.get(key)) ?? '');
    else if (type === 'hash') parts.push(...Object.entries(await client.hgetall(key)).flat());
    else if (type === 'list') parts.push(...(await client.lrange(key, 0, -1)));
    else if (type === 'set') parts.push(...(await client.smembers(key)));
    else if (type === 'zset') parts.push(...(await client.zrange(key, 0, -1)));
    else if (type === 'stream') {
      for (const [id, fields] of await client.xrange(key, '-', '+')) parts.push(id, ...fields);
    }
  }
  return parts.join('\n');
}
