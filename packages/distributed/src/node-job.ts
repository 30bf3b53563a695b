/**
 * What one node's job carries (names and the context envelope, never data) and how job ids are
 * derived from the run id and the node name.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { ContextEnvelope } from './context-envelope.js';
import { WorkerJobError } from './errors.js';

/** Version of the job payload format. */
export const JOB_VERSION = 1;

/** The data of a node's BullMQ job (plain JSON, small). */
export interface NodeJobData {
  /** Format version ({@link JOB_VERSION}). */
  readonly v: 1;
  /** The run id, as the hooks see it. */
  readonly runId: string;
  /** The node name. */
  readonly node: string;
  /** URL of the module whose export is the node function. */
  readonly module: string;
  /** Name of that export. */
  readonly export: string;
  /** Whether the function is a generator: the worker collects its chunks. */
  readonly streaming: boolean;
  /** The node's context. */
  readonly ctx: ContextEnvelope;
}

const SAFE = /^[\w.-]+$/;

/**
 * A run id as one safe path segment and job id prefix: the id itself when it is made of
 * `[A-Za-z0-9_.-]` (without `__`), else a readable prefix plus a hash of the exact id.
 */
export function runKeyOf(runId: string): string {
  if (SAFE.test(runId) && runId.length <= 96 && !runId.includes('__') && runId !== '.' && runId !== '..') {
    return runId;
  }
  const readable = runId
    .replace(/[^\w.-]+/g, '-')
    .replace(/_{2,}/g, '_')
    .slice(0, 48);
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 16);
  return `${readable}-${hash}`;
}

/** The job id of `node` in the run with key `runKey`: `<runKey>__<node>` (no `:`, never all digits). */
export function jobIdOf(runKey: string, node: string): string {
  return `${runKey}__${node}`;
}

function fail(jobId: string, what: string, node?: string): never {
  throw new WorkerJobError(
    'ERR_JOB_PAYLOAD',
    `Job ${jobId}${node === undefined ? '' : ` (node '${node}')`} is not a Weft node job this worker understands: ${what}.`,
  );
}

/** An own data property, never an inherited or computed one. */
function own(value: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(value, key)?.value;
}

/**
 * Validates a job's data on the worker. Only own properties of the data are read, so names such as
 * `constructor` or `__proto__` in it are data, never a lookup on a prototype chain.
 *
 * @throws {WorkerJobError} naming the job (and the node, when the data names one) and the field at
 * fault.
 */
export function parseNodeJob(jobId: string, data: unknown): NodeJobData {
  if (!SAFE.test(jobId) || jobId === '.' || jobId === '..') fail(jobId, 'its id is not a safe path segment');
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    fail(jobId, 'its data is not an object');
  const d = data as object;
  const named = own(d, 'node');
  const node = typeof named === 'string' && named !== '' ? named : undefined;
  const version = own(d, 'v');
  if (version !== JOB_VERSION) {
    fail(
      jobId,
      `payload version ${JSON.stringify(version) ?? typeof version}, this worker understands ${JOB_VERSION}`,
      node,
    );
  }
  const strings: Record<'runId' | 'node' | 'module' | 'export', string> = {
    runId: '',
    node: '',
    module: '',
    export: '',
  };
  for (const key of ['runId', 'node', 'module', 'export'] as const) {
    const value = own(d, key);
    if (typeof value !== 'string' || value === '') fail(jobId, `'${key}' is not a non-empty string`, node);
    strings[key] = value as string;
  }
  const streaming = own(d, 'streaming');
  if (typeof streaming !== 'boolean') fail(jobId, "'streaming' is not a boolean", node);
  const ctx = own(d, 'ctx');
  if (ctx === null || typeof ctx !== 'object') fail(jobId, "'ctx' is not an object", node);
  return { v: JOB_VERSION, ...strings, streaming: streaming as boolean, ctx: ctx as ContextEnvelope };
}
