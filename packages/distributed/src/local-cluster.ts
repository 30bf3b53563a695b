/**
 * `startLocalCluster`: a whole distributed set-up on this machine (a throw-away Redis, shared
 * storage in a temporary folder, N `weft-worker` processes, a connected `DistributedRunner`), for
 * demos, tests and trying things out.
 *
 * @module
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistributedRunner, type DistributedRunnerOptions } from './distributed-runner.js';
import { DistributedConfigError } from './errors.js';
import { toModuleUrl } from './node-functions.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { remove } from './shared-storage.js';
import { type SpawnWorkerOptions, spawnWorker, type WorkerProcess } from './worker-process.js';

/** Options of {@link startLocalCluster}. */
export interface LocalClusterOptions {
  /** The module(s) whose exports are the node functions (as for `DistributedRunner`). */
  modules: string | URL | readonly (string | URL)[];
  /** Worker processes. Default 2. */
  workers?: number;
  /** Shared storage folder. Default: a new temporary folder, removed by `close()`. */
  storage?: string;
  /** Further runner options. */
  runner?: Omit<DistributedRunnerOptions, 'module' | 'redis' | 'storage'>;
  /** Further worker options (each worker gets them). */
  worker?: Pick<
    SpawnWorkerOptions,
    | 'concurrency'
    | 'lockDurationMs'
    | 'stalledIntervalMs'
    | 'maxStalledCount'
    | 'maxEnvelopeBytes'
    | 'shutdownGraceMs'
    | 'codeVersion'
    | 'localLogs'
    | 'logFlushMs'
    | 'imports'
    | 'env'
    | 'stdio'
    | 'typescript'
    | 'readyTimeoutMs'
  >;
}

/** A running local cluster. */
export interface LocalCluster {
  /** A runner connected to the cluster. */
  readonly runner: DistributedRunner;
  /** The Redis server. */
  readonly redis: RedisServer;
  /** The worker processes. */
  readonly workers: readonly WorkerProcess[];
  /** The shared storage folder. */
  readonly storage: string;
  /** Stops the workers (after their running jobs), the runner's connections and Redis, and removes temporary folders. */
  close(): Promise<void>;
  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts Redis (`redis-server` on a Unix socket in a temporary folder), `workers` `weft-worker`
 * processes serving `modules`, and a `DistributedRunner` pointed at them. Everything it started is
 * stopped by `close()`, also when starting fails half-way.
 *
 * @example
 * ```ts
 * await using cluster = await startLocalCluster({ modules: new URL('./pipeline.js', import.meta.url) });
 * const outputs = await cluster.runner.run(pipeline, catalog);
 * ```
 * @throws {RedisServerError} when `redis-server` is not installed (the message says how to get it).
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const count = options.workers ?? 2;
  if (!Number.isInteger(count) || count < 1) {
    throw new DistributedConfigError(
      'ERR_DISTRIBUTED_OPTIONS',
      `startLocalCluster: 'workers' must be a positive integer, got ${JSON.stringify(options.workers)}.`,
    );
  }
  const list = Array.isArray(options.modules) ? options.modules : [options.modules];
  const modules = list.map((m) => toModuleUrl(m, 'startLocalCluster'));
  const ownStorage = options.storage === undefined;
  const storage = options.storage ?? (await mkdtemp(join(tmpdir(), 'weft-storage-')));
  let redis: RedisServer | undefined;
  const workers: WorkerProcess[] = [];
  let runner: DistributedRunner | undefined;
  const close = async () => {
    await runner?.close();
    await Promise.all(workers.map((w) => w.stop()));
    await redis?.close();
    if (ownStorage) await remove(storage);
  };
  try {
    redis = await startRedisServer();
    const socket = redis.socket;
    const prefix = options.runner?.prefix;
    const queue = options.runner?.queue;
    const started = await Promise.allSettled(
      Array.from({ length: count }, () =>
        spawnWorker({
          redis: socket,
          storage,
          modules,
          ...(prefix === undefined ? {} : { prefix }),
          ...(queue === undefined ? {} : { queue }),
          ...options.worker,
        }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') workers.push(s.value);
    const failure = started.find((s) => s.status === 'rejected');
    if (failure !== undefined) throw (failure as PromiseRejectedResult).reason;
    const codeVersion = options.worker?.codeVersion;
    runner = new DistributedRunner({
      ...(codeVersion === undefined ? {} : { codeVersion }),
      ...options.runner,
      module: modules,
      redis: socket,
      storage,
    });
  } catch (error) {
    await close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  const closeOnce = () => {
    closing ??= close();
    return closing;
  };
  return { runner, redis, workers, storage, close: closeOnce, [Symbol.asyncDispose]: closeOnce };
}
