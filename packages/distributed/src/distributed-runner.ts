/**
 * `DistributedRunner`: node functions run as BullMQ jobs on `weft-worker` processes (any number,
 * on any machine that reaches Redis and the shared storage); hooks, dataset I/O and scheduling
 * stay with the coordinator (the process that called `run()`), in each node's context.
 *
 * @module
 */

import { access, mkdir, readFile } from 'node:fs/promises';
import type { ContextFilter } from '@weft/contextvars';
import { decodeThrown, type ThrownValue } from '@weft/executor';
import { AbstractRunner, describeError, type Execution, type Node, type RunSetup } from '@weft/runner';
import { type JobsOptions, Queue } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { buildEnvelope, DEFAULT_MAX_CONTEXT_BYTES } from './context-envelope.js';
import { placeDatasetsBetweenNodes } from './datasets-between-nodes.js';
import {
  DistributedConfigError,
  JobSubmitError,
  NodeDataTransferError,
  NoWorkersError,
  RemoteJobError,
} from './errors.js';
import { JobWaiter } from './job-waiter.js';
import { type FunctionRef, resolveNodeFunctions, toModuleUrl } from './node-functions.js';
import { JOB_VERSION, jobIdOf, type NodeJobData, runKeyOf } from './node-job.js';
import { connectionOptions, describeRedis, type RedisLocation } from './redis-connection.js';
import { type OutageLogger, RedisOutageWatch, STDERR_LOGGER } from './redis-outage.js';
import {
  encodeValue,
  jobFiles,
  jobsDir,
  readValue,
  remove,
  removeFile,
  runDir,
  storageRoot,
  writeAtomic,
} from './shared-storage.js';

/** How often a node's job is tried, and how long to wait between tries. */
export interface RetryPolicy {
  /** Total tries (1 = no retry, Kedro's behaviour and the default). */
  attempts: number;
  /** Wait before a retry: a fixed delay in ms, or BullMQ's fixed/exponential backoff. */
  backoff?: number | { type: 'fixed' | 'exponential'; delayMs: number; jitter?: number };
}

/** Options of {@link DistributedRunner}. */
export interface DistributedRunnerOptions {
  /**
   * The module (or modules) whose exports are the node functions, as for `ParallelRunner`:
   * `import.meta.url` inside the pipeline's module, `new URL('./pipeline.js', import.meta.url)`, or
   * an absolute path. Workers must serve the same module URLs (`weft-worker --module`).
   */
  module: string | URL | readonly (string | URL)[];
  /** Where Redis is: a `redis://` URL, the path of a Unix socket, or ioredis options. */
  redis: RedisLocation;
  /**
   * Shared storage: an absolute path (or `file:` URL) of a folder the coordinator and every worker
   * can read and write (the same folder; a network mount on several machines). A node's arguments
   * and result travel through it, and the datasets between nodes the catalog does not define live
   * in it.
   */
  storage: string | URL;
  /** BullMQ queue name. Default `weft-nodes`. */
  queue?: string;
  /** BullMQ key prefix in Redis. Default `weft`. */
  prefix?: string;
  /** Most nodes in flight (submitted and not finished) at once. Default 32; capped at what the pipeline can use. */
  maxInFlight?: number;
  /** Retries of node jobs: one policy for all, or per node (return undefined for the default). Default: no retry. */
  retry?: RetryPolicy | ((node: Node) => RetryPolicy | undefined);
  /** Context filter used when `run()` is not given one (`RunOptions.contextFilter` wins). */
  contextFilter?: ContextFilter;
  /** Cap of the context envelope in a job, in bytes. Default 16 KiB. */
  maxContextBytes?: number;
  /** Cap of a job's whole payload (BullMQ `sizeLimit`), in bytes. Default 64 KiB. */
  maxJobBytes?: number;
  /** Fail a run before it starts when no worker listens on the queue. Default true. */
  requireWorkers?: boolean;
  /** How often jobs whose completion event was missed are looked up, in ms. Default 5000. */
  pollIntervalMs?: number;
  /** How long finished jobs stay in Redis (a restarted coordinator re-attaches to them), in seconds. Default 1 day. */
  keepJobsSeconds?: number;
  /**
   * Where a Redis outage is reported: one `warn` when Redis stops answering, one `info` when it
   * answers again (the reconnect errors in between are counted, not printed). Runs wait for Redis
   * meanwhile and go on when it is back (bound them with `timeoutMs`). Default: stderr.
   */
  logger?: OutageLogger;
}

interface Connected {
  readonly redis: Redis;
  readonly watch: RedisOutageWatch;
  readonly queue: Queue;
  readonly waiter: JobWaiter;
}

const DEFAULT_MAX_IN_FLIGHT = 32;
const DEFAULT_MAX_JOB_BYTES = 64 * 1024;

function positiveInteger(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  throw new DistributedConfigError(
    'ERR_DISTRIBUTED_OPTIONS',
    `DistributedRunner: '${name}' must be a positive integer, got ${JSON.stringify(value) ?? String(value)}.`,
  );
}

function checkRetry(policy: RetryPolicy, where: string): JobsOptions {
  if (
    policy === null ||
    typeof policy !== 'object' ||
    !Number.isInteger(policy.attempts) ||
    policy.attempts < 1
  ) {
    throw new DistributedConfigError(
      'ERR_DISTRIBUTED_OPTIONS',
      `DistributedRunner: ${where} must be { attempts: positive integer, backoff? }, got ${JSON.stringify(policy)}.`,
    );
  }
  const { backoff } = policy;
  if (backoff === undefined) return { attempts: policy.attempts };
  if (typeof backoff === 'number' && backoff >= 0) return { attempts: policy.attempts, backoff };
  if (
    typeof backoff === 'object' &&
    backoff !== null &&
    (backoff.type === 'fixed' || backoff.type === 'exponential') &&
    backoff.delayMs >= 0
  ) {
    return {
      attempts: policy.attempts,
      backoff: {
        type: backoff.type,
        delay: backoff.delayMs,
        ...(backoff.jitter === undefined ? {} : { jitter: backoff.jitter }),
      },
    };
  }
  throw new DistributedConfigError(
    'ERR_DISTRIBUTED_OPTIONS',
    `DistributedRunner: ${where}.backoff must be a delay in ms or { type: 'fixed' | 'exponential', delayMs, jitter? }, got ${JSON.stringify(backoff)}.`,
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function messageOf(error: unknown): string {
  return describeError(error);
}

const NO_ERROR_FILE: unique symbol = Symbol('no error file');

/**
 * The error a worker recorded for a node's job (`<jobId>.error.json`), rebuilt with its name,
 * message, stack, code, cause and own properties. Whatever the file holds, this never throws: a
 * record that cannot be rebuilt becomes a {@link RemoteJobError} naming the node and the job.
 * Resolves to {@link NO_ERROR_FILE} when there is no such file.
 */
export async function readNodeError(
  path: string,
  node: string,
  jobId: string,
): Promise<unknown | typeof NO_ERROR_FILE> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return NO_ERROR_FILE;
  }
  try {
    return decodeThrown(JSON.parse(text) as ThrownValue);
  } catch (error) {
    return new RemoteJobError(
      'ERR_JOB_ERROR_UNREADABLE',
      `The job of node '${node}' (${jobId}) failed, but the error its worker recorded in ${path} cannot be rebuilt: ${describeError(error)}.`,
      node,
      jobId,
      { cause: error },
    );
  }
}

/**
 * Runs each node's function as one BullMQ job on `weft-worker` processes, which may be on other
 * machines. It is built on the runners' common scheduler, like `ParallelRunner` on worker threads:
 * the coordinator (the process calling `run()`) schedules nodes, loads and saves datasets and
 * calls every hook inside the node's context; only the function runs remotely. Its arguments go to
 * the worker and its result comes back through shared storage (V8 serialization, written
 * atomically), never through Redis.
 *
 * The job carries the node's context: a versioned envelope with the propagatable context variables
 * (after the run's `contextFilter`, capped by `maxContextBytes`) and, when OpenTelemetry is set up,
 * the W3C `traceparent`/`baggage`. It is built inside the node's task, after `beforeNodeRun`, so
 * what the hooks bound (the Prefect task run) reaches the function on the worker.
 *
 * Data between nodes must live in shared storage: a `MemoryDataset` in the catalog that one node
 * writes and another reads is refused before anything runs; such datasets that the catalog does
 * not define are kept by the runner under `<storage>/runs/<run>/datasets/`.
 *
 * Job ids are `<runId>__<node>`: a coordinator restarted with the same `runId` re-attaches to jobs
 * that are still running or already done instead of running them again. Execution is
 * at-least-once: a worker that dies mid-node has its job picked up again by another worker once
 * its lock expires (BullMQ's stalled-job check), so node functions must be idempotent.
 *
 * @example
 * ```ts
 * await using runner = new DistributedRunner({
 *   module: new URL('./pipeline.js', import.meta.url),
 *   redis: 'redis://127.0.0.1:6379',
 *   storage: '/mnt/shared/weft',
 * });
 * const outputs = await runner.run(pipeline, catalog, { runId: 'nightly-2024-06-01' });
 * ```
 */
export class DistributedRunner extends AbstractRunner {
  /** Module URLs searched for node functions. */
  readonly modules: readonly string[];
  /** Absolute path of the shared storage folder. */
  readonly storage: string;
  /** BullMQ queue name. */
  readonly queueName: string;
  /** BullMQ key prefix. */
  readonly prefix: string;
  readonly #connection: RedisOptions & { url?: string };
  readonly #maxInFlight: number;
  readonly #retry: DistributedRunnerOptions['retry'];
  readonly #contextFilter: ContextFilter | undefined;
  readonly #maxContextBytes: number;
  readonly #maxJobBytes: number;
  readonly #requireWorkers: boolean;
  readonly #pollMs: number;
  readonly #keepSeconds: number;
  readonly #logger: OutageLogger;
  #connected: Promise<Connected> | undefined;

  constructor(options: DistributedRunnerOptions) {
    super();
    if (options === null || typeof options !== 'object') {
      throw new DistributedConfigError(
        'ERR_DISTRIBUTED_OPTIONS',
        'DistributedRunner needs options: { module, redis, storage }.',
      );
    }
    if (options.module === undefined) {
      throw new DistributedConfigError(
        'ERR_DISTRIBUTED_OPTIONS',
        "DistributedRunner needs the module that exports the node functions: { module: import.meta.url } in the pipeline's module, or new URL('./pipeline.js', import.meta.url).",
      );
    }
    const list = Array.isArray(options.module) ? options.module : [options.module];
    this.modules = list.map((m) => toModuleUrl(m, 'DistributedRunner'));
    this.#connection = connectionOptions(options.redis, 'DistributedRunner');
    this.storage = storageRoot(options.storage, 'DistributedRunner');
    this.queueName = options.queue ?? 'weft-nodes';
    this.prefix = options.prefix ?? 'weft';
    for (const [name, value] of [
      ['queue', this.queueName],
      ['prefix', this.prefix],
    ] as const) {
      if (typeof value !== 'string' || value === '' || value.includes(':')) {
        throw new DistributedConfigError(
          'ERR_DISTRIBUTED_OPTIONS',
          `DistributedRunner: '${name}' must be a non-empty string without ':', got ${JSON.stringify(value)}.`,
        );
      }
    }
    this.#maxInFlight = positiveInteger(options.maxInFlight, 'maxInFlight') ?? DEFAULT_MAX_IN_FLIGHT;
    if (options.retry !== undefined && typeof options.retry !== 'function')
      checkRetry(options.retry, "'retry'");
    this.#retry = options.retry;
    this.#contextFilter = options.contextFilter;
    this.#maxContextBytes =
      positiveInteger(options.maxContextBytes, 'maxContextBytes') ?? DEFAULT_MAX_CONTEXT_BYTES;
    this.#maxJobBytes = positiveInteger(options.maxJobBytes, 'maxJobBytes') ?? DEFAULT_MAX_JOB_BYTES;
    this.#requireWorkers = options.requireWorkers !== false;
    this.#pollMs = positiveInteger(options.pollIntervalMs, 'pollIntervalMs') ?? 5000;
    this.#keepSeconds = positiveInteger(options.keepJobsSeconds, 'keepJobsSeconds') ?? 86_400;
    this.#logger = options.logger ?? STDERR_LOGGER;
  }

  /** Closes the Redis connections (waits for nothing remote). Later runs connect again. */
  async close(): Promise<void> {
    const connected = this.#connected;
    this.#connected = undefined;
    if (connected === undefined) return;
    let c: Connected;
    try {
      c = await connected;
    } catch {
      return;
    }
    c.watch.close();
    await c.waiter.close();
    await c.queue.close();
    c.redis.disconnect();
  }

  /** Same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #connect(): Promise<Connected> {
    this.#connected ??= (async () => {
      const { url, ...rest } = this.#connection;
      // Commands wait for Redis through an outage (connect() still fails at once when it is not there).
      const options: RedisOptions = { ...rest, maxRetriesPerRequest: null, lazyConnect: true };
      const redis = url === undefined ? new Redis(options) : new Redis(url, options);
      const logger = this.#logger;
      const watch = new RedisOutageWatch({
        who: 'DistributedRunner',
        where: describeRedis(this.#connection),
        connection: this.#connection,
        logger,
        onOtherError: (error) =>
          logger.warn(`DistributedRunner: Redis client error: ${describeError(error)}`),
      });
      redis.on('error', watch.handle);
      let queue: Queue | undefined;
      try {
        await redis.connect();
        queue = new Queue(this.queueName, { connection: redis, prefix: this.prefix });
        // Without a listener, BullMQ prints every reconnect error with its stack.
        queue.on('error', watch.handle);
        await queue.waitUntilReady();
        const waiter = await JobWaiter.open(queue, redis, this.#connection, this.#pollMs, watch.handle);
        return { redis, watch, queue, waiter };
      } catch (error) {
        watch.close();
        await queue?.close().catch(() => {});
        redis.disconnect();
        throw new DistributedConfigError(
          'ERR_REDIS_CONNECT',
          `DistributedRunner cannot reach Redis at ${describeRedis(this.#connection)}: ${messageOf(error)}`,
          { cause: error },
        );
      }
    })();
    const pending = this.#connected;
    pending.catch(() => {
      if (this.#connected === pending) this.#connected = undefined;
    });
    return pending;
  }

  #jobOptions(node: Node): JobsOptions {
    const policy = typeof this.#retry === 'function' ? this.#retry(node) : this.#retry;
    const retry =
      policy === undefined ? { attempts: 1 } : checkRetry(policy, `the retry policy of node '${node.name}'`);
    return {
      ...retry,
      sizeLimit: this.#maxJobBytes,
      removeOnComplete: { age: this.#keepSeconds },
      removeOnFail: { age: this.#keepSeconds },
    };
  }

  protected async _prepare({ pipeline, catalog, runId, options }: RunSetup): Promise<Execution> {
    const refs = await resolveNodeFunctions(pipeline.nodes, this.modules);
    const runKey = runKeyOf(runId);
    placeDatasetsBetweenNodes(pipeline, catalog, this.storage, runKey);
    const jobOptions = new Map<Node, JobsOptions>();
    for (const n of pipeline.nodes) jobOptions.set(n, this.#jobOptions(n));
    const { queue, waiter } = await this.#connect();
    if (this.#requireWorkers && (await queue.getWorkersCount()) === 0) {
      throw new NoWorkersError(
        'ERR_NO_WORKERS',
        `DistributedRunner: no weft-worker is listening on queue '${this.queueName}' (prefix '${this.prefix}') at ${describeRedis(this.#connection)}. ` +
          `Start one with: weft-worker --redis <redis> --storage ${this.storage} --queue ${this.queueName} --prefix ${this.prefix} ${this.modules.map((m) => `--module ${m}`).join(' ')} ` +
          '(or pass requireWorkers: false to queue jobs for workers that start later).',
      );
    }
    await mkdir(jobsDir(this.storage), { recursive: true });
    const filter = options.contextFilter ?? this.#contextFilter;
    const maxBytes = this.#maxContextBytes;
    // A generated run id cannot have jobs from an earlier coordinator: skip the look-up.
    const mayExist = options.runId !== undefined;
    const submitted = new Set<string>();
    const inFlight = new Set<string>();
    const storage = this.storage;
    const jobName = (node: Node) => node.name;

    const invoke = (node: Node, args: unknown[]): Promise<unknown> => {
      // Inside the node's context, after beforeNodeRun: this is the context the worker restores.
      const ctx = buildEnvelope({ runId, node: node.name, filter, maxBytes });
      const ref = refs.get(node) as FunctionRef;
      const jobId = jobIdOf(runKey, node.name);
      const files = jobFiles(storage, jobId);
      let argBytes: Buffer;
      try {
        argBytes = encodeValue(args);
      } catch (error) {
        throw new NodeDataTransferError(
          'ERR_NODE_ARGS_UNSERIALIZABLE',
          `The inputs of node '${node.name}' cannot be sent to a worker: ${messageOf(error)}. Node inputs must survive structured cloning (no functions, sockets or class instances with private state).`,
          node.name,
          { cause: error },
        );
      }
      const data: NodeJobData = {
        v: JOB_VERSION,
        runId,
        node: node.name,
        module: ref.moduleUrl,
        export: ref.exportName,
        streaming: node.streaming,
        ctx,
      };
      const readResult = async (): Promise<unknown> => {
        try {
          return await readValue(files.result);
        } catch (error) {
          throw new NodeDataTransferError(
            'ERR_NODE_RESULT_UNREADABLE',
            `The result of node '${node.name}' cannot be read from ${files.result}: ${messageOf(error)}`,
            node.name,
            { cause: error },
          );
        }
      };
      return (async () => {
        try {
          await writeAtomic(files.args, argBytes);
        } catch (error) {
          throw new NodeDataTransferError(
            'ERR_STORAGE_WRITE',
            `The inputs of node '${node.name}' cannot be written to shared storage (${files.args}): ${messageOf(error)}`,
            node.name,
            { cause: error },
          );
        }
        submitted.add(jobId);
        if (mayExist) {
          const existing = await queue.getJob(jobId);
          if (existing !== undefined && existing !== null) {
            const state = await existing.getState();
            if (state === 'completed' && (await exists(files.result))) return readResult();
            if (state === 'completed' || state === 'failed') {
              // Submitted anew below, with this run's context; the old job's error must not linger.
              await existing.remove();
              await removeFile(files.error);
            } else {
              const attached = waiter.wait(jobId);
              waiter.added(jobId);
              await waiter.check(jobId);
              return settle(await attached);
            }
          }
        }
        const outcome = waiter.wait(jobId);
        try {
          await queue.add(jobName(node), data, { ...jobOptions.get(node), jobId });
        } catch (error) {
          waiter.forget(jobId);
          const message = messageOf(error);
          if (/exceeds the limit/.test(message)) {
            throw new JobSubmitError(
              'ERR_JOB_TOO_LARGE',
              `The job of node '${node.name}' is over the per-job size limit of ${this.#maxJobBytes} bytes (maxJobBytes): ${message}. Jobs carry names and the context only; deny large context variables with contextFilter.`,
              node.name,
              { cause: error },
            );
          }
          throw new JobSubmitError(
            'ERR_JOB_SUBMIT',
            `The job of node '${node.name}' could not be submitted to Redis at ${describeRedis(this.#connection)}: ${message}`,
            node.name,
            { cause: error },
          );
        }
        waiter.added(jobId);
        inFlight.add(jobId);
        try {
          return await settle(await outcome);
        } finally {
          inFlight.delete(jobId);
        }
      })();

      async function settle(end: Awaited<ReturnType<JobWaiter['wait']>>): Promise<unknown> {
        if (end.state === 'completed') return readResult();
        if (end.state === 'failed') {
          const recorded = await readNodeError(files.error, node.name, jobId);
          if (recorded !== NO_ERROR_FILE) throw recorded;
          throw new RemoteJobError(
            'ERR_JOB_FAILED',
            `The job of node '${node.name}' (${jobId}) failed without a node error: ${end.failedReason || 'no reason given'}.`,
            node.name,
            jobId,
          );
        }
        throw new RemoteJobError(
          'ERR_JOB_MISSING',
          `The job of node '${node.name}' (${jobId}) disappeared from Redis before it finished (removed by another client, or Redis lost its data).`,
          node.name,
          jobId,
        );
      }
    };

    return {
      slots: Math.min(
        this.#maxInFlight,
        Math.max(1, pipeline.nodes.length - pipeline.groupedNodes.length + 1),
      ),
      invoke,
      close: async (abandon, failed) => {
        if (abandon) {
          for (const jobId of inFlight) {
            waiter.forget(jobId);
            // Jobs not started yet are withdrawn; running ones finish on their worker, unobserved.
            await queue.remove(jobId).catch(() => 0);
          }
        }
        if (!failed) {
          await Promise.all(
            [...submitted].flatMap((jobId) => {
              const files = jobFiles(storage, jobId);
              return [removeFile(files.args), removeFile(files.result), removeFile(files.error)];
            }),
          );
          await remove(runDir(storage, runKey));
        }
      },
    };
  }
}
