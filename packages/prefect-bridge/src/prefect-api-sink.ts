/**
 * A sink that ships records to a Prefect server in batches, like Prefect's `APILogWorker`.
 *
 * @module
 */
import { reportApiProblem } from './api-problems.js';
import type { LogCreate } from './api-types.js';
import { environmentPrefectClient, PrefectClient } from './client.js';
import { logCreateOf } from './client-logs.js';
import { MissingContextError, PrefectConfigError } from './errors.js';
import { defaultLevelFromEnv } from './levels.js';
import type { LogRecord, LogSink, SinkOptions } from './log-record.js';
import { addDefaultSinkProvider } from './log-routing.js';
import { formatTimestamp } from './timestamps.js';

/**
 * What to do with a record that has neither a flow run id nor a task run id.
 *
 * @since 0.1.0
 */
export type WhenMissingFlow = 'warn' | 'error' | 'ignore';

/** Suffix appended to a message cut to fit `maxLogBytes` (Prefect's). */
export const TRUNCATION_SUFFIX = '... [truncated]';

/**
 * Options of {@link PrefectApiSink}. Defaults follow Prefect's `PREFECT_LOGGING_TO_API_*` settings.
 *
 * @since 0.1.0
 */
export interface PrefectApiSinkOptions extends SinkOptions {
  /** Client to send with; default one configured from the environment. */
  readonly client?: PrefectClient;
  /** Longest wait before a partial batch is sent; default `PREFECT_LOGGING_TO_API_BATCH_INTERVAL` s or 2000 ms. */
  readonly batchIntervalMs?: number;
  /** Byte budget of one `POST /logs/`; default `max(BATCH_SIZE - MAX_LOG_SIZE, MAX_LOG_SIZE)` = 3,000,000. */
  readonly maxBatchBytes?: number;
  /** Largest serialized log; longer messages are cut and end in `... [truncated]`. Default `PREFECT_LOGGING_TO_API_MAX_LOG_SIZE` or 1,000,000. */
  readonly maxLogBytes?: number;
  /** Most records waiting to be sent; beyond it the oldest is dropped and counted. Default 10,000. */
  readonly maxQueue?: number;
  /** Records with no flow or task run id: `warn` (once, default), `error` (throw), `ignore`. Default `PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW`. */
  readonly whenMissingFlow?: WhenMissingFlow;
  /** Receives the one delivery-problem report; default writes it to stderr after `--- Error logging to API ---` (once per server, shared with the run tracker). */
  readonly onError?: (message: string) => void;
  /** Receives the one missing-flow warning; default `process.emitWarning`. */
  readonly onWarning?: (message: string) => void;
  /** Environment to read defaults from; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Counters of a {@link PrefectApiSink}.
 *
 * @since 0.1.0
 */
export interface PrefectApiSinkStats {
  /** Records waiting in the queue. */
  readonly queued: number;
  /** Records in the `POST /logs/` request under way. */
  readonly inFlight: number;
  /** Records the server accepted. */
  readonly sent: number;
  /** Records in batches that could not be sent (server unreachable or unavailable, error status after retries). */
  readonly failed: number;
  /** Records dropped: queue overflow, written after close, or abandoned by a close timeout. */
  readonly dropped: number;
  /** Records whose message was truncated. */
  readonly truncated: number;
  /** Records skipped for lack of a flow/task run id (`whenMissingFlow` warn/ignore) or `send_to_api: false`. */
  readonly skipped: number;
  /** `POST /logs/` requests that succeeded. */
  readonly batches: number;
}

/**
 * What became of the records of one flow run followed with {@link PrefectApiSink.trackRun}.
 *
 * @since 0.1.0
 */
export interface RunLogDelivery {
  /** Records of the run that were not sent: failed or dropped (counted in `failed`/`dropped` of the stats too). */
  readonly notSent: number;
  /** Records of the run still waiting: queued or in the request under way. */
  readonly waiting: number;
}

interface Waiter {
  readonly target: number;
  readonly resolve: () => void;
}

/** A serialized log and its exact size in bytes. */
interface Prepared {
  readonly json: string;
  readonly bytes: number;
}

/** Bytes a queued record counts for in the send trigger, besides its message (keys, ids, timestamp, name). */
const FIXED_LOG_BYTES = 200;

const liveSinks = new Set<PrefectApiSink>();
let exitHookInstalled = false;

/**
 * Batches records into `POST /logs/` requests: a FIFO queue drained by one sender, a partial batch
 * sent after `batchIntervalMs`, a full one (by bytes) at once. Only `LogCreate` fields are sent.
 *
 * Writing a record only queues it (no serialization on the caller's path): timestamps are made
 * strictly increasing, records serialized, measured and truncated when the sender builds a batch.
 * When the server is unreachable the batch is dropped (Prefect does the same), the loss is counted
 * (`stats.failed`, and per flow run with {@link PrefectApiSink.trackRun}), and one
 * `--- Error logging to API ---` report is written; nothing rejects. While the client knows the
 * server is down (its circuit is open), batches fail at once instead of waiting on the network.
 *
 * @since 0.1.0
 */
export class PrefectApiSink implements LogSink {
  /** Minimum level shipped; default `PREFECT_LOGGING_LEVEL` or INFO. */
  readonly level: number;
  /** The client used to send. */
  readonly client: PrefectClient;
  /** See {@link PrefectApiSinkOptions.batchIntervalMs}. */
  readonly batchIntervalMs: number;
  /** See {@link PrefectApiSinkOptions.maxBatchBytes}. */
  readonly maxBatchBytes: number;
  /** See {@link PrefectApiSinkOptions.maxLogBytes}. */
  readonly maxLogBytes: number;
  /** See {@link PrefectApiSinkOptions.maxQueue}. */
  readonly maxQueue: number;
  /** See {@link PrefectApiSinkOptions.whenMissingFlow}. */
  readonly whenMissingFlow: WhenMissingFlow;

  // The queue: records as written (a write allocates nothing); sequence numbers (#offset + index)
  // survive compaction.
  #records: (LogRecord | undefined)[] = [];
  #head = 0;
  #offset = 0;
  /** The head record, serialized (its timestamp fixed) but left for the next batch: it did not fit. */
  #carry: (Prepared & { readonly seq: number }) | undefined;
  /** Estimated bytes queued: what triggers a send before the batch interval. */
  #queuedBytes = 0;
  /** Last timestamp sent: the server sorts by timestamp only, so this sink's are strictly increasing in queue order. */
  #lastMicros = 0;
  /** Records of the request under way. */
  #inFlight: LogRecord[] = [];
  #enqueued = 0;
  #processed = 0;
  #sent = 0;
  #failed = 0;
  #dropped = 0;
  #truncated = 0;
  #skipped = 0;
  #batches = 0;
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;
  #abort = new AbortController();
  #closed = false;
  #reported = false;
  #warned = false;
  #waiters: Waiter[] = [];
  /** Records not sent, per tracked flow run (see trackRun). */
  readonly #tracked = new Map<string, { notSent: number; refs: number }>();
  readonly #onError: (message: string) => void;
  readonly #onWarning: (message: string) => void;

  /**
   * @param options Batching, limits and error reporting; see {@link PrefectApiSinkOptions}.
   * @throws {PrefectConfigError} on an invalid option, or when no client is given and `PREFECT_API_URL` is unset.
   */
  constructor(options: PrefectApiSinkOptions = {}) {
    const env = options.env ?? process.env;
    this.client =
      options.client ?? (options.env === undefined ? environmentPrefectClient() : new PrefectClient({ env }));
    this.level = options.level ?? defaultLevelFromEnv(env);
    this.batchIntervalMs =
      options.batchIntervalMs ?? envNumber(env, 'PREFECT_LOGGING_TO_API_BATCH_INTERVAL', 2) * 1000;
    const batchSize = envNumber(env, 'PREFECT_LOGGING_TO_API_BATCH_SIZE', 4_000_000);
    this.maxLogBytes =
      options.maxLogBytes ?? envNumber(env, 'PREFECT_LOGGING_TO_API_MAX_LOG_SIZE', 1_000_000);
    this.maxBatchBytes = options.maxBatchBytes ?? Math.max(batchSize - this.maxLogBytes, this.maxLogBytes);
    this.maxQueue = options.maxQueue ?? 10_000;
    const when = options.whenMissingFlow ?? env.PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW ?? 'warn';
    if (when !== 'warn' && when !== 'error' && when !== 'ignore') {
      throw new PrefectConfigError(
        `Invalid whenMissingFlow ${JSON.stringify(when)} (PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW): expected warn, error or ignore`,
      );
    }
    this.whenMissingFlow = when;
    positive(this.batchIntervalMs, 'batchIntervalMs', true);
    positive(this.maxBatchBytes, 'maxBatchBytes');
    positive(this.maxLogBytes, 'maxLogBytes');
    positive(this.maxQueue, 'maxQueue');
    if (this.maxLogBytes < 200) {
      throw new PrefectConfigError(`maxLogBytes must be at least 200, got ${this.maxLogBytes}`);
    }
    this.#onError = options.onError ?? ((message) => reportApiProblem(this.client.apiUrl, message));
    this.#onWarning =
      options.onWarning ?? ((message) => process.emitWarning(message, { code: 'WEFT_PREFECT_MISSING_FLOW' }));
    liveSinks.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      // like Prefect's atexit drain: a process that ends with logs queued sends them first
      process.on('beforeExit', () => {
        for (const sink of liveSinks) if (sink.stats.queued > 0) void sink.flush();
      });
    }
  }

  /** Current counters. */
  get stats(): PrefectApiSinkStats {
    return {
      queued: this.#records.length - this.#head,
      inFlight: this.#inFlight.length,
      sent: this.#sent,
      failed: this.#failed,
      dropped: this.#dropped,
      truncated: this.#truncated,
      skipped: this.#skipped,
      batches: this.#batches,
    };
  }

  /**
   * Queues one record: a few comparisons and an array push; serializing, measuring and truncating
   * happen in the sender.
   *
   * @throws {MissingContextError} when the record has no flow/task run id and `whenMissingFlow` is `error`.
   */
  write(record: LogRecord): void {
    if (record.flowRunId === null && record.taskRunId === null) {
      this.#missingFlow(record);
      return;
    }
    if (record.extra.send_to_api === false) {
      this.#skipped++;
      return;
    }
    if (this.#closed) {
      this.#dropped++;
      this.#countNotSent(record);
      return;
    }
    if (this.#records.length - this.#head >= this.maxQueue) this.#evictOldest();
    this.#records.push(record);
    this.#enqueued++;
    this.#queuedBytes += record.message.length + FIXED_LOG_BYTES;
    if (this.#queuedBytes >= this.maxBatchBytes) this.#kick();
    else if (this.#timer === undefined && this.#sending === undefined) this.#arm();
  }

  #missingFlow(record: LogRecord): void {
    if (record.extra.send_to_api === false) {
      this.#skipped++;
      return;
    }
    if (this.whenMissingFlow === 'error') {
      throw new MissingContextError(
        `Logger ${JSON.stringify(record.name)} attempted to send logs to the API without a flow run id. The API log handler can only send logs within flow run contexts unless the flow run id is manually provided.`,
      );
    }
    this.#skipped++;
    if (this.whenMissingFlow === 'warn' && !this.#warned) {
      this.#warned = true;
      this.#onWarning(
        `Logger ${JSON.stringify(record.name)} attempted to send logs to the API without a flow run id; the record was not sent. Log inside a flow or task run, or set whenMissingFlow: 'ignore'.`,
      );
    }
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#kick();
    }, this.batchIntervalMs);
    this.#timer.unref();
  }

  /**
   * Starts counting the records of `flowRunId` this sink does not deliver, until
   * {@link PrefectApiSink.untrackRun} (calls nest). Runner hooks and `flow()` use it to report, at
   * the end of a run, how many of its logs did not reach the server.
   */
  trackRun(flowRunId: string): void {
    const entry = this.#tracked.get(flowRunId);
    if (entry === undefined) this.#tracked.set(flowRunId, { notSent: 0, refs: 1 });
    else entry.refs++;
  }

  /** Stops counting for `flowRunId` (see {@link PrefectApiSink.trackRun}). */
  untrackRun(flowRunId: string): void {
    const entry = this.#tracked.get(flowRunId);
    if (entry !== undefined && --entry.refs <= 0) this.#tracked.delete(flowRunId);
  }

  /**
   * For a flow run followed with {@link PrefectApiSink.trackRun}: its records not sent so far, and
   * those still waiting (queued or in flight). `undefined` for a run not tracked.
   */
  deliveryOf(flowRunId: string): RunLogDelivery | undefined {
    const entry = this.#tracked.get(flowRunId);
    if (entry === undefined) return undefined;
    let waiting = 0;
    for (let i = this.#head; i < this.#records.length; i++) {
      if (this.#records[i]?.flowRunId === flowRunId) waiting++;
    }
    for (const r of this.#inFlight) if (r.flowRunId === flowRunId) waiting++;
    return { notSent: entry.notSent, waiting };
  }

  #countNotSent(record: LogRecord): void {
    if (this.#tracked.size === 0 || record.flowRunId === null) return;
    const entry = this.#tracked.get(record.flowRunId);
    if (entry !== undefined) entry.notSent++;
  }

  /** Sends everything queued so far now; resolves when each of those records was sent or given up on. */
  flush(): Promise<void> {
    const target = this.#enqueued;
    if (this.#processed >= target) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#waiters.push({ target, resolve }));
    this.#kick();
    return done;
  }

  /**
   * Flushes, waiting at most `timeoutMs` (default 5000); then abandons what is left (counted as
   * dropped) and stops accepting records. Never rejects.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 5000;
    this.#closed = true;
    liveSinks.delete(this);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.flush().then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      const left = this.#records.length - this.#head;
      const abandoned = this.#inFlight.length;
      this.#abort.abort(new Error(`PrefectApiSink closed after ${timeoutMs} ms`));
      for (let i = this.#head; i < this.#records.length; i++) {
        this.#countNotSent(this.#records[i] as LogRecord);
      }
      this.#dropped += left;
      this.#processed += left;
      this.#reset();
      this.#report(
        `PrefectApiSink.close() timed out after ${timeoutMs} ms: ${left} queued log(s) were dropped${
          abandoned > 0 ? ` and the ${abandoned} being sent were abandoned (counted as failed)` : ''
        } (server ${this.client.apiUrl}).`,
      );
      this.#settleWaiters();
      if (this.#sending) await this.#sending.catch(() => undefined);
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Empties the queue. */
  #reset(): void {
    this.#offset += this.#records.length;
    this.#records = [];
    this.#head = 0;
    this.#carry = undefined;
    this.#queuedBytes = 0;
  }

  /**
   * The record's emit time, or 1 µs after the previous record's when that is not later (records
   * from worker threads arrive with their own clocks). Per sink: stamping happens when a batch is
   * built, and another sink's later batches must not push this one's stamps forward.
   */
  #monotonic(micros: number): number {
    this.#lastMicros = micros > this.#lastMicros ? micros : this.#lastMicros + 1;
    return this.#lastMicros;
  }

  /** Serializes a record with its final timestamp; truncates the message when the payload is oversize. */
  #serialize(record: LogRecord): Prepared {
    const log = logCreateOf(record, formatTimestamp(this.#monotonic(record.timestamp)));
    const json = JSON.stringify(log);
    const bytes = Buffer.byteLength(json, 'utf8');
    return bytes > this.maxLogBytes ? this.#truncate(log) : { json, bytes };
  }

  /** The longest prefix of the message (in characters) whose payload, with the suffix, fits `maxLogBytes`. */
  #truncate(log: LogCreate): Prepared {
    this.#truncated++;
    const full = log.message;
    const sizeWith = (keep: number): number => {
      let end = keep;
      const last = full.charCodeAt(end - 1);
      if (last >= 0xd800 && last <= 0xdbff) end--; // never split a surrogate pair
      log.message = `${full.slice(0, end)}${TRUNCATION_SUFFIX}`;
      return Buffer.byteLength(JSON.stringify(log), 'utf8');
    };
    let lo = 0;
    let hi = full.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (sizeWith(mid) <= this.maxLogBytes) lo = mid;
      else hi = mid - 1;
    }
    const bytes = sizeWith(lo);
    return { json: JSON.stringify(log), bytes };
  }

  /** Removes the head record from the queue and returns it. */
  #shift(): LogRecord {
    const record = this.#records[this.#head] as LogRecord;
    if (this.#carry?.seq === this.#offset + this.#head) this.#carry = undefined;
    this.#records[this.#head] = undefined;
    this.#head++;
    this.#queuedBytes -= record.message.length + FIXED_LOG_BYTES;
    return record;
  }

  #evictOldest(): void {
    if (this.#head >= this.#records.length) return;
    this.#countNotSent(this.#shift());
    this.#dropped++;
    this.#processed++;
    if (!this.#reported) {
      this.#report(
        `PrefectApiSink queue is full (maxQueue ${this.maxQueue}); dropping the oldest logs. See sink.stats.dropped for the count.`,
      );
    }
    this.#compact();
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#records.length) {
      this.#offset += this.#head;
      this.#records = this.#records.slice(this.#head);
      this.#head = 0;
    }
  }

  #kick(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#sending === undefined && this.#head < this.#records.length) this.#sending = this.#drain();
  }

  async #drain(): Promise<void> {
    await undefined; // let #kick store the promise before the finally block can clear it
    try {
      while (this.#head < this.#records.length) {
        const batch: string[] = [];
        const records: LogRecord[] = [];
        let bytes = 2;
        while (this.#head < this.#records.length) {
          const seq = this.#offset + this.#head;
          const item =
            this.#carry?.seq === seq ? this.#carry : this.#serialize(this.#records[this.#head] as LogRecord);
          if (batch.length > 0 && bytes + item.bytes + 1 > this.maxBatchBytes) {
            this.#carry = { ...item, seq };
            break;
          }
          batch.push(item.json);
          bytes += item.bytes + 1;
          records.push(this.#shift());
        }
        this.#compact();
        this.#inFlight = records;
        try {
          await this.client.createLogsRaw(`[${batch.join(',')}]`, { signal: this.#abort.signal });
          this.#sent += batch.length;
          this.#batches++;
        } catch (error) {
          this.#failed += batch.length;
          for (const r of records) this.#countNotSent(r);
          this.#report(
            `${batch.length} log(s) could not be sent to ${this.client.apiUrl} and were dropped: ${(error as Error)?.message ?? String(error)}${
              this.#closed ? '' : ' (later failures are only counted in sink.stats.failed)'
            }`,
          );
        }
        this.#inFlight = [];
        this.#processed += batch.length;
        this.#settleWaiters();
      }
    } finally {
      this.#sending = undefined;
      if (this.#head >= this.#records.length) this.#reset();
      this.#settleWaiters();
    }
  }

  #settleWaiters(): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (this.#processed >= w.target) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }

  #report(message: string): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#onError(message);
  }
}

function envNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new PrefectConfigError(`Invalid ${name}=${JSON.stringify(raw)}: expected a non-negative number`);
  }
  return value;
}

function positive(value: number, name: string, allowZero = false): void {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new PrefectConfigError(`PrefectApiSink option ${name} must be a positive number, got ${value}`);
  }
}

// A root thread's default sinks include an API sink when the API is configured and logging to it
// is not turned off (PREFECT_LOGGING_TO_API_ENABLED=false), as in Prefect.
addDefaultSinkProvider(() => {
  const enabled = (process.env.PREFECT_LOGGING_TO_API_ENABLED ?? 'true').trim().toLowerCase();
  return PrefectClient.isConfigured() && enabled !== 'false' && enabled !== '0'
    ? new PrefectApiSink()
    : undefined;
});
