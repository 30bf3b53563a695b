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
  type Context,
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

/** Default cap of an envelope a worker accepts, in bytes of its JSON: 64 KiB (the default job cap). */
export const DEFAULT_MAX_ENVELOPE_BYTES = 64 * 1024;

/** Where an envelope came from, for messages. */
export interface EnvelopeSource {
  /** The BullMQ job id. */
  readonly jobId: string;
  /** The node, when the job names one. */
  readonly node: string | undefined;
}

/** A restored envelope: the context to enter and the trace headers to extract. */
export interface RestoredEnvelope {
  readonly context: Context;
  readonly otel: TraceHeaders | undefined;
}

/** An own data property, never an inherited or computed one. */
function own(value: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(value, key)?.value;
}

function shown(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    // not JSON
  }
  return typeof value;
}

/**
 * Checks a job's context envelope and rebuilds its context (worker side). Everything is read as
 * own properties of plain JSON; the envelope's JSON must be at most `maxBytes` bytes.
 *
 * @throws {WorkerJobError} `ERR_JOB_ENVELOPE`, naming the job and the node, when the envelope is
 * over the cap, of another version, missing or malformed in any part (`vars`, `otel`), or when a
 * variable's codec cannot decode its value: nothing a retry could change.
 */
export function restoreEnvelope(
  envelope: unknown,
  source: EnvelopeSource,
  maxBytes: number,
): RestoredEnvelope {
  const fail = (what: string, cause?: unknown): never => {
    const where =
      source.node === undefined ? `job ${source.jobId}` : `node '${source.node}' (job ${source.jobId})`;
    throw new WorkerJobError(
      'ERR_JOB_ENVELOPE',
      `The context envelope of ${where} ${what}.`,
      cause === undefined ? undefined : { cause },
    );
  };
  if (envelope === null || typeof envelope !== 'object' || Array.isArray(envelope)) {
    fail(`is ${shown(envelope)}, not an object`);
  }
  const e = envelope as object;
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(e));
  } catch (error) {
    return fail('is not JSON', error);
  }
  if (size > maxBytes) {
    fail(
      `is ${size} bytes, over this worker's limit of ${maxBytes} (maxEnvelopeBytes, weft-worker --max-envelope-bytes); raise it to match the coordinator's maxContextBytes`,
    );
  }
  const version = own(e, 'v');
  if (version !== ENVELOPE_VERSION) {
    fail(
      `has version ${shown(version)}; this worker understands version ${ENVELOPE_VERSION} (coordinator and workers must run compatible @weft/distributed versions)`,
    );
  }
  const vars = own(e, 'vars');
  if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) {
    fail(`has no context variables: 'vars' is ${shown(vars)}, not an object`);
  }
  let otel: TraceHeaders | undefined;
  const headers = own(e, 'otel');
  if (headers !== undefined) {
    if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
      fail(`has 'otel' ${shown(headers)}, not an object of trace headers`);
    }
    const checked: TraceHeaders = {};
    for (const key of Object.keys(headers as object)) {
      const value = own(headers as object, key);
      if (key !== 'traceparent' && key !== 'tracestate' && key !== 'baggage') {
        fail(`has an unknown trace header ${shown(key)} in 'otel'`);
      }
      if (typeof value !== 'string') fail(`has trace header '${key}' ${shown(value)}, not a string`);
      checked[key as keyof TraceHeaders] = value as string;
    }
    otel = checked;
  }
  let context: Context;
  try {
    context = deserializeContext(vars as SerializedContext);
  } catch (error) {
    return fail(`cannot be restored: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  return { context, otel };
}

/**
 * Runs `fn` inside a restored envelope: its context variables (entered with `Context.run`) and,
 * when trace headers came along, the OpenTelemetry context extracted from them.
 */
export function runInRestored<R>(restored: RestoredEnvelope, fn: () => R): R {
  const { context, otel } = restored;
  if (otel === undefined) return context.run(fn);
  const parent = propagation.extract(ROOT_CONTEXT, otel as Record<string, string>);
  return context.run(() => otelContext.with(parent, fn));
}

/**
 * Runs `fn` inside the envelope's context (see {@link restoreEnvelope} and {@link runInRestored}).
 *
 * @throws {WorkerJobError} `ERR_JOB_ENVELOPE` when the envelope cannot be restored.
 */
export function runInEnvelope<R>(
  envelope: ContextEnvelope,
  fn: () => R,
  source: EnvelopeSource = { jobId: 'unknown', node: undefined },
  maxBytes = Number.POSITIVE_INFINITY,
): R {
  return runInRestored(restoreEnvelope(envelope, source, maxBytes), fn);
}
