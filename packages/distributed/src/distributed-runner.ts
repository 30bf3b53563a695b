/**
 * `DistributedRunner`: node functions run as BullMQ jobs on `weft-worker` processes (any number,
 * on any machine that reaches Redis and the shared storage); hooks, dataset I/O and scheduling
 * stay with the coordinator (the process that called `run()`), in each node's context.
 *
 * @module
 */

import { mkdir } from 'node:fs/promises';
import type { ContextFilter } from '@weft/contextvars';
import { AbstractRunner, type Node } from '@weft/runner';
import { describeError, type Execution, type RunSetup } from '@weft/runner/extend';
import { type JobsOptions, Queue } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import {
  type CodeDetails,
  checkCodeVersion,
  fingerprintOf,
  moduleFingerprint,
  weftVersions,
} from './code-fingerprint.js';
import { DEFAULT_MAX_CONTEXT_BYTES } from './context-envelope.js';
import { placeDatasetsBetweenNodes } from './datasets-between-nodes.js';
import { DistributedConfigError, NoWorkersError } from './errors.js';
import { checkGroupNodes, type GroupNodesOption, NO_GROUPS, planGroups } from './group-plan.js';
import { JobWaiter } from './job-waiter.js';
import { type LogBridge, resolveLogBridge } from './log-bridge.js';
import { resolveNodeFunctions, toModuleUrl } from './node-functions.js';
import { runKeyOf } from './node-job.js';
import { connectionOptions, describeRedis, type RedisLocation } from './redis-connection.js';
import { type OutageLogger, RedisOutageWatch, STDERR_LOGGER } from './redis-outage.js';
import { RunSession } from './run-session.js';
import { jobsDir, remove, runDir, storageRoot } from './shared-storage.js';
import { codeKeyOf } from './worker.js';

export { readNodeError } from './run-session.js';

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
   * and result travel through it when they are larger than `inlineDataBytes`, and so do the large
   * values of the datasets between jobs that the catalog does not define.
   */
  storage: string | URL;
  /** BullMQ queue name. Default `weft-nodes`. */
  queue?: string;
  /** BullMQ key prefix in Redis. Default `weft`. */
  prefix?: string;
  /** Most nodes in flight (submitted and not finished) at once. Default 32; capped at what the pipeline can use. */
  maxInFlight?: number;
  /**
   * Retries of node jobs: one policy for all, or per node (return undefined for the default).
   * A node's own `retries`/`retryDelayMs` options win. Default: no retry.
   */
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
  /**
   * Run several nodes as one job on one worker (see {@link GroupNodesOption}): by top-level
   * namespace, by a function of the node, or `'auto'` (small nodes by declared or measured cost).
   * Hooks, context and log records stay per node. Default: one job per node.
   */
  groupNodes?: GroupNodesOption;
  /**
   * A job's inputs and results whose V8 serialization is at most this many bytes travel inline in
   * Redis (in the job and its completion); larger ones through shared storage. The datasets the
   * runner keeps between jobs stay in memory up to the same size. Default 16 KiB; 0 sends
   * everything through shared storage.
   */
  inlineDataBytes?: number;
  /**
   * The log channel: records logged on the workers arrive here (and go to this process's sinks:
   * console, run report, Prefect API). Default: through `@weft/prefect-bridge` when it can be
   * imported; `false` turns it off; or a {@link LogBridge} of another logging library.
   */
  logs?: LogBridge | false;
  /**
   * An id of the code (a release, a commit) added to the code fingerprint each job carries; the
   * workers must be started with the same `codeVersion`.
   */
  codeVersion?: string;
}

interface Connected {
  readonly redis: Redis;
  readonly watch: RedisOutageWatch;
  readonly queue: Queue;
  readonly waiter: JobWaiter;
}

const DEFAULT_MAX_IN_FLIGHT = 32;
const DEFAULT_MAX_JOB_BYTES = 64 * 1024;
/** Default of `inlineDataBytes`. */
export const DEFAULT_INLINE_DATA_BYTES = 16 * 1024;

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

function nonNegativeInteger(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new DistributedConfigError(
    'ERR_DISTRIBUTED_OPTIONS',
    `DistributedRunner: '${name}' must be a non-negative integer, got ${JSON.stringify(value) ?? String(value)}.`,
  );
}

/** The measured cost of each node (field `<node>`) lives in this hash, for `groupNodes: 'auto'`. */
function costKeyOf(prefix: string, queue: string): string {
  return `${prefix}:${queue}:weft:cost`;
}

/**
 * Runs each node's function as a BullMQ job on `weft-worker` processes, which may be on other
 * machines. It is built on the runners' common scheduler, like `ParallelRunner` on worker threads:
 * the coordinator (the process calling `run()`) schedules nodes, loads and saves datasets and
 * calls every hook inside the node's context; only the function runs remotely. Its arguments go to
 * the worker and its result comes back inline in Redis when small (`inlineDataBytes`), else
 * through shared storage (V8 serialization, written atomically).
 *
 * The job carries the node's context: a versioned envelope with the propagatable context variables
 * (after the run's `contextFilter`, capped by `maxContextBytes`) and, when OpenTelemetry is set up,
 * the W3C `traceparent`/`baggage`. It is built inside the node's task, after `beforeNodeRun`, so
 * what the hooks bound (the Prefect task run) reaches the function on the worker. What the node
 * logs there comes back through the log channel and reaches this process's sinks, in order, before
 * the node's `afterNodeRun`.
 *
 * Data between jobs must live in shared storage: a `MemoryDataset` in the catalog that one job
 * writes and another reads is refused before anything runs; such datasets that the catalog does
 * not define are kept by the runner (small values in memory, large ones under
 * `<storage>/runs/<run>/datasets/`). With `groupNodes`, nodes of one group run as one job and hand
 * their data over on the worker.
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
  readonly #groupNodes: GroupNodesOption | undefined;
  readonly #inlineBytes: number;
  readonly #logs: LogBridge | false | undefined;
  readonly #codeVersion: string | undefined;
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
    this.#groupNodes = checkGroupNodes(options.groupNodes);
    this.#inlineBytes =
      nonNegativeInteger(options.inlineDataBytes, 'inlineDataBytes') ?? DEFAULT_INLINE_DATA_BYTES;
    if (options.logs !== undefined && options.logs !== false) {
      const l = options.logs as Partial<LogBridge>;
      if (typeof l.deliver !== 'function' || typeof l.capture !== 'function') {
        throw new DistributedConfigError(
          'ERR_DISTRIBUTED_OPTIONS',
          "DistributedRunner: 'logs' must be false or a log bridge ({ name, capture, deliver, settle?, runIds? }).",
        );
      }
    }
    this.#logs = options.logs;
    try {
      this.#codeVersion = checkCodeVersion(options.codeVersion);
    } catch (error) {
      throw new DistributedConfigError(
        'ERR_DISTRIBUTED_OPTIONS',
        `DistributedRunner: ${(error as Error).message}.`,
      );
    }
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
          `DistributedRunner cannot reach Redis at ${describeRedis(this.#connection)}: ${describeError(error)}`,
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
    let retry: JobsOptions;
    if (node.retries > 0) {
      retry = {
        attempts: node.retries + 1,
        ...(node.retryDelayMs > 0
          ? { backoff: { type: 'fixed', delay: Math.round(node.retryDelayMs) } }
          : {}),
      };
    } else {
      const policy = typeof this.#retry === 'function' ? this.#retry(node) : this.#retry;
      retry =
        policy === undefined
          ? { attempts: 1 }
          : checkRetry(policy, `the retry policy of node '${node.name}'`);
    }
    return { ...retry, ...this.#retention() };
  }

  #retention(): JobsOptions {
    return {
      sizeLimit: this.#maxJobBytes,
      removeOnComplete: { age: this.#keepSeconds },
      removeOnFail: { age: this.#keepSeconds },
    };
  }

  /** What this process runs, for the code fingerprint of each job. */
  #codeDetails(): CodeDetails {
    const modules: Record<string, string> = {};
    for (const url of this.modules) modules[url] = moduleFingerprint(url);
    return {
      weft: weftVersions(),
      modules,
      ...(this.#codeVersion === undefined ? {} : { codeVersion: this.#codeVersion }),
    };
  }

  protected async _prepare({ pipeline, catalog, runId, options }: RunSetup): Promise<Execution> {
    const refs = await resolveNodeFunctions(pipeline.nodes, this.modules);
    const runKey = runKeyOf(runId);
    const { queue, waiter, redis } = await this.#connect();
    const auto = this.#groupNodes === 'auto' || typeof this.#groupNodes === 'object';
    let measuredBefore: Map<string, number> | undefined;
    if (auto) {
      measuredBefore = new Map();
      const names = pipeline.nodes.map((n) => n.name);
      const values =
        names.length === 0 ? [] : await redis.hmget(costKeyOf(this.prefix, this.queueName), ...names);
      names.forEach((name, i) => {
        const v = Number(values[i]);
        if (values[i] !== null && Number.isFinite(v)) measuredBefore?.set(name, v);
      });
    }
    const groups =
      this.#groupNodes === undefined
        ? NO_GROUPS
        : planGroups(pipeline, this.#groupNodes, (n) => measuredBefore?.get(n.name));
    placeDatasetsBetweenNodes(pipeline, catalog, this.storage, runKey, {
      groupOf: groups.groupOf,
      memoryBytes: this.#inlineBytes,
    });
    if (this.#requireWorkers && (await queue.getWorkersCount()) === 0) {
      throw new NoWorkersError(
        'ERR_NO_WORKERS',
        `DistributedRunner: no weft-worker is listening on queue '${this.queueName}' (prefix '${this.prefix}') at ${describeRedis(this.#connection)}. ` +
          `Start one with: weft-worker --redis <redis> --storage ${this.storage} --queue ${this.queueName} --prefix ${this.prefix} ${this.modules.map((m) => `--module ${m}`).join(' ')} ` +
          '(or pass requireWorkers: false to queue jobs for workers that start later).',
      );
    }
    await mkdir(jobsDir(this.storage), { recursive: true });
    const details = this.#codeDetails();
    // Each set of modules' fingerprint: a promise until its details are in Redis, then the
    // fingerprint itself (no await per job).
    const published = new Map<string, string | Promise<string>>();
    const codeFor = (modules: readonly string[]): string | Promise<string> => {
      const key = modules.length === 1 ? (modules[0] as string) : modules.join('\n');
      let known = published.get(key);
      if (known === undefined) {
        const code = fingerprintOf(details, modules);
        // The details stay in Redis as long as the jobs, so a worker can say what differs.
        const pending = redis
          .set(codeKeyOf(this.prefix, this.queueName, code), JSON.stringify(details), 'EX', this.#keepSeconds)
          .then(() => {
            published.set(key, code);
            return code;
          });
        // A failed publication is tried again by the next job.
        pending.catch(() => published.delete(key));
        known = pending;
        published.set(key, known);
      }
      return known;
    };
    const bridge = await resolveLogBridge(this.#logs);
    const measuredNow = new Map<string, number>();
    const session = new RunSession({
      pipeline,
      catalog,
      runId,
      runKey,
      refs,
      groups,
      queue,
      waiter,
      redis,
      storage: this.storage,
      filter: options.contextFilter ?? this.#contextFilter,
      maxContextBytes: this.#maxContextBytes,
      maxJobBytes: this.#maxJobBytes,
      inlineBytes: this.#inlineBytes,
      jobOptions: (node) => this.#jobOptions(node),
      groupJobOptions: { attempts: 1, ...this.#retention() },
      codeFor,
      bridge,
      slots: Math.min(
        this.#maxInFlight,
        Math.max(1, pipeline.nodes.length - pipeline.groupedNodes.length + 1),
      ),
      // A generated run id cannot have jobs from an earlier coordinator: skip the look-up.
      mayExist: options.runId !== undefined,
      report: (message) => (options.logger?.warn ?? ((m: string) => this.#logger.warn(m)))(message),
      measured: (node, ms) => {
        if (auto) measuredNow.set(node.name, ms);
      },
      describeRedis: describeRedis(this.#connection),
    });
    const execution = session.execution();
    return {
      ...execution,
      close: async (abandon, failed) => {
        await execution.close?.(abandon, failed);
        if (!failed) await remove(runDir(this.storage, runKey));
        if (measuredNow.size > 0) {
          const fields: string[] = [];
          for (const [name, ms] of measuredNow) fields.push(name, ms.toFixed(3));
          await redis.hset(costKeyOf(this.prefix, this.queueName), ...fields).catch(() => 0);
        }
      },
    };
  }
}
