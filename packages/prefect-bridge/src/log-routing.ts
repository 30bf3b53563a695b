/**
 * Where records go: the default sinks of this thread, sinks bound to one flow run, and, in worker
 * threads, a forwarder that ships records to the thread that owns the sinks.
 *
 * Every thread is one of two roles. A *root* thread (the main thread, or any thread with no
 * forwarding parent) owns the sinks; when it first routes a record it opens a
 * `BroadcastChannel` and publishes its name and a shared counter through
 * `worker_threads.setEnvironmentData`, so every worker thread spawned afterwards (by the
 * executor, piscina, or `new Worker`) is a *forwarder*: its records are posted to the root, which
 * dispatches them to its sinks with the ids they were emitted with. The state lives behind a
 * `Symbol.for` key so two copies of this package in one thread share it.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { BroadcastChannel, getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import { ConsoleSink } from './console-sink.js';
import { PrefectConfigError } from './errors.js';
import type { LogRecord, LogSink } from './log-record.js';

const ENV_KEY = '@weft/prefect-bridge/log-forwarding/v1';
const STATE_KEY = Symbol.for('@weft/prefect-bridge/log-routing/v1');

interface ForwardingLink {
  /** BroadcastChannel name unique to the root thread. */
  readonly channel: string;
  /** [0]: records posted by forwarders (wrapping int32). */
  readonly counter: SharedArrayBuffer;
}

interface Route {
  readonly sinks: readonly LogSink[];
  readonly minLevel: number;
}

interface Receiver {
  readonly channel: BroadcastChannel;
  /** Records posted by forwarders (shared counter, wrapping int32). */
  readonly posted: Int32Array;
  /** Records received here (wrapping int32). */
  received: number;
  /** Records given up on by a wait that timed out (lost in transit): later waits do not wait for them again. */
  writtenOff: number;
}

interface RoutingState {
  readonly role: 'root' | 'forwarder';
  /** For forwarders: the link inherited from the root. */
  readonly inherited: ForwardingLink | undefined;
  defaultRoute: Route | undefined;
  readonly runRoutes: Map<string, Route>;
  receiver: Receiver | undefined;
  forwarder: WorkerForwardSink | undefined;
  receiveErrorReported: boolean;
}

function initialState(): RoutingState {
  const inherited = getEnvironmentData(ENV_KEY) as ForwardingLink | undefined;
  return {
    role: inherited === undefined ? 'root' : 'forwarder',
    inherited,
    defaultRoute: undefined,
    runRoutes: new Map(),
    receiver: undefined,
    forwarder: undefined,
    receiveErrorReported: false,
  };
}

const holder = globalThis as { [STATE_KEY]?: RoutingState };
const state: RoutingState = holder[STATE_KEY] ?? initialState();
holder[STATE_KEY] = state;

function route(sinks: readonly LogSink[]): Route {
  let minLevel = Number.POSITIVE_INFINITY;
  for (const sink of sinks) {
    if (sink === null || typeof sink !== 'object' || typeof sink.write !== 'function') {
      throw new PrefectConfigError(`Invalid log sink ${String(sink)}: a sink needs a write(record) method`);
    }
    const level = typeof sink.level === 'number' ? sink.level : 0;
    if (level < minLevel) minLevel = level;
  }
  return { sinks: [...sinks], minLevel };
}

/**
 * Whether this thread forwards its records to a root thread (it is a worker spawned after the root started routing).
 *
 * @since 0.1.0
 * @experimental
 */
export function isForwardingThread(): boolean {
  return state.role === 'forwarder';
}

/**
 * Default sinks other modules add in a root thread, asked when the defaults are first built: the
 * Prefect API sink (`prefect-api-sink.ts` adds it when `PREFECT_API_URL` is set). Kept out of this
 * module so that the logging entry point does not load Prefect's client.
 */
const defaultSinkProviders: (() => LogSink | undefined)[] = [];

/**
 * Adds a provider of a default sink: called once, when a root thread's default sinks are first
 * built; `undefined` adds nothing.
 *
 * @internal
 */
export function addDefaultSinkProvider(provider: () => LogSink | undefined): void {
  defaultSinkProviders.push(provider);
}

/**
 * The sinks records go to when their flow run has no sinks of its own. Built on first use:
 * in a forwarding worker thread, the forwarder to the root thread; otherwise a {@link ConsoleSink},
 * plus the Prefect API sink when `PREFECT_API_URL` is set (and `PREFECT_LOGGING_TO_API_ENABLED`
 * is not `false`) and the main entry point of the package is loaded.
 *
 * @since 0.1.0
 */
export function getDefaultSinks(): readonly LogSink[] {
  return defaultRoute().sinks;
}

function defaultRoute(): Route {
  if (state.defaultRoute === undefined) {
    const sinks: LogSink[] = [];
    if (state.role === 'forwarder') {
      sinks.push(forwarderSink());
    } else {
      sinks.push(new ConsoleSink());
      for (const provide of defaultSinkProviders) {
        const sink = provide();
        if (sink !== undefined) sinks.push(sink);
      }
    }
    state.defaultRoute = route(sinks);
  }
  return state.defaultRoute;
}

/**
 * Replaces this thread's default sinks (the previous ones are not closed). In a forwarding
 * worker thread this stops forwarding to the root thread.
 *
 * @since 0.1.0
 */
export function setDefaultSinks(sinks: readonly LogSink[]): void {
  state.defaultRoute = route(sinks);
  ensureLogReceiver();
}

/**
 * Sends the records of one flow run to `sinks` (instead of the default sinks) until the returned
 * function is called. Runner hooks and `flow()` use this for their `sinks` option.
 *
 * @since 0.1.0
 */
export function bindRunSinks(flowRunId: string, sinks: readonly LogSink[]): () => void {
  const r = route(sinks);
  state.runRoutes.set(flowRunId, r);
  ensureLogReceiver();
  return () => {
    if (state.runRoutes.get(flowRunId) === r) state.runRoutes.delete(flowRunId);
  };
}

/**
 * The sinks a record of this flow run goes to.
 *
 * @since 0.1.0
 */
export function sinksFor(flowRunId: string | null): readonly LogSink[] {
  return ((flowRunId !== null && state.runRoutes.get(flowRunId)) || defaultRoute()).sinks;
}

/** Lowest level any sink of this flow run accepts. */
export function minLevelFor(flowRunId: string | null): number {
  return ((flowRunId !== null && state.runRoutes.get(flowRunId)) || defaultRoute()).minLevel;
}

/**
 * Passes a record to the sinks of its flow run (or the default sinks). A sink that throws does not
 * keep the record from the other sinks; the first error is rethrown afterwards.
 *
 * @since 0.1.0
 * @experimental
 */
export function dispatchRecord(record: LogRecord): void {
  const r = (record.flowRunId !== null && state.runRoutes.get(record.flowRunId)) || defaultRoute();
  let failure: unknown;
  let failed = false;
  for (const sink of r.sinks) {
    if (record.level < sink.level) continue;
    try {
      sink.write(record);
    } catch (error) {
      if (!failed) {
        failed = true;
        failure = error;
      }
    }
  }
  if (failed) throw failure;
}

/**
 * In a root thread, starts receiving records from worker threads spawned from now on (idempotent,
 * cheap after the first call; a no-op in forwarding threads). The bridge calls this itself when
 * sinks are bound, hooks or flows are created, and loggers are used; call it yourself before
 * spawning workers when none of that happened yet.
 *
 * @since 0.1.0
 * @experimental
 */
export function ensureLogReceiver(): void {
  if (state.receiver !== undefined || state.role !== 'root') return;
  const counter = new SharedArrayBuffer(4);
  const link: ForwardingLink = { channel: `weft:prefect-bridge:logs:${randomUUID()}`, counter };
  const channel = new BroadcastChannel(link.channel);
  const receiver: Receiver = { channel, posted: new Int32Array(counter), received: 0, writtenOff: 0 };
  channel.onmessage = (event: unknown) => {
    const data = (event as { data?: unknown }).data as { type?: string; records?: LogRecord[] } | undefined;
    if (data?.type !== 'logs' || !Array.isArray(data.records)) return;
    receiver.received = (receiver.received + data.records.length) | 0;
    for (const record of data.records) {
      try {
        dispatchRecord(record);
      } catch (error) {
        if (!state.receiveErrorReported) {
          state.receiveErrorReported = true;
          process.stderr.write(
            `--- Error routing a log record from a worker thread ---\n${(error as Error)?.message ?? String(error)}\n`,
          );
        }
      }
    }
  };
  channel.unref();
  state.receiver = receiver;
  setEnvironmentData(ENV_KEY, link as unknown as Parameters<typeof setEnvironmentData>[1]);
}

// A root thread starts receiving at once, so that worker threads spawned after this module was
// imported (by any executor or pool) forward their records here.
ensureLogReceiver();

/**
 * Waits until every record posted so far by forwarding worker threads has been dispatched here
 * (at most `timeoutMs`, default 5000). Resolves `true` when nothing is outstanding. Records still
 * missing when it times out count as lost in transit: later waits do not wait for them again.
 *
 * @since 0.1.0
 * @experimental
 */
export async function waitForWorkerLogs(timeoutMs = 5000): Promise<boolean> {
  const receiver = state.receiver;
  if (receiver === undefined) return true;
  const deadline = Date.now() + timeoutMs;
  // records posted after this call (other nodes still running) are not waited for
  const target = Atomics.load(receiver.posted, 0);
  const outstanding = () => (target - receiver.received - receiver.writtenOff) | 0;
  while (outstanding() > 0) {
    if (Date.now() >= deadline) {
      receiver.writtenOff = (receiver.writtenOff + outstanding()) | 0;
      return false;
    }
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
  return true;
}

/**
 * Waits for records still travelling from worker threads, then flushes the default sinks and
 * every bound run's sinks (or only `sinks` when given). The whole of it takes at most `timeoutMs`
 * (default 5000): a sink still sending then (a slow or unreachable server) carries on in the
 * background, and what it cannot deliver is counted in its stats. Resolves `true` when everything
 * was delivered (or given up on by the sinks) in time. Never rejects.
 *
 * @since 0.1.0
 */
export async function flushLogs(
  options: { timeoutMs?: number; sinks?: readonly LogSink[] } = {},
): Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const started = Date.now();
  const arrived = await waitForWorkerLogs(timeoutMs);
  if (state.role === 'forwarder') state.forwarder?.flushNow();
  const sinks = new Set<LogSink>(options.sinks ?? []);
  if (options.sinks === undefined) {
    for (const s of defaultRoute().sinks) sinks.add(s);
    for (const r of state.runRoutes.values()) for (const s of r.sinks) sinks.add(s);
  }
  const flushes: Promise<unknown>[] = [];
  for (const sink of sinks) {
    try {
      const pending = sink.flush?.();
      if (pending !== undefined) flushes.push(Promise.resolve(pending).catch(() => undefined));
    } catch {
      // a sink whose flush throws has nothing more to deliver here
    }
  }
  if (flushes.length === 0) return arrived;
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([
    Promise.all(flushes).then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs - (Date.now() - started)));
    }),
  ]);
  clearTimeout(timer);
  return arrived && inTime;
}

function forwarderSink(): WorkerForwardSink {
  state.forwarder ??= new WorkerForwardSink(state.inherited as ForwardingLink);
  return state.forwarder;
}

/**
 * The default sink of a forwarding worker thread: batches records per microtask and posts them to
 * the root thread, which dispatches them with the flow/task run ids they carry.
 *
 * @since 0.1.0
 * @experimental
 */
export class WorkerForwardSink implements LogSink {
  /** Forwards everything; the root thread's sinks filter by level. */
  readonly level = 0;
  readonly #channel: BroadcastChannel;
  readonly #posted: Int32Array;
  #batch: LogRecord[] = [];

  /** @internal Created by the bridge from the link its root thread published. */
  constructor(link: ForwardingLink) {
    this.#channel = new BroadcastChannel(link.channel);
    this.#channel.unref();
    this.#posted = new Int32Array(link.counter);
  }

  /** Queues the record; the batch is posted at the end of the current microtask checkpoint. */
  write(record: LogRecord): void {
    this.#batch.push(record);
    if (this.#batch.length === 1) queueMicrotask(() => this.flushNow());
  }

  /** Posts the pending batch now. */
  flushNow(): void {
    const records = this.#batch;
    if (records.length === 0) return;
    this.#batch = [];
    Atomics.add(this.#posted, 0, records.length);
    try {
      this.#channel.postMessage({ type: 'logs', records });
    } catch {
      // an `extra` value that cannot be structured-cloned: send JSON-safe copies instead
      try {
        this.#channel.postMessage({ type: 'logs', records: records.map(cloneSafe) });
      } catch {
        Atomics.sub(this.#posted, 0, records.length);
      }
    }
  }

  /** Posts what is pending; the root thread's `flushLogs()` waits for it to arrive. */
  async flush(): Promise<void> {
    this.flushNow();
  }
}

function cloneSafe(record: LogRecord): LogRecord {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record.extra)) {
    try {
      extra[key] = structuredClone(value);
    } catch {
      extra[key] = typeof value === 'function' ? `[Function ${value.name || 'anonymous'}]` : String(value);
    }
  }
  return { ...record, extra };
}
