/**
 * What a job carries and how job ids are derived from the run id and the node name.
 *
 * A job runs one node, or a group of nodes one after the other on one worker (`groupNodes`). It
 * carries names, each node's context envelope and where each node's arguments come from: values
 * from outside the job (small ones inline, V8-serialized in base64, larger ones in the job's args
 * file in shared storage) or the result of an earlier node of the same job (links).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { ContextEnvelope } from './context-envelope.js';
import { WorkerJobError } from './errors.js';

/** Version of the job payload format. */
export const JOB_VERSION = 2;

/**
 * An argument of a node taken from the result of an earlier node of the same job:
 * `[position, member, select]`. `position` is the argument index, or (for a node whose inputs are
 * an object mapping) the key in its one object argument; `member` the index of the producing node
 * in the job; `select` picks the dataset from that node's result: `null` (its one output), an
 * index (list outputs) or a key (object outputs).
 */
export type ArgLink = readonly [position: number | string, member: number, select: number | string | null];

/** One node of a job. */
export interface JobNode {
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
  /** Arguments that are results of earlier nodes of this job (omitted when none). */
  readonly links?: readonly ArgLink[];
  /** Further tries of this node inside the job when it throws (groups only; default 0). */
  readonly retries?: number;
  /** Milliseconds between those tries (default 0). */
  readonly retryDelayMs?: number;
}

/** The data of a BullMQ job of a DistributedRunner (plain JSON, small). */
export interface NodeJobData {
  /** Format version ({@link JOB_VERSION}). */
  readonly v: 2;
  /** The run id, as the hooks see it. */
  readonly runId: string;
  /** The nodes, in the order they run. */
  readonly nodes: readonly JobNode[];
  /**
   * Each node's arguments from outside the job (an array per node, links left `undefined`),
   * V8-serialized and base64-encoded, when small; absent when they are in the job's args file.
   */
  readonly input?: string;
  /** Results whose V8 serialization is at most this many bytes come back inline (0: always a file). */
  readonly inline: number;
  /** Fingerprint of the code that built the job (see `code-fingerprint.ts`). */
  readonly code: string;
}

/** What the worker sends back for a job: each node's result, and how long each took. */
export interface JobResults {
  /** Results, one per node that completed (a streaming node's chunks as an array). */
  readonly r: readonly unknown[];
  /** Milliseconds each node took. */
  readonly ms: readonly number[];
  /** Index of the node that failed (the job failed), when it is not the first. */
  readonly failed?: number;
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

/**
 * The job id of a job whose first node is `node`, in the run with key `runKey`:
 * `<runKey>__<node>`, plus `+<n>` for a job of `n` > 1 nodes (no `:`, never all digits).
 */
export function jobIdOf(runKey: string, node: string, size = 1): string {
  return size > 1 ? `${runKey}__${node}+${size}` : `${runKey}__${node}`;
}

/** Whether `jobId` can name files in shared storage. */
export function isSafeJobId(jobId: string): boolean {
  return /^[\w.+-]+$/.test(jobId) && jobId !== '.' && jobId !== '..';
}

function fail(jobId: string, what: string, node?: string): never {
  throw new WorkerJobError(
    'ERR_JOB_PAYLOAD',
    `Job ${jobId}${node === undefined ? '' : ` (node '${node}')`} is not a Weft node job this worker understands: ${what}.`,
  );
}

/** An own property, never an inherited one (job data comes from JSON: no accessors). */
function own(value: object, key: string): unknown {
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

function isRecord(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function nonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function parseLinks(jobId: string, node: string, index: number, value: unknown): ArgLink[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) fail(jobId, "'links' is not an array", node);
  const links: ArgLink[] = [];
  for (const link of value as unknown[]) {
    if (!Array.isArray(link) || link.length !== 3)
      fail(jobId, 'a link is not [position, node, output]', node);
    const [position, member, select] = link as unknown[];
    if (!nonNegativeInteger(position) && typeof position !== 'string')
      fail(jobId, 'a link position is neither an index nor a key', node);
    if (!nonNegativeInteger(member) || member >= index)
      fail(jobId, 'a link names no earlier node of the job', node);
    if (select !== null && !nonNegativeInteger(select) && typeof select !== 'string')
      fail(jobId, 'a link output is neither null, an index nor a key', node);
    links.push([position as number | string, member as number, select as number | string | null]);
  }
  return links;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function parseMember(jobId: string, index: number, value: unknown): JobNode {
  if (!isRecord(value)) fail(jobId, `node ${index} is not an object`);
  const d = value as object;
  // Straight-line checks, one object built at the end: this runs for every node of every job.
  const node = own(d, 'node');
  const named = nonEmptyString(node) ? node : undefined;
  if (named === undefined) fail(jobId, "'node' is not a non-empty string");
  const module = own(d, 'module');
  if (!nonEmptyString(module)) fail(jobId, "'module' is not a non-empty string", named);
  const exportName = own(d, 'export');
  if (!nonEmptyString(exportName)) fail(jobId, "'export' is not a non-empty string", named);
  const streaming = own(d, 'streaming');
  if (typeof streaming !== 'boolean') fail(jobId, "'streaming' is not a boolean", named);
  const ctx = own(d, 'ctx');
  if (ctx === null || typeof ctx !== 'object') fail(jobId, "'ctx' is not an object", named);
  const links = parseLinks(jobId, named as string, index, own(d, 'links'));
  const retries = own(d, 'retries');
  if (retries !== undefined && !nonNegativeInteger(retries))
    fail(jobId, "'retries' is not a non-negative integer", named);
  const retryDelayMs = own(d, 'retryDelayMs');
  if (retryDelayMs !== undefined && !nonNegativeInteger(retryDelayMs))
    fail(jobId, "'retryDelayMs' is not a non-negative integer", named);
  const member: {
    node: string;
    module: string;
    export: string;
    streaming: boolean;
    ctx: ContextEnvelope;
    links?: readonly ArgLink[];
    retries?: number;
    retryDelayMs?: number;
  } = {
    node: named as string,
    module: module as string,
    export: exportName as string,
    streaming: streaming as boolean,
    ctx: ctx as ContextEnvelope,
  };
  if (links !== undefined) member.links = links;
  if (retries !== undefined) member.retries = retries as number;
  if (retryDelayMs !== undefined) member.retryDelayMs = retryDelayMs as number;
  return member;
}

/**
 * Validates a job's data on the worker. Only own properties of the data are read, so names such as
 * `constructor` or `__proto__` in it are data, never a lookup on a prototype chain.
 *
 * @throws {WorkerJobError} naming the job (and the node, when the data names one) and the field at
 * fault.
 */
export function parseNodeJob(jobId: string, data: unknown): NodeJobData {
  if (!isSafeJobId(jobId)) fail(jobId, 'its id is not a safe path segment');
  if (!isRecord(data)) fail(jobId, 'its data is not an object');
  const d = data as object;
  const list = own(d, 'nodes');
  const first = Array.isArray(list) && isRecord(list[0]) ? own(list[0] as object, 'node') : undefined;
  const named = typeof first === 'string' && first !== '' ? first : undefined;
  const version = own(d, 'v');
  if (version !== JOB_VERSION) {
    fail(
      jobId,
      `payload version ${JSON.stringify(version) ?? typeof version}, this worker understands ${JOB_VERSION} (coordinator and workers must run the same @weft/distributed version)`,
      named,
    );
  }
  const runId = own(d, 'runId');
  if (typeof runId !== 'string' || runId === '') fail(jobId, "'runId' is not a non-empty string", named);
  if (!Array.isArray(list) || list.length === 0) fail(jobId, "'nodes' is not a non-empty array", named);
  const members = list as unknown[];
  const nodes: JobNode[] = [];
  for (let i = 0; i < members.length; i++) nodes.push(parseMember(jobId, i, members[i]));
  const input = own(d, 'input');
  if (input !== undefined && typeof input !== 'string') fail(jobId, "'input' is not a string", named);
  const inline = own(d, 'inline');
  if (!nonNegativeInteger(inline)) fail(jobId, "'inline' is not a non-negative integer", named);
  const code = own(d, 'code');
  if (typeof code !== 'string') fail(jobId, "'code' is not a string", named);
  const parsed: { -readonly [K in keyof NodeJobData]: NodeJobData[K] } = {
    v: JOB_VERSION,
    runId: runId as string,
    nodes,
    inline: inline as number,
    code: code as string,
  };
  if (input !== undefined) parsed.input = input as string;
  return parsed;
}
