/**
 * The worker side: `startWorker(...)` consumes node jobs from the queue, restores each job's
 * context, reads the node's arguments from shared storage, runs the function, and writes the
 * result (or the error) back to shared storage.
 *
 * @module
 */

import { hostname } from 'node:os';
import { encodeThrown } from '@weft/executor';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { DEFAULT_MAX_ENVELOPE_BYTES, restoreEnvelope, runInRestored } from './context-envelope.js';
import { DistributedConfigError, DistributedError, NodeDataTransferError, WorkerJobError } from './errors.js';
import { importModule, toModuleUrl } from './node-functions.js';
import { parseNodeJob } from './node-job.js';
import { connectionOptions, describeRedis, type RedisLocation } from './redis-connection.js';
import { type OutageLogger, RedisOutageWatch, STDERR_LOGGER } from './redis-outage.js';
import {
  encodeValue,
  type JobFiles,
  jobFiles,
  readValue,
  removeFile,
  storageRoot,
  writeAtomic,
} from './shared-storage.js';

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  /** Where Redis is: a `redis://` URL, the path of a Unix socket, or ioredis options. */
  redis: RedisLocation;
  /** The shared storage folder (the same folder the runner was given; it may be mounted elsewhere). */
  storage: string | URL;
  /**
   * The module(s) whose exported functions this worker runs (file URLs or absolute paths). They
   * are imported at start; jobs for other modules are refused.
   */
  modules: string | URL | readonly (string | URL)[];
  /** BullMQ queue name. Default `weft-nodes`. */
  queue?: string;
  /** BullMQ key prefix. Default `weft`. */
  prefix?: string;
  /** Jobs run at once by this worker (async nodes overlap; CPU-bound ones do not). Default 1. */
  concurrency?: number;
  /**
   * How long a job's lock lasts without renewal, in ms (renewed every half of it while the event
   * loop runs). A worker that dies mid-job has the job picked up again by another worker after
   * about this long. A node that blocks the event loop for longer is taken for dead. Default 30000.
   */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died, in ms. Default 30000. */
  stalledIntervalMs?: number;
  /** How often a job may be recovered from a dead worker before it fails. Default 1. */
  maxStalledCount?: number;
  /** Name of this worker (stored on the jobs it processes). Default `<host>:<pid>`. */
  name?: string;
  /**
   * Largest context envelope (the JSON of a job's `ctx`) this worker accepts, in bytes; a larger
   * one fails its job at once, unretried. Default 64 KiB (the coordinator's default job cap): raise
   * it with the coordinator's `maxContextBytes`/`maxJobBytes`.
   */
  maxEnvelopeBytes?: number;
  /**
   * Called with errors of the worker itself that are not about the Redis connection. Default:
   * printed to stderr.
   */
  onError?: (error: Error) => void;
  /**
   * Where a Redis outage is reported: one `warn` when Redis stops answering, one `info` when it is
   * back (the connection errors in between are counted, not printed). Default: stderr.
   */
  logger?: OutageLogger;
}

/** A running worker. */
export interface WeftWorker {
  /** Its name (`<host>:<pid>` by default). */
  readonly name: string;
  /** The BullMQ worker. */
  readonly worker: Worker;
  /** Stops taking jobs and waits for the running ones (`force` abandons them: they will be recovered as stalled). */
  close(options?: { force?: boolean }): Promise<void>;
  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** What a completed job returns (kept in Redis: small). */
export interface JobSummary {
  readonly worker: string;
  readonly durationMs: number;
  readonly resultBytes: number;
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  throw new DistributedConfigError(
    'ERR_DISTRIBUTED_OPTIONS',
    `startWorker: '${name}' must be a positive integer, got ${JSON.stringify(value) ?? String(value)}.`,
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Starts a worker that runs node jobs of a `DistributedRunner`. Resolves once it is connected and
 * taking jobs.
 *
 * For each job, before anything of the node runs, the worker enters the job's context: the
 * context variables the coordinator sent (the Prefect task run, user variables) and, when trace
 * headers came along and OpenTelemetry is set up in this process, the remote trace context.
 * Node errors are written to shared storage with their name, message, stack, code and cause,
 * and retried by BullMQ when the node's retry policy allows. A job this worker cannot run at all
 * (unknown module or export, malformed payload) fails at once, without retries.
 *
 * @example
 * ```ts
 * const worker = await startWorker({
 *   redis: 'redis://127.0.0.1:6379',
 *   storage: '/mnt/shared/weft',
 *   modules: new URL('./pipeline.js', import.meta.url),
 * });
 * process.on('SIGTERM', () => void worker.close());
 * ```
 */
export async function startWorker(options: StartWorkerOptions): Promise<WeftWorker> {
  if (options === null || typeof options !== 'object') {
    throw new DistributedConfigError(
      'ERR_DISTRIBUTED_OPTIONS',
      'startWorker needs options: { redis, storage, modules }.',
    );
  }
  const connection = connectionOptions(options.redis, 'startWorker');
  const root = storageRoot(options.storage, 'startWorker');
  if (options.modules === undefined) {
    throw new DistributedConfigError(
      'ERR_DISTRIBUTED_OPTIONS',
      'startWorker needs the module(s) whose exported functions it runs: { modules: [...] } (weft-worker --module).',
    );
  }
  const list = Array.isArray(options.modules) ? options.modules : [options.modules];
  if (list.length === 0) {
    throw new DistributedConfigError(
      'ERR_DISTRIBUTED_OPTIONS',
      "startWorker: 'modules' must name at least one module.",
    );
  }
  const moduleUrls = list.map((m) => toModuleUrl(m, 'startWorker'));
  const served = new Map<string, Record<string, unknown>>();
  for (const url of moduleUrls) served.set(url, await importModule(url, 'startWorker'));
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const onError =
    options.onError ?? ((error: Error) => process.stderr.write(`weft-worker ${name}: ${error.message}\n`));
  const maxEnvelopeBytes = positive(options.maxEnvelopeBytes, 'maxEnvelopeBytes', DEFAULT_MAX_ENVELOPE_BYTES);
  const watch = new RedisOutageWatch({
    who: `weft-worker ${name}`,
    where: describeRedis(connection),
    connection,
    logger: options.logger ?? STDERR_LOGGER,
    onOtherError: onError,
  });

  const lookup = (jobId: string, node: string, moduleUrl: string, exportName: string) => {
    const namespace = served.get(moduleUrl);
    if (namespace === undefined) {
      throw new WorkerJobError(
        'ERR_MODULE_NOT_SERVED',
        `Worker ${name} cannot run node '${node}' (job ${jobId}): it serves ${[...served.keys()].join(', ')}, not ${moduleUrl}. Start workers with --module for every module the runner is given, at the same path on every machine.`,
      );
    }
    // Own exports only: a name from the job is never looked up on a prototype chain.
    const fn = Object.hasOwn(namespace, exportName) ? namespace[exportName] : undefined;
    if (typeof fn !== 'function') {
      throw new WorkerJobError(
        'ERR_EXPORT_MISSING',
        `Worker ${name} cannot run node '${node}' (job ${jobId}): module ${moduleUrl} has no exported function '${exportName}' here (${typeof fn === 'undefined' ? 'no such export' : `it is a ${typeof fn}`}); the worker's code differs from the coordinator's.`,
      );
    }
    return fn as (...args: unknown[]) => unknown;
  };

  const process_ = async (job: Job): Promise<JobSummary> => {
    const t0 = performance.now();
    const jobId = String(job.id);
    let files: JobFiles | undefined;
    try {
      files = jobFiles(root, jobId);
      const jf = files;
      // The error of an earlier try of this job must not describe this one.
      if (job.attemptsMade > 0) await removeFile(jf.error);
      const data = parseNodeJob(jobId, job.data);
      const fn = lookup(jobId, data.node, data.module, data.export);
      // Before anything of the node runs; a malformed envelope fails the job for good.
      const restored = restoreEnvelope(data.ctx, { jobId, node: data.node }, maxEnvelopeBytes);
      const resultBytes = await runInRestored(restored, async () => {
        let args: unknown;
        try {
          args = await readValue(jf.args);
        } catch (error) {
          throw new NodeDataTransferError(
            'ERR_NODE_ARGS_UNREADABLE',
            `Worker ${name} cannot read the inputs of node '${data.node}' from ${jf.args}: ${messageOf(error)}. Is the shared storage the same folder on the coordinator and this worker?`,
            data.node,
            { cause: error },
          );
        }
        if (!Array.isArray(args)) {
          throw new WorkerJobError(
            'ERR_JOB_PAYLOAD',
            `The inputs of node '${data.node}' in ${jf.args} are not an argument list.`,
          );
        }
        let result = fn(...args);
        if (data.streaming) {
          const chunks: unknown[] = [];
          for await (const chunk of result as AsyncIterable<unknown>) chunks.push(chunk);
          result = chunks;
        } else {
          result = await result;
        }
        let bytes: Buffer;
        try {
          bytes = encodeValue(result);
        } catch (error) {
          throw new NodeDataTransferError(
            'ERR_NODE_RESULT_UNSERIALIZABLE',
            `The result of node '${data.node}' cannot be sent back from worker ${name}: ${messageOf(error)}. Node outputs must survive structured cloning (no functions, sockets or class instances with private state).`,
            data.node,
            { cause: error },
          );
        }
        await writeAtomic(jf.result, bytes);
        return bytes.length;
      });
      return { worker: name, durationMs: performance.now() - t0, resultBytes };
    } catch (error) {
      if (files !== undefined) {
        await writeAtomic(files.error, JSON.stringify(encodeThrown(error, 'json'))).catch((e: unknown) =>
          onError(new Error(`cannot write the error of job ${jobId} to ${files?.error}: ${messageOf(e)}`)),
        );
      }
      // Failures of the worker's own (not the node's) cannot get better by retrying.
      if (error instanceof DistributedError) throw new UnrecoverableError(messageOf(error));
      throw error;
    }
  };

  const worker = new Worker(options.queue ?? 'weft-nodes', process_, {
    connection: { ...connection, maxRetriesPerRequest: null },
    prefix: options.prefix ?? 'weft',
    name,
    concurrency: positive(options.concurrency, 'concurrency', 1),
    lockDuration: positive(options.lockDurationMs, 'lockDurationMs', 30_000),
    stalledInterval: positive(options.stalledIntervalMs, 'stalledIntervalMs', 30_000),
    maxStalledCount: positive(options.maxStalledCount, 'maxStalledCount', 1),
    autorun: false,
  });
  worker.on('error', watch.handle);
  try {
    await worker.waitUntilReady();
  } catch (error) {
    await worker.close(true).catch(() => {});
    watch.close();
    throw new DistributedConfigError(
      'ERR_REDIS_CONNECT',
      `startWorker cannot reach Redis at ${describeRedis(connection)}: ${messageOf(error)}`,
      { cause: error },
    );
  }
  worker.run().catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))));
  let closing: Promise<void> | undefined;
  const close = (closeOptions: { force?: boolean } = {}) => {
    closing ??= worker.close(closeOptions.force === true).finally(() => watch.close());
    return closing;
  };
  return { name, worker, close, [Symbol.asyncDispose]: () => close() };
}
