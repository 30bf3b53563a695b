/**
 * The context a job carries: a versioned envelope with the node's propagatable context variables
 * (`serializeContext` with the run's allow/deny filter), the W3C `traceparent`/`tracestate`/
 * `baggage` headers when OpenTelemetry is configured, and where the job came from. The worker
 * restores it around everything the node does.
 *
 * @module
 */
import { hostname } from 'node:os';
import { context as otelContext, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import {
  type ContextFilter,
  ContextSerializationError,
  deserializeContext,
  type SerializedContext,
  serializeContext,
} from '@weft/contextvars';
import { ContextEnvelopeError, WorkerJobError } from './errors.js';

/** Version of the envelope format. */
export const ENVELOPE_VERSION = 1;

/** Default cap of an envelope's JSON size, in bytes: 16 KiB. */
export const DEFAULT_MAX_CONTEXT_BYTES = 16 * 1024;

/** W3C trace context headers, as `propagation.inject` writes them. */
export interface TraceHeaders {
  traceparent?: string;
  tracestate?: string;
  baggage?: string;
}

/** The context part of a job's data (plain JSON). */
export interface ContextEnvelope {
  /** Format version ({@link ENVELOPE_VERSION}). */
  readonly v: 1;
  /** The node's propagatable context variables. */
  readonly vars: SerializedContext;
  /** W3C trace headers, present when OpenTelemetry propagators are registered and a trace is active. */
  readonly otel?: TraceHeaders;
  /** Who submitted the job. */
  readonly origin: {
    readonly runId: string;
    readonly node: string;
    readonly host: string;
    readonly pid: number;
  };
}

const HOST = hostname();

/** Options of {@link buildEnvelope}. */
export interface EnvelopeOptions {
  readonly runId: string;
  readonly node: string;
  readonly filter: ContextFilter | undefined;
  readonly maxBytes: number;
}

/**
 * Builds the envelope from the current context (the node's, when called inside its task).
 *
 * @throws {ContextEnvelopeError} naming the node and the variable when a value cannot be encoded
 * (`ERR_CONTEXT_UNSERIALIZABLE`) or the envelope is over `maxBytes` (`ERR_CONTEXT_TOO_LARGE`).
 */
export function buildEnvelope(options: EnvelopeOptions): ContextEnvelope {
  const { runId, node, filter, maxBytes } = options;
  let vars: SerializedContext;
  try {
    vars = serializeContext(undefined, { ...filter, maxBytes });
  } catch (error) {
    throw envelopeError(node, maxBytes, error);
  }
  const headers: Record<string, string> = {};
  propagation.inject(otelContext.active(), headers);
  const otel: TraceHeaders = {};
  for (const key of ['traceparent', 'tracestate', 'baggage'] as const) {
    const value = headers[key];
    if (typeof value === 'string' && value !== '') otel[key] = value;
  }
  const envelope: ContextEnvelope = {
    v: ENVELOPE_VERSION,
    vars,
    ...(Object.keys(otel).length > 0 ? { otel } : {}),
    origin: { runId, node, host: HOST, pid: process.pid },
  };
  const size = Buffer.byteLength(JSON.stringify(envelope));
  if (size > maxBytes) {
    const largest = Object.entries(vars.vars)
      .map(([name, value]) => [name, Buffer.byteLength(JSON.stringify(value))] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([name, bytes]) => `'${name}' ${bytes} bytes`)
      .join(', ');
    throw new ContextEnvelopeError(
      'ERR_CONTEXT_TOO_LARGE',
      `The context of node '${node}' is ${size} bytes in its job, over the limit of ${maxBytes} (maxContextBytes)` +
        `${largest === '' ? '' : `; largest variables: ${largest}`}. Keep large data in datasets, deny big variables with contextFilter, or raise maxContextBytes.`,
      node,
    );
  }
  return envelope;
}

function envelopeError(node: string, maxBytes: number, error: unknown): ContextEnvelopeError {
  const code = (error as { code?: unknown })?.code;
  if (error instanceof ContextSerializationError && code === 'ERR_CONTEXT_TOO_LARGE') {
    return new ContextEnvelopeError(
      'ERR_CONTEXT_TOO_LARGE',
      `The context of node '${node}' is over the limit of ${maxBytes} bytes (maxContextBytes): ${error.message}. Keep large data in datasets, deny big variables with contextFilter, or raise maxContextBytes.`,
      node,
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ContextEnvelopeError(
    'ERR_CONTEXT_UNSERIALIZABLE',
    `The context of node '${node}' cannot be sent to a worker: ${message}`,
    node,
    { cause: error },
  );
}

/**
 * Runs `fn` inside the envelope's context: the restored context variables (entered with
 * `Context.run`) and, when trace headers came along, the OpenTelemetry context extracted from them.
 *
 * @throws {WorkerJobError} when the envelope is not one this version understands.
 */
export function runInEnvelope<R>(envelope: ContextEnvelope, fn: () => R): R {
  if (envelope === null || typeof envelope !== 'object' || envelope.v !== ENVELOPE_VERSION) {
    throw new WorkerJobError(
      'ERR_JOB_ENVELOPE',
      `The job's context envelope has version ${JSON.stringify((envelope as { v?: unknown } | null)?.v)}; this worker understands version ${ENVELOPE_VERSION} (coordinator and workers must run compatible @weft/distributed versions).`,
    );
  }
  const ctx = deserializeContext(envelope.vars);
  const headers = envelope.otel;
  if (headers === undefined) return ctx.run(fn);
  const parent = propagation.extract(ROOT_CONTEXT, headers as Record<string, string>);
  return ctx.run(() => otelContext.with(parent, fn));
}
