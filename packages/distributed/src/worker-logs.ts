/**
 * The worker's end of the log channel. While a job attempt runs, every record its nodes log (in the
 * node's own context, or from worker threads the node started, matched by flow/task run) is
 * buffered and appended to the job's log list in Redis (`<prefix>:<queue>:<jobId>:logs`, BullMQ's
 * job-log key: removed with the job, shown by BullMQ dashboards), one JSON entry per record tagged
 * with the attempt and the node. The buffer is flushed at most `flushMs` after a record, when it
 * holds 100 records, and at the end of the attempt together with an end entry that counts the
 * attempt's records per node; the processor awaits that last append before BullMQ acknowledges the
 * job. A worker killed mid-node leaves its attempt without an end entry: the coordinator then knows
 * that attempt was lost.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { ContextVar } from '@weft/contextvars';
import type { Redis } from 'ioredis';
import type { Capture, ChannelSink, LogBridge, LogRecordLike } from './log-bridge.js';

/** How an attempt ended, as its end entry says. */
export type AttemptEnd = 'completed' | 'failed' | 'handed-back';

/** One entry of a job's log list: a record, or the end of an attempt. */
export type LogEntry =
  | { readonly a: string; readonly n: number; readonly r: LogRecordLike }
  | { readonly a: string; readonly end: AttemptEnd; readonly count: readonly number[] };

/** Where a record belongs: an attempt and the index of a node in its job. */
interface Slot {
  readonly attempt: AttemptLog;
  readonly member: number;
}

/** Which attempt and node the current context runs (never propagated: it only means something here). */
const slotVar = new ContextVar<Slot>('@weft/distributed/job-log-slot', { propagate: false });

const MAX_BATCH = 100;

/** Tells this process's attempts from those of an earlier process with the same name (host:pid). */
const PROCESS_TAG = randomBytes(4).toString('hex');
let attempts = 0;

function serialize(record: LogRecordLike): LogRecordLike {
  try {
    JSON.stringify(record);
    return record;
  } catch {
    // a value JSON cannot hold (BigInt, a cycle): send a text rendering of the odd fields
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      try {
        JSON.stringify(value);
        copy[key] = value;
      } catch {
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
          const inner: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(value)) {
            try {
              JSON.stringify(v);
              inner[k] = v;
            } catch {
              inner[k] = String(v);
            }
          }
          copy[key] = inner;
        } else {
          copy[key] = String(value);
        }
      }
    }
    return copy;
  }
}

/** The records of one job attempt on this worker. */
export class AttemptLog {
  readonly #worker: string;
  readonly #attempt: number;
  #id: string | undefined;
  readonly #channel: WorkerLogChannel;
  readonly #key: string;
  readonly #counts: number[];
  #buffer: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #ended = false;
  /** Records that could not be appended (Redis refused them). */
  lost = 0;
  /** Run ids → node index, for records arriving from worker threads (made when a node has ids). */
  taskRuns: Map<string, number> | undefined;
  flowRuns: Map<string, number> | undefined;

  constructor(channel: WorkerLogChannel, key: string, worker: string, attempt: number, members: number) {
    this.#channel = channel;
    this.#key = key;
    this.#worker = worker;
    this.#attempt = attempt;
    this.#counts = new Array<number>(members).fill(0);
  }

  /**
   * Attempt id, unique across workers and restarts: `<worker>#<attempt>#<process tag><counter>`
   * (made on first use: an attempt that logs nothing needs none).
   */
  get id(): string {
    this.#id ??= `${this.#worker}#${this.#attempt}#${PROCESS_TAG}${(attempts++).toString(36)}`;
    return this.#id;
  }

  /** Records so far, all nodes. */
  get count(): number {
    let total = 0;
    for (const c of this.#counts) total += c;
    return total;
  }

  /**
   * Runs `fn` as node `member` of this attempt: records logged in its context belong to it, and
   * so do records of worker threads carrying its flow/task run. Call it inside the node's own
   * context (it binds the attempt there).
   */
  run<R>(member: number, fn: () => R): R {
    // Called inside the node's own (restored) context: binding the slot there costs no copy.
    slotVar.set({ attempt: this, member });
    const ids = this.#channel.bridge.runIds?.();
    if (ids?.taskRunId) {
      this.taskRuns ??= new Map();
      this.taskRuns.set(ids.taskRunId, member);
    }
    if (ids?.flowRunId) {
      this.flowRuns ??= new Map();
      this.flowRuns.set(ids.flowRunId, member);
    }
    return fn();
  }

  /** Buffers a record of node `member`. */
  add(member: number, record: LogRecordLike): void {
    if (this.#ended) {
      this.#channel.fallback(record);
      return;
    }
    this.#counts[member] = (this.#counts[member] ?? 0) + 1;
    this.#buffer.push(JSON.stringify({ a: this.id, n: member, r: serialize(record) }));
    if (this.#buffer.length >= MAX_BATCH) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), this.#channel.flushMs);
  }

  #flush(extra?: string): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const entries = this.#buffer;
    this.#buffer = [];
    if (extra !== undefined) entries.push(extra);
    if (entries.length === 0) return this.#chain;
    const records = extra === undefined ? entries.length : entries.length - 1;
    this.#chain = this.#chain.then(() =>
      this.#channel.redis.rpush(this.#key, ...entries).then(
        () => undefined,
        (error: unknown) => {
          this.lost += records;
          this.#channel.onError(
            new Error(
              `cannot append ${records} log record(s) to ${this.#key}: ${(error as Error)?.message ?? String(error)}`,
            ),
          );
        },
      ),
    );
    return this.#chain;
  }

  /**
   * Ends the attempt: waits for records still travelling from worker threads, then appends what is
   * buffered and the end entry in one command, and resolves once Redis has them. Resolves to the
   * number of records of the attempt. (One promise per call when nothing was logged: this runs once
   * per job, and on Node 20/22 every promise of a process that uses AsyncLocalStorage costs a hook.)
   */
  end(how: AttemptEnd): Promise<number> {
    if (this.#ended) return Promise.resolve(this.count);
    const settled = () => {
      if (this.#ended) return this.count;
      this.#ended = true;
      this.#channel.forget(this);
      const count = this.count;
      if (count === 0) return 0;
      return this.#flush(JSON.stringify({ a: this.id, end: how, count: this.#counts })).then(() => count);
    };
    // Whether the wait ends or fails, the attempt ends (one promise less than a catch, then a then).
    return this.#channel.settle().then(settled, settled);
  }
}

/** The worker's log channel: installed once per worker process, one {@link AttemptLog} per job attempt. */
export class WorkerLogChannel {
  readonly bridge: LogBridge;
  readonly redis: Redis;
  readonly flushMs: number;
  readonly onError: (error: Error) => void;
  readonly #active = new Set<AttemptLog>();
  readonly #capture: Capture;
  readonly #settleMs: number;

  constructor(options: {
    bridge: LogBridge;
    redis: Redis;
    flushMs: number;
    settleMs: number;
    onError: (error: Error) => void;
  }) {
    this.bridge = options.bridge;
    this.redis = options.redis;
    this.flushMs = options.flushMs;
    this.onError = options.onError;
    this.#settleMs = options.settleMs;
    const sink: ChannelSink = { level: 0, write: (record) => this.#route(record) };
    this.#capture = this.bridge.capture(sink);
  }

  /** Starts an attempt of a job of `members` nodes, appending to `key`. */
  begin(key: string, worker: string, attempt: number, members: number): AttemptLog {
    const log = new AttemptLog(this, key, worker, attempt, members);
    this.#active.add(log);
    return log;
  }

  /** @internal */
  forget(log: AttemptLog): void {
    this.#active.delete(log);
  }

  /** @internal Where a record that belongs to no node goes. */
  fallback(record: LogRecordLike): void {
    this.#capture.fallback(record);
  }

  /** @internal Settles once records still travelling from worker threads arrived (or the wait failed). */
  settle(): Promise<unknown> {
    if (this.bridge.settle === undefined) return Promise.resolve();
    try {
      const waiting = this.bridge.settle(this.#settleMs) as Promise<unknown> | undefined;
      return typeof waiting?.then === 'function' ? waiting : Promise.resolve();
    } catch {
      // nothing more to wait for
      return Promise.resolve();
    }
  }

  #route(record: LogRecordLike): void {
    const slot = slotVar.get(undefined);
    if (slot !== undefined) {
      slot.attempt.add(slot.member, record);
      return;
    }
    // From a worker thread (or a callback that lost its context): match the run ids.
    const task = record.taskRunId;
    if (typeof task === 'string') {
      for (const log of this.#active) {
        const member = log.taskRuns?.get(task);
        if (member !== undefined) {
          log.add(member, record);
          return;
        }
      }
    }
    const flow = record.flowRunId;
    if (typeof flow === 'string') {
      let match: [AttemptLog, number] | undefined;
      for (const log of this.#active) {
        const member = log.flowRuns?.get(flow);
        if (member === undefined) continue;
        if (match !== undefined) {
          match = undefined;
          break;
        }
        match = [log, member];
      }
      if (match !== undefined) {
        match[0].add(match[1], record);
        return;
      }
    }
    this.#capture.fallback(record);
  }

  /** Gives the worker its previous sinks back. */
  close(): void {
    this.#capture.release();
  }
}
