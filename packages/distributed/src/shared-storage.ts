/**
 * Shared storage: the folder (local, NFS, any mount every machine sees) where a node's arguments
 * and result travel between the coordinator and a worker, and where the datasets the runner keeps
 * between nodes live. Paths are derived from the storage root and the job id on each side: a
 * job's payload never names a path.
 *
 * Layout: `<root>/jobs/<jobId>.{args.v8,result.v8,error.json}` and
 * `<root>/runs/<runKey>/datasets/<dataset>.v8`.
 *
 * @module
 */
import { readFile, rm, unlink } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { writeFileAtomic } from '@weft/runner/extend';
import { DistributedConfigError } from './errors.js';

/** A job id or run key usable as one path segment (`+` appears in the ids of jobs of several nodes). */
const SEGMENT = /^[\w.+-]+$/;

/** Resolves the `storage` option (an absolute path or a `file:` URL) to an absolute path. */
export function storageRoot(storage: unknown, where: string): string {
  if (storage instanceof URL || (typeof storage === 'string' && storage.startsWith('file:'))) {
    return fileURLToPath(storage);
  }
  if (typeof storage === 'string' && isAbsolute(storage)) return storage;
  throw new DistributedConfigError(
    'ERR_DISTRIBUTED_OPTIONS',
    `${where}: 'storage' must be the absolute path (or file: URL) of a folder every worker can read and write, got ${JSON.stringify(storage) ?? String(storage)}.`,
  );
}

/** Checks that `segment` is safe as one path segment (no separators, not `.` or `..`). */
export function assertSegment(segment: string, what: string): void {
  if (!SEGMENT.test(segment) || segment === '.' || segment === '..') {
    throw new DistributedConfigError(
      'ERR_STORAGE_PATH',
      `${what} ${JSON.stringify(segment)} is not a safe path segment.`,
    );
  }
}

/** Where one job's files live. */
export interface JobFiles {
  readonly args: string;
  readonly result: string;
  readonly error: string;
}

/** The folder of every job's files under `root`. */
export function jobsDir(root: string): string {
  return join(root, 'jobs');
}

/** The files of job `jobId` under `root`. */
export function jobFiles(root: string, jobId: string): JobFiles {
  assertSegment(jobId, 'Job id');
  const base = join(root, 'jobs', jobId);
  return { args: `${base}.args.v8`, result: `${base}.result.v8`, error: `${base}.error.json` };
}

/** The folder of the datasets the runner keeps for run `runKey`. */
export function runDatasetsDir(root: string, runKey: string): string {
  assertSegment(runKey, 'Run key');
  return join(root, 'runs', runKey, 'datasets');
}

/** The folder of run `runKey`. */
export function runDir(root: string, runKey: string): string {
  assertSegment(runKey, 'Run key');
  return join(root, 'runs', runKey);
}

/**
 * Writes `data` to `filepath` atomically: a temporary file in the same folder, then renamed over
 * the target, so a reader never sees half a file and a writer that dies leaves the old one (or
 * none); the temporary files of writers that died are removed by later writes into the folder
 * (`writeFileAtomic` of @weft/runner). Creates the folder when it is missing. No fsync: these
 * files matter while the processes that use them run (and a network file system flushes on close).
 */
export async function writeAtomic(filepath: string, data: string | Uint8Array): Promise<void> {
  await writeFileAtomic(filepath, data, { sync: false });
}

/**
 * Serializes `value` with V8's serializer (structured clone: plain data, Maps, Sets, Dates,
 * typed arrays, Buffers, errors; class instances arrive as plain objects; functions throw).
 */
export function encodeValue(value: unknown): Buffer {
  return serialize(value);
}

/** Reverses {@link encodeValue}. */
export function decodeValue(bytes: Uint8Array): unknown {
  return deserialize(bytes);
}

/** Writes `value` to `filepath` (V8 serialization, atomic). Resolves to the number of bytes. */
export async function writeValue(filepath: string, value: unknown): Promise<number> {
  const bytes = encodeValue(value);
  await writeAtomic(filepath, bytes);
  return bytes.length;
}

/** Reads a value written by {@link writeValue}. */
export async function readValue(filepath: string): Promise<unknown> {
  return decodeValue(await readFile(filepath));
}

/** Removes a file or folder; a missing one is fine. */
export async function remove(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/** Removes a file; a missing one is fine. */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
