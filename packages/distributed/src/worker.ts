/**
 * The worker side: `startWorker(...)` consumes the jobs of a `DistributedRunner`. For each job it
 * checks the payload and the code fingerprint, restores each node's context, takes the nodes'
 * arguments (inline, or from shared storage), runs the nodes one after the other, and sends the
 * results back (inline in the job's return value when small, else through shared storage), with the
 * records the nodes logged appended to the job's log list before the job is acknowledged.
 *
 * @module
 */

import { hostname } from 'node:os';
import type { ContextPropagator } from '@weft/contextvars';
import { encodeThrown } from '@weft/executor';
import { collectChunks, describeError } from '@weft/runner/extend';
import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import {
  type CodeDetails,
  checkCodeVersion,
  describeDifference,
  fingerprintOf,
  moduleFingerprint,
  weftVersions,
} from './code-fingerprint.js';
import {
  DEFAULT_MAX_ENVELOPE_BYTES,
  type RestoredEnvelope,
  restoreEnvelope,
  runInRestored,
} from './context-envelope.js';
import { DistributedConfigError, DistributedError, NodeDataTransferError, WorkerJobError } from './errors.js';
import { decodeInline, encodeInline, jsonKeepsExactly } from './inline-value.js';
import { argumentsOf } from './job-input.js';
import { type LogBridge, resolveLogBridge } from './log-bridge.js';
import { importModule, toModuleUrl } from './node-functions.js';
import { isSafeJobId, type JobNode, type JobResults, type NodeJobData, parseNodeJob } from './node-job.js';
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
import { type AttemptLog, WorkerLogChannel } from './worker-logs.js';

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
   * The propagator that extracts each job's context (the receiving side of the seam). Default:
   * this process's (`setGlobalPropagator` of `@weft/contextvars`, set up by a module given to
   * `weft-worker --import`), which must read what the coordinator's injects.
   */
  propagator?: ContextPropagator;
  /**
   * The log channel: records the nodes log on this worker go to the coordinator through Redis.
   * Default: through `@weft/prefect-bridge` when it can be imported; `false` keeps them in this
   * process's own sinks; or a {@link LogBridge} of another logging library.
   */
  logs?: LogBridge | false;
  /** At most this long (ms) between a record and its append to Redis while a node runs. Default 200. */
  logFlushMs?: number;
  /**
   * An id of the code both sides run (a release, a commit), added to the code fingerprint; must
   * equal the coordinator's `codeVersion`.
   */
  codeVersion?: string;
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

/** Options of {@link WeftWorker.close}. */
export interface CloseWorkerOptions {
  /**
   * Abandon the running jobs at once, without a word to Redis: other workers recover them once
   * their lock expires (`lockDurationMs`).
   */
  force?: boolean;
  /**
   * Wait at most this long (ms) for the running jobs to finish, then hand them back: they go back
   * to the queue at once and another worker runs them from the start (their functions here are
   * abandoned). Default: wait for them to finish.
   */
  handBackAfterMs?: number;
}

/** A running worker. */
export interface WeftWorker {
  /** Its name (`<host>:<pid>` by default). */
  readonly name: string;
  /** The BullMQ worker. */
  readonly worker: Worker;
  /** What it runs: queue, Redis, concurrency, modules, versions, log channel (for a health line). */
  readonly health: WorkerHealth;
  /** Jobs running now. */
  readonly running: number;
  /** Stops taking jobs and waits for the running ones (see {@link CloseWorkerOptions}). */
  close(options?: CloseWorkerOptions): Promise<void>;
  /** Hands the running jobs back to the queue now (see {@link CloseWorkerOptions.handBackAfterMs}). */
  handBack(): Promise<void>;
  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** What a worker serves, for its health line. */
export interface WorkerHealth {
  readonly name: string;
  readonly queue: string;
  readonly prefix: string;
  readonly redis: string;
  readonly storage: string;
  readonly concurrency: number;
  readonly modules: Readonly<Record<string, string>>;
  readonly weft: Readonly<Record<string, string>>;
  readonly node: string;
  /** The log bridge in use, or `null` when records stay in this process. */
  readonly logs: string | null;
  readonly codeVersion?: string;
}

/** What a completed job returns (kept in Redis with the job and sent in its completed event: small). */
export interface JobSummary {
  /** The worker that ran it. */
  readonly worker: string;
  /** Milliseconds the job took on the worker. */
  readonly durationMs: number;
  /**
   * The results, when small and JSON keeps them exactly (`{ r, ms }`: each node's result and
   * duration); else see {@link result}.
   */
  readonly results?: JobResults;
  /**
   * The results as inline text (V8 serialization, see `inline-value.ts`) when small but not plain
   * JSON; absent when they are in {@link results} or in the job's result file.
   */
  readonly result?: string;
  /** Size of the results as sent (their JSON or inline text, or the result file), in bytes. */
  readonly resultBytes: number;
  /** Records the nodes logged in this attempt (appended to the job's log list). */
  readonly logRecords: number;
  /** Which attempt this was (BullMQ's `attemptsStarted`): above 1, earlier attempts may have logged too. */
  readonly attempt: number;
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  throw new DistributedConfigError(
    'ERR_DISTRIBUTED_OPTIONS',
    `startWorker: '${name}' must be a positive integer, got ${JSON.stringify(value) ?? String(value)}.`,
  );
}

/** The key under which the coordinator publishes the details of a code fingerprint. */
export function codeKeyOf(prefix: string, queue: string, code: string): string {
  return `${prefix}:${queue}:weft:code:${code}`;
}

/** A failure of node `member` of a job (or of the job itself before any node ran: member 0). */
class MemberFailure {
  constructor(
    readonly member: number,
    readonly error: unknown,
  ) {}
}

const HAND_BACK: unique symbol = Symbol('hand back');

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Calls a node function: its result, or a promise of it when the function is asynchronous, streams,
 * or may be tried again. A synchronous function without retries costs no promise.
 */
function callNode(fn: () => unknown, streaming: boolean, retries: number, delayMs: number): unknown {
  if (!streaming && retries === 0) return fn();
  return runWithRetries(fn, streaming, retries, delayMs);
}

async function runWithRetries(
  fn: () => unknown,
  streaming: boolean,
  retries: number,
  delayMs: number,
): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      let result = fn();
      if (streaming) {
        const source = (
          result !== null && typeof result === 'object' && 'then' in result ? await result : result
        ) as AsyncIterable<unknown> | Iterable<unknown>;
        result = await collectChunks(source);
      } else {
        result = await result;
      }
      return result;
    } catch (error) {
      if (attempt >= retries) throw error;
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/**
 * Starts a worker that runs the jobs of a `DistributedRunner`. Resolves once it is connected and
 * taking jobs.
 *
 * For each job, before anything of its nodes runs, the worker checks the payload and that the code
 * the job was built from is the code it runs (`ERR_CODE_MISMATCH`, naming what differs), and enters
 * each node's context: the context variables the coordinator sent (the Prefect task run, user
 * variables) and, when trace headers came along and OpenTelemetry is set up in this process, the
 * remote trace context. Node errors are sent back with their name, message, stack, code and cause,
 * and retried by BullMQ when the node's retry policy allows. A job this worker cannot run at all
 * (unknown module or export, malformed payload, other code) fails at once, without retries.
 *
 * @example
 * ```ts
 * const worker = await startWorker({
 *   redis: 'redis://127.0.0.1:6379',
 *   storage: '/mnt/shared/weft',
 *   modules: new URL('./pipeline.js', import.meta.url),
 * });
 * process.on('SIGTERM', () => void worker.close({ handBackAfterMs: 20_000 }));
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
  let codeVersion: string | undefined;
  try {
    codeVersion = checkCodeVersion(options.codeVersion);
  } catch (error) {
    throw new DistributedConfigError('ERR_DISTRIBUTED_OPTIONS', `startWorker: ${describeError(error)}.`);
  }
  const moduleUrls = list.map((m) => toModuleUrl(m, 'startWorker'));
  const served = new Map<string, Record<string, unknown>>();
  const moduleHashes: Record<string, string> = {};
  for (const url of moduleUrls) {
    const namespace = await importModule(url, 'startWorker');
    served.set(url, namespace);
    moduleHashes[url] = moduleFingerprint(url);
  }
  const here: CodeDetails = {
    weft: weftVersions(),
    modules: moduleHashes,
    ...(codeVersion === undefined ? {} : { codeVersion }),
  };
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const queueName = options.queue ?? 'weft-nodes';
  const prefix = options.prefix ?? 'weft';
  const concurrency = positive(options.concurrency, 'concurrency', 1);
  const logFlushMs = positive(options.logFlushMs, 'logFlushMs', 200);
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
  const { url, ...rest } = connection;
  const redisOptions: RedisOptions = { ...rest, maxRetriesPerRequest: null, lazyConnect: true };
  const redis = url === undefined ? new Redis(redisOptions) : new Redis(url, redisOptions);
  redis.on('error', watch.handle);
  const bridge = await resolveLogBridge(options.logs);

  // Module URL → export name → function: no key string made per job.
  const functions = new Map<string, Map<string, (...args: unknown[]) => unknown>>();
  const lookup = (jobId: string, node: string, moduleUrl: string, exportName: string) => {
    const known = functions.get(moduleUrl)?.get(exportName);
    if (known !== undefined) return known;
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
    let ofModule = functions.get(moduleUrl);
    if (ofModule === undefined) {
      ofModule = new Map();
      functions.set(moduleUrl, ofModule);
    }
    ofModule.set(exportName, fn as (...args: unknown[]) => unknown);
    return fn as (...args: unknown[]) => unknown;
  };

  const expected = new Map<string, string>();
  /** Returns when the job was built from this worker's code; else a promise rejecting with what differs. */
  const checkCode = (jobId: string, data: NodeJobData): Promise<void> | undefined => {
    // A job of one node (most jobs): its module URL is the key, no list is made.
    const single = data.nodes.length === 1;
    const key = single ? (data.nodes[0] as JobNode).module : data.nodes.map((m) => m.module).join('\n');
    let mine = expected.get(key);
    if (mine === undefined) {
      mine = fingerprintOf(
        here,
        data.nodes.map((m) => m.module),
      );
      expected.set(key, mine);
    }
    if (mine === data.code) return undefined;
    return mismatch(
      jobId,
      data,
      data.nodes.map((m) => m.module),
    );
  };
  const mismatch = async (jobId: string, data: NodeJobData, modules: readonly string[]): Promise<void> => {
    let theirs: CodeDetails | undefined;
    try {
      const text = await redis.get(codeKeyOf(prefix, queueName, data.code));
      theirs = text === null ? undefined : (JSON.parse(text) as CodeDetails);
    } catch {
      theirs = undefined;
    }
    throw new WorkerJobError(
      'ERR_CODE_MISMATCH',
      `Worker ${name} cannot run job ${jobId} (node '${data.nodes[0]?.node}'): it runs other code than the coordinator that submitted it: ${describeDifference(theirs, here, modules)}. Deploy the same code (and @weft versions) to the coordinator and every worker, then run again.`,
    );
  };

  const channel =
    bridge === undefined
      ? undefined
      : new WorkerLogChannel({ bridge, redis, flushMs: logFlushMs, settleMs: 5000, onError });

  /** Running jobs and how to hand each back. */
  const running = new Map<string, () => void>();

  const process_ = (job: Job, token?: string): Promise<JobSummary> => {
    const t0 = performance.now();
    const jobId = String(job.id);
    // The job's file paths, made when a file is used (most small jobs use none).
    let files: JobFiles | undefined;
    const filesOf = (): JobFiles => {
      files ??= jobFiles(root, jobId);
      return files;
    };
    let data: NodeJobData | undefined;
    let attempt: AttemptLog | undefined;
    const results: unknown[] = [];
    const durations: number[] = [];
    let handedBack = false;
    const work = async (): Promise<JobSummary> => {
      let member = 0;
      try {
        // Checks the job id first: it names the job's files.
        data = parseNodeJob(jobId, job.data);
        // Files of an earlier try of this job must not describe this one.
        if (job.attemptsMade > 0 || job.attemptsStarted > 1) {
          await removeFile(filesOf().error);
          await removeFile(filesOf().result);
        }
        const d = data;
        const fns: ((...args: unknown[]) => unknown)[] = [];
        for (member = 0; member < d.nodes.length; member++) {
          const m = d.nodes[member] as NodeJobData['nodes'][number];
          fns.push(lookup(jobId, m.node, m.module, m.export));
        }
        member = 0;
        const codeChecked = checkCode(jobId, d);
        if (codeChecked !== undefined) await codeChecked;
        const contexts: RestoredEnvelope[] = [];
        for (member = 0; member < d.nodes.length; member++) {
          const m = d.nodes[member] as NodeJobData['nodes'][number];
          // Before anything of the nodes runs; a malformed envelope fails the job for good.
          contexts.push(
            restoreEnvelope(m.ctx, { jobId, node: m.node }, maxEnvelopeBytes, options.propagator),
          );
        }
        member = 0;
        let input: unknown;
        try {
          input = d.input === undefined ? await readValue(filesOf().args) : decodeInline(d.input);
        } catch (error) {
          throw new NodeDataTransferError(
            'ERR_NODE_ARGS_UNREADABLE',
            `Worker ${name} cannot read the inputs of node '${d.nodes[0]?.node}' ${d.input === undefined ? `from ${filesOf().args}` : 'in its job'}: ${describeError(error)}.${d.input === undefined ? ' Is the shared storage the same folder on the coordinator and this worker?' : ''}`,
            d.nodes[0]?.node as string,
            { cause: error },
          );
        }
        if (!Array.isArray(input) || input.length !== d.nodes.length) {
          throw new WorkerJobError(
            'ERR_JOB_PAYLOAD',
            `The inputs of job ${jobId} (node '${d.nodes[0]?.node}') are not one argument list per node.`,
          );
        }
        attempt = channel?.begin(
          `${prefix}:${queueName}:${jobId}:logs`,
          name,
          job.attemptsStarted,
          d.nodes.length,
        );
        for (member = 0; member < d.nodes.length; member++) {
          const m = d.nodes[member] as NodeJobData['nodes'][number];
          const args = argumentsOf(jobId, m.node, input[member], m.links, results);
          const fn = fns[member] as (...args: unknown[]) => unknown;
          const started = performance.now();
          const k = member;
          const call = () => callNode(() => fn(...args), m.streaming, m.retries ?? 0, m.retryDelayMs ?? 0);
          let result = runInRestored(contexts[member] as RestoredEnvelope, () =>
            attempt === undefined ? call() : attempt.run(k, call),
          );
          if (isThenable(result)) result = await result;
          if (handedBack) throw HAND_BACK;
          results.push(result);
          durations.push(performance.now() - started);
        }
        const out: JobResults = { r: results, ms: durations };
        // Small results travel in the job's return value: as they are when JSON keeps them exactly
        // (one encoding, by BullMQ, and one decoding on the coordinator), else as inline text.
        let json: JobResults | undefined;
        let inline: string | undefined;
        let inlineBytes = 0;
        let bytes: Buffer | undefined;
        try {
          if (d.inline > 0) {
            if (jsonKeepsExactly(results)) {
              inlineBytes = Buffer.byteLength(JSON.stringify(out));
              if (inlineBytes <= d.inline) json = out;
            } else {
              inline = encodeInline(out);
              inlineBytes = Buffer.byteLength(inline);
              if (inlineBytes > d.inline) inline = undefined;
            }
          }
          if (json === undefined && inline === undefined) bytes = encodeValue(out);
        } catch {
          // Name the node whose result cannot be cloned.
          let culprit = 0;
          let reason = '';
          for (let i = 0; i < results.length; i++) {
            try {
              encodeValue(results[i]);
            } catch (error) {
              culprit = i;
              reason = describeError(error);
              break;
            }
          }
          member = culprit;
          const nodeName = d.nodes[culprit]?.node as string;
          results.length = culprit;
          throw new NodeDataTransferError(
            'ERR_NODE_RESULT_UNSERIALIZABLE',
            `The result of node '${nodeName}' cannot be sent back from worker ${name}: ${reason}. Node outputs must survive structured cloning (no functions, sockets or class instances with private state).`,
            nodeName,
          );
        }
        if (bytes !== undefined) await writeAtomic(filesOf().result, bytes);
        if (handedBack) throw HAND_BACK;
        const logRecords = attempt === undefined ? 0 : await attempt.end('completed');
        const summary: { -readonly [K in keyof JobSummary]: JobSummary[K] } = {
          worker: name,
          durationMs: performance.now() - t0,
          resultBytes: bytes === undefined ? inlineBytes : bytes.length,
          logRecords,
          attempt: job.attemptsStarted,
        };
        if (json !== undefined) summary.results = json;
        else if (inline !== undefined) summary.result = inline;
        return summary;
      } catch (error) {
        if (error === HAND_BACK) throw error;
        throw new MemberFailure(member, error);
      }
    };
    /** After a failure or a hand-back: records it, and always throws (what BullMQ should do with the job). */
    const failed = async (thrown: unknown): Promise<never> => {
      if (thrown === HAND_BACK) {
        handedBack = true;
        await attempt?.end('handed-back');
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const { member, error } = thrown as MemberFailure;
      if (isSafeJobId(jobId)) {
        const f = filesOf();
        await writeAtomic(f.error, JSON.stringify(encodeThrown(error, 'json'))).catch((e: unknown) =>
          onError(new Error(`cannot write the error of job ${jobId} to ${f.error}: ${describeError(e)}`)),
        );
        if (data !== undefined && data.nodes.length > 1) {
          const partial: JobResults = {
            r: results.slice(0, member),
            ms: durations.slice(0, member),
            failed: member,
          };
          await writeAtomic(f.result, encodeValue(partial)).catch((e: unknown) =>
            onError(
              new Error(`cannot write the results of job ${jobId} to ${f.result}: ${describeError(e)}`),
            ),
          );
        }
      }
      await attempt?.end('failed');
      // Failures of the worker's own (not the node's) cannot get better by retrying.
      if (DistributedError.is(error)) throw new UnrecoverableError(describeError(error));
      throw error;
    };
    // One promise settles the job: the work's outcome, or a hand-back that comes first (the
    // abandoned work's outcome is then ignored). No race and no signal promise per job: on Node
    // 20/22 every promise costs an async hook in a process that uses AsyncLocalStorage.
    return new Promise<JobSummary>((resolve, reject) => {
      let settled = false;
      const fail = (thrown: unknown) => {
        failed(thrown).catch((error: unknown) => {
          running.delete(jobId);
          reject(error);
        });
      };
      running.set(jobId, () => {
        if (settled) return;
        settled = true;
        fail(HAND_BACK);
      });
      work().then(
        (summary) => {
          if (settled) return;
          settled = true;
          running.delete(jobId);
          resolve(summary);
        },
        (thrown: unknown) => {
          if (settled) return;
          settled = true;
          fail(thrown);
        },
      );
    });
  };

  const worker = new Worker(queueName, process_, {
    connection: { ...connection, maxRetriesPerRequest: null },
    prefix,
    name,
    concurrency,
    lockDuration: positive(options.lockDurationMs, 'lockDurationMs', 30_000),
    stalledInterval: positive(options.stalledIntervalMs, 'stalledIntervalMs', 30_000),
    maxStalledCount: positive(options.maxStalledCount, 'maxStalledCount', 1),
    autorun: false,
  });
  worker.on('error', watch.handle);
  try {
    await redis.connect();
    await worker.waitUntilReady();
  } catch (error) {
    await worker.close(true).catch(() => {});
    redis.disconnect();
    watch.close();
    channel?.close();
    throw new DistributedConfigError(
      'ERR_REDIS_CONNECT',
      `startWorker cannot reach Redis at ${describeRedis(connection)}: ${describeError(error)}`,
      { cause: error },
    );
  }
  worker.run().catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))));
  const handBackAll = async () => {
    for (const handBack of [...running.values()]) handBack();
    // Let the processors move their jobs back before the worker's connections close.
    while (running.size > 0) await new Promise((r) => setTimeout(r, 5));
  };
  let closing: Promise<void> | undefined;
  const close = (closeOptions: CloseWorkerOptions = {}) => {
    closing ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      if (closeOptions.force !== true && closeOptions.handBackAfterMs !== undefined) {
        timer = setTimeout(() => void handBackAll(), closeOptions.handBackAfterMs);
      }
      try {
        await worker.close(closeOptions.force === true);
      } finally {
        clearTimeout(timer);
        channel?.close();
        redis.disconnect();
        watch.close();
      }
    })();
    return closing;
  };
  const health: WorkerHealth = {
    name,
    queue: queueName,
    prefix,
    redis: describeRedis(connection),
    storage: root,
    concurrency,
    modules: moduleHashes,
    weft: here.weft,
    node: process.version,
    logs: bridge?.name ?? null,
    ...(codeVersion === undefined ? {} : { codeVersion }),
  };
  return {
    name,
    worker,
    health,
    get running() {
      return running.size;
    },
    close,
    handBack: handBackAll,
    [Symbol.asyncDispose]: () => close(),
  };
}
