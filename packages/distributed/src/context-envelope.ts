/**
 * The context a job carries: a versioned envelope with the carrier the process's propagator
 * fills (`injectContext`, the one seam of `@weft/contextvars`: the node's propagatable variables
 * after the run's allow/deny filter, and whatever other propagators add, such as W3C trace
 * context from `@weft/opentelemetry`), and where the job came from. The worker extracts it with
 * its own propagator (`extractContext`) around everything the node does.
 *
 * @module
 */
import { hostname } from 'node:os';
import {
  type Carrier,
  type Context,
  type ContextFilter,
  type ContextPropagator,
  ContextSerializationError,
  extractContext,
  type InjectOptions,
  injectContext,
} from '@weft/contextvars';
import { describeError } from '@weft/runner/extend';
import { ContextEnvelopeError, WorkerJobError } from './errors.js';

/** Version of the envelope format (2: one carrier of propagator fields; 1 had `vars` and `otel`). */
export const ENVELOPE_VERSION = 2;

/** Default cap of an envelope's JSON size, in bytes: 16 KiB. */
export const DEFAULT_MAX_CONTEXT_BYTES = 16 * 1024;

/** The context part of a job's data (plain JSON). */
export interface ContextEnvelope {
  /** Format version ({@link ENVELOPE_VERSION}). */
  readonly v: 2;
  /** What the coordinator's propagator injected (field name → JSON value). */
  readonly carrier: Carrier;
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

// The inject options of each (filter, cap), made once: contextvars caches the encoding of a
// context per options object, so one object per run keeps that cache working.
const injectOptions = new WeakMap<object, Map<number, InjectOptions>>();
const NO_FILTER = {};

function optionsFor(filter: ContextFilter | undefined, maxBytes: number): InjectOptions {
  const key = filter ?? NO_FILTER;
  let byCap = injectOptions.get(key);
  if (byCap === undefined) {
    byCap = new Map();
    injectOptions.set(key, byCap);
  }
  let options = byCap.get(maxBytes);
  if (options === undefined) {
    options = { ...filter, maxBytes };
    byCap.set(maxBytes, options);
  }
  return options;
}

/**
 * Builds the envelope from the current context (the node's, when called inside its task), through
 * the propagator of this process (`setGlobalPropagator`; the declared variables by default).
 *
 * @throws {ContextEnvelopeError} naming the node and the variable when a value cannot be encoded
 * (`ERR_CONTEXT_UNSERIALIZABLE`) or the envelope is over `maxBytes` (`ERR_CONTEXT_TOO_LARGE`).
 */
export function buildEnvelope(options: EnvelopeOptions): ContextEnvelope {
  const { runId, node, filter, maxBytes } = options;
  let carrier: Carrier;
  try {
    carrier = injectContext(undefined, optionsFor(filter, maxBytes));
  } catch (error) {
    throw envelopeError(node, maxBytes, error);
  }
  const envelope: ContextEnvelope = {
    v: ENVELOPE_VERSION,
    carrier,
    origin: { runId, node, host: HOST, pid: process.pid },
  };
  const size = Buffer.byteLength(JSON.stringify(envelope));
  if (size > maxBytes) {
    const declared = (carrier.context as { vars?: Record<string, unknown> } | undefined)?.vars ?? {};
    const largest = [
      ...Object.entries(declared).map(([name, value]) => [`'${name}'`, value] as const),
      ...Object.entries(carrier)
        .filter(([field]) => field !== 'context')
        .map(([field, value]) => [`carrier field '${field}'`, value] as const),
    ]
      .map(([name, value]) => [name, Buffer.byteLength(JSON.stringify(value))] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([name, bytes]) => `${name} ${bytes} bytes`)
      .join(', ');
    throw new ContextEnvelopeError(
      'ERR_CONTEXT_TOO_LARGE',
      `The context of node '${node}' is ${size} bytes in its job, over the limit of ${maxBytes} (maxContextBytes)` +
        `${largest === '' ? '' : `; largest: ${largest}`}. Keep large data in datasets, deny big variables with contextFilter, or raise maxContextBytes.`,
      node,
    );
  }
  return envelope;
}

function envelopeError(node: string, maxBytes: number, error: unknown): ContextEnvelopeError {
  const code = (error as { code?: unknown })?.code;
  if (ContextSerializationError.is(error) && code === 'ERR_CONTEXT_TOO_LARGE') {
    return new ContextEnvelopeError(
      'ERR_CONTEXT_TOO_LARGE',
      `The context of node '${node}' is over the limit of ${maxBytes} bytes (maxContextBytes): ${error.message}. Keep large data in datasets, deny big variables with contextFilter, or raise maxContextBytes.`,
      node,
      { cause: error },
    );
  }
  return new ContextEnvelopeError(
    'ERR_CONTEXT_UNSERIALIZABLE',
    `The context of node '${node}' cannot be sent to a worker: ${describeError(error)}`,
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

/** A restored envelope: the context to enter. */
export interface RestoredEnvelope {
  readonly context: Context;
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
 * Checks a job's context envelope and extracts its context (worker side) with `propagator`
 * (default: this process's, `setGlobalPropagator`). Everything is read as own properties of
 * plain JSON; the envelope's JSON must be at most `maxBytes` bytes. A carrier field no
 * propagator of this worker reads is reported once (a process warning) and ignored.
 *
 * @throws {WorkerJobError} `ERR_JOB_ENVELOPE`, naming the job and the node, when the envelope is
 * over the cap, of another version, missing or malformed in any part (the carrier, a field its
 * propagator reads), or when a variable's codec cannot decode its value: nothing a retry could
 * change.
 */
export function restoreEnvelope(
  envelope: unknown,
  source: EnvelopeSource,
  maxBytes: number,
  propagator?: ContextPropagator,
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
  const carrier = own(e, 'carrier');
  if (carrier === null || typeof carrier !== 'object' || Array.isArray(carrier)) {
    fail(`has no context carrier: 'carrier' is ${shown(carrier)}, not an object`);
  }
  let context: Context;
  try {
    context = extractContext(carrier, propagator === undefined ? undefined : { propagator });
  } catch (error) {
    return fail(`cannot be restored: ${describeError(error)}`, error);
  }
  return { context };
}

/** Runs `fn` inside a restored envelope's context (entered with `Context.run`). */
export function runInRestored<R>(restored: RestoredEnvelope, fn: () => R): R {
  return restored.context.run(fn);
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
