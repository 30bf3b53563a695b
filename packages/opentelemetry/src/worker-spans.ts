/**
 * Spans from worker threads, exported by the main thread. A worker thread of piscina (Weft's
 * `WorkerThreadExecutor`, `ParallelRunner`) sleeps in `Atomics.wait` between tasks and is
 * terminated without notice at shutdown, so an exporter of its own loses what it has not sent.
 * Instead, {@link WorkerSpanForwarder} (the span processor of the worker's tracer provider) posts
 * each finished span to the main thread, where {@link receiveWorkerSpans} hands it to the main
 * thread's span processor (and so its exporter). {@link flushWorkerSpans} waits for spans still
 * travelling (the run hooks call it at the end of each run).
 *
 * Every thread spawned after `receiveWorkerSpans` finds the channel through
 * `worker_threads.setEnvironmentData`; the state is behind a `Symbol.for` key so two copies of
 * this package share it.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { BroadcastChannel, getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';
import {
  type Attributes,
  createTraceState,
  type HrTime,
  type Link,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
} from '@opentelemetry/api';
import { WeftOpenTelemetryError } from './errors.js';

const ENV_KEY = '@weft/opentelemetry/worker-spans/v1';
const STATE_KEY = Symbol.for('@weft/opentelemetry/worker-spans/v1');

/** What a span processor needs to be (the SDK's `SpanProcessor`, structurally). */
export interface SpanProcessorLike {
  onStart(span: unknown, parentContext: unknown): void;
  onEnd(span: ReadableSpanLike): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** A timed event of a span (the SDK's `TimedEvent`). */
export interface TimedEventLike {
  readonly name: string;
  readonly time: HrTime;
  readonly attributes?: Attributes;
  readonly droppedAttributesCount?: number;
}

/** A finished span as exporters read it (the SDK's `ReadableSpan`, structurally). */
export interface ReadableSpanLike {
  readonly name: string;
  readonly kind: SpanKind;
  readonly spanContext: () => SpanContext;
  readonly parentSpanContext?: SpanContext;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly links: Link[];
  readonly events: TimedEventLike[];
  readonly duration: HrTime;
  readonly ended: boolean;
  readonly resource: { readonly attributes: Attributes; readonly schemaUrl?: string };
  readonly instrumentationScope: {
    readonly name: string;
    readonly version?: string;
    readonly schemaUrl?: string;
  };
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
}

interface ChannelLink {
  /** BroadcastChannel name unique to the receiving thread. */
  readonly channel: string;
  /** [0]: spans posted by workers (wrapping int32). */
  readonly counter: SharedArrayBuffer;
}

interface WireContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly isRemote?: boolean;
  readonly traceState?: string;
}

interface WireSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly context: WireContext;
  readonly parent?: WireContext;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly links: { context: WireContext; attributes?: Attributes; droppedAttributesCount?: number }[];
  readonly events: TimedEventLike[];
  readonly duration: HrTime;
  readonly resource: { readonly attributes: Attributes; readonly schemaUrl?: string };
  readonly scope: { readonly name: string; readonly version?: string; readonly schemaUrl?: string };
  readonly dropped: readonly [number, number, number];
}

interface Receiver {
  readonly channel: BroadcastChannel;
  readonly posted: Int32Array;
  received: number;
  /** Given up on by a flush that timed out: later flushes do not wait for them again. */
  writtenOff: number;
  readonly processor: SpanProcessorLike;
  readonly resources: Map<string, ReadableSpanLike['resource']>;
}

interface State {
  receiver: Receiver | undefined;
  forwarder: { channel: BroadcastChannel; posted: Int32Array } | undefined;
  warnedNoReceiver: boolean;
}

const holder = globalThis as { [STATE_KEY]?: State };
const state: State = holder[STATE_KEY] ?? {
  receiver: undefined,
  forwarder: undefined,
  warnedNoReceiver: false,
};
holder[STATE_KEY] = state;

function wireContext(context: SpanContext): WireContext {
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    traceFlags: context.traceFlags,
    ...(context.isRemote === undefined ? {} : { isRemote: context.isRemote }),
    ...(context.traceState === undefined ? {} : { traceState: context.traceState.serialize() }),
  };
}

function spanContextOf(wire: WireContext): SpanContext {
  return {
    traceId: wire.traceId,
    spanId: wire.spanId,
    traceFlags: wire.traceFlags,
    ...(wire.isRemote === undefined ? {} : { isRemote: wire.isRemote }),
    ...(wire.traceState === undefined ? {} : { traceState: createTraceState(wire.traceState) }),
  };
}

function toWire(span: ReadableSpanLike): WireSpan {
  return {
    name: span.name,
    kind: span.kind,
    context: wireContext(span.spanContext()),
    ...(span.parentSpanContext === undefined ? {} : { parent: wireContext(span.parentSpanContext) }),
    startTime: span.startTime,
    endTime: span.endTime,
    status: { ...span.status },
    attributes: { ...span.attributes },
    links: span.links.map((link) => ({
      context: wireContext(link.context),
      ...(link.attributes === undefined ? {} : { attributes: { ...link.attributes } }),
      ...(link.droppedAttributesCount === undefined
        ? {}
        : { droppedAttributesCount: link.droppedAttributesCount }),
    })),
    events: span.events.map((event) => ({
      name: event.name,
      time: event.time,
      ...(event.attributes === undefined ? {} : { attributes: { ...event.attributes } }),
      ...(event.droppedAttributesCount === undefined
        ? {}
        : { droppedAttributesCount: event.droppedAttributesCount }),
    })),
    duration: span.duration,
    resource: {
      attributes: { ...span.resource.attributes },
      ...(span.resource.schemaUrl === undefined ? {} : { schemaUrl: span.resource.schemaUrl }),
    },
    scope: { ...span.instrumentationScope },
    dropped: [span.droppedAttributesCount, span.droppedEventsCount, span.droppedLinksCount],
  };
}

/** A resource as exporters and processors read it, one object per distinct resource. */
function resourceOf(receiver: Receiver, wire: WireSpan['resource']): ReadableSpanLike['resource'] {
  const key = JSON.stringify(wire);
  let resource = receiver.resources.get(key);
  if (resource === undefined) {
    const attributes = wire.attributes;
    const rebuilt = {
      attributes,
      ...(wire.schemaUrl === undefined ? {} : { schemaUrl: wire.schemaUrl }),
      asyncAttributesPending: false,
      waitForAsyncAttributes: () => Promise.resolve(),
      getRawAttributes: () => Object.entries(attributes),
      merge: (other: unknown) => other ?? rebuilt,
    };
    resource = rebuilt;
    receiver.resources.set(key, resource);
  }
  return resource;
}

function fromWire(receiver: Receiver, wire: WireSpan): ReadableSpanLike {
  const context = spanContextOf(wire.context);
  const parent = wire.parent === undefined ? undefined : spanContextOf(wire.parent);
  return {
    name: wire.name,
    kind: wire.kind,
    spanContext: () => context,
    ...(parent === undefined ? {} : { parentSpanContext: parent, parentSpanId: parent.spanId }),
    startTime: wire.startTime,
    endTime: wire.endTime,
    status: wire.status,
    attributes: wire.attributes,
    links: wire.links.map((link) => ({ ...link, context: spanContextOf(link.context) })),
    events: wire.events,
    duration: wire.duration,
    ended: true,
    resource: resourceOf(receiver, wire.resource),
    instrumentationScope: wire.scope,
    droppedAttributesCount: wire.dropped[0],
    droppedEventsCount: wire.dropped[1],
    droppedLinksCount: wire.dropped[2],
  };
}

/** What {@link receiveWorkerSpans} returns. */
export interface WorkerSpanReceiver {
  /** Waits (at most `timeoutMs`, default 5000) for spans still travelling from worker threads. */
  flush(timeoutMs?: number): Promise<void>;
  /** Stops receiving (workers spawned later forward nothing). */
  close(): void;
}

/**
 * On the main thread: receives the spans that worker threads spawned from now on forward with
 * {@link WorkerSpanForwarder}, and hands each to `processor` (the main tracer provider's span
 * processor, e.g. a `BatchSpanProcessor` with an OTLP exporter) as a finished span. Call it before
 * the first worker starts. One receiver per thread.
 *
 * @throws {WeftOpenTelemetryError} `ERR_OTEL_INVALID_ARGUMENT` when `processor` has no `onEnd`, or
 * a receiver is already running in this thread.
 */
export function receiveWorkerSpans(processor: SpanProcessorLike): WorkerSpanReceiver {
  if (processor === null || typeof processor !== 'object' || typeof processor.onEnd !== 'function') {
    throw new WeftOpenTelemetryError(
      'ERR_OTEL_INVALID_ARGUMENT',
      'receiveWorkerSpans: expected a span processor (with onEnd), e.g. the BatchSpanProcessor of the main tracer provider',
    );
  }
  if (state.receiver !== undefined) {
    throw new WeftOpenTelemetryError(
      'ERR_OTEL_INVALID_ARGUMENT',
      'receiveWorkerSpans: this thread receives worker spans already; close() that receiver first',
    );
  }
  const link: ChannelLink = {
    channel: `weft:opentelemetry:spans:${randomUUID()}`,
    counter: new SharedArrayBuffer(4),
  };
  const channel = new BroadcastChannel(link.channel);
  const receiver: Receiver = {
    channel,
    posted: new Int32Array(link.counter),
    received: 0,
    writtenOff: 0,
    processor,
    resources: new Map(),
  };
  channel.onmessage = (event: unknown) => {
    const data = (event as { data?: unknown }).data as { type?: string; spans?: WireSpan[] } | undefined;
    if (data?.type !== 'spans' || !Array.isArray(data.spans)) return;
    receiver.received = (receiver.received + data.spans.length) | 0;
    for (const wire of data.spans) {
      try {
        processor.onEnd(fromWire(receiver, wire));
      } catch (error) {
        process.emitWarning(
          `a span from a worker thread could not be exported: ${(error as Error)?.message}`,
          {
            code: 'WEFT_OTEL_WORKER_SPAN',
          },
        );
      }
    }
  };
  // Keep the process alive for nothing but this channel: never.
  (channel as unknown as { unref?: () => void }).unref?.();
  state.receiver = receiver;
  setEnvironmentData(ENV_KEY, link);
  return {
    flush: (timeoutMs) => flushWorkerSpans(timeoutMs),
    close: () => {
      if (state.receiver !== receiver) return;
      state.receiver = undefined;
      setEnvironmentData(ENV_KEY, undefined);
      channel.close();
    },
  };
}

/**
 * Waits until every span posted by worker threads so far has reached this thread's receiver, or
 * `timeoutMs` (default 5000) has passed; resolves at once when nothing is travelling or this
 * thread has no receiver. Spans given up on are not waited for again.
 */
export async function flushWorkerSpans(timeoutMs = 5000): Promise<void> {
  const receiver = state.receiver;
  if (receiver === undefined) return;
  const deadline = performance.now() + timeoutMs;
  const pending = () => (Atomics.load(receiver.posted, 0) - receiver.received - receiver.writtenOff) | 0;
  while (pending() > 0) {
    if (performance.now() >= deadline) {
      receiver.writtenOff = (receiver.writtenOff + pending()) | 0;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * The span processor of a worker thread's tracer provider: posts every finished (sampled) span to
 * the main thread's {@link receiveWorkerSpans}, which exports it. On the main thread, or in a
 * worker spawned before the main thread started receiving, spans are dropped (with one warning).
 *
 * @example
 * ```ts
 * // in the set-up module, for worker threads
 * new NodeTracerProvider({ spanProcessors: [new WorkerSpanForwarder()] })
 *   .register({ contextManager: new WeftContextManager() });
 * ```
 */
export class WorkerSpanForwarder implements SpanProcessorLike {
  /** Nothing to do when a span starts. */
  onStart(): void {}

  /** Posts the finished span to the main thread. */
  onEnd(span: ReadableSpanLike): void {
    if ((span.spanContext().traceFlags & 1) === 0) return;
    const forwarder = forwarderOf();
    if (forwarder === undefined) return;
    Atomics.add(forwarder.posted, 0, 1);
    forwarder.channel.postMessage({ type: 'spans', spans: [toWire(span)] });
  }

  /** Spans are posted as they end: nothing is held back. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Closes this thread's channel. */
  shutdown(): Promise<void> {
    state.forwarder?.channel.close();
    state.forwarder = undefined;
    return Promise.resolve();
  }
}

function forwarderOf(): State['forwarder'] {
  if (state.forwarder !== undefined) return state.forwarder;
  const link = isMainThread ? undefined : (getEnvironmentData(ENV_KEY) as ChannelLink | undefined);
  if (link === undefined) {
    if (!state.warnedNoReceiver) {
      state.warnedNoReceiver = true;
      process.emitWarning(
        'WorkerSpanForwarder: no main thread receives spans (call receiveWorkerSpans(processor) on the main thread ' +
          'before workers start); the spans of this thread are dropped.',
        { code: 'WEFT_OTEL_NO_SPAN_RECEIVER' },
      );
    }
    return undefined;
  }
  const channel = new BroadcastChannel(link.channel);
  (channel as unknown as { unref?: () => void }).unref?.();
  state.forwarder = { channel, posted: new Int32Array(link.counter) };
  return state.forwarder;
}
