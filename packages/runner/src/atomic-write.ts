/**
 * Atomic file writes: the data goes to a temporary file in the same folder, is flushed to disk,
 * then renamed over the target, so a crash never leaves a half-written file behind.
 *
 * A writer killed mid-write (SIGKILL, power loss) leaves its temporary file. Temporary files are
 * named after the writer (`.<file>.<writer>-<pid>.<random>.tmp`, where `<writer>` is a hash of
 * the host name and, on Linux, the PID namespace), so a later write into the same folder removes
 * those of writers that are gone: same writer tag and a process id that no longer exists. A
 * process that still exists is never touched (even one that merely reuses a dead writer's id),
 * nor are this process's own files; files of other hosts, whose processes cannot be checked from
 * here, are removed once untouched for a day. Each folder is swept at most once a minute per
 * process.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * Options of {@link writeFileAtomic}.
 *
 * @since 0.1.0
 * @experimental
 */
export interface WriteFileAtomicOptions {
  /**
   * Flush the data to disk before the rename (default true), so the file survives a power loss.
   * Files that only matter while the processes using them run may skip it.
   */
  sync?: boolean;
  /**
   * Never replace an existing `filepath`: the write fails with `EEXIST` instead (the temporary file
   * is hard-linked into place, which fails when the name is taken, even by a concurrent write).
   */
  exclusive?: boolean;
}

/**
 * Temporary files of other hosts are removed once untouched for this long.
 *
 * @since 0.1.0
 * @experimental
 */
export const FOREIGN_TEMP_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** A folder is swept for dead writers' temporary files at most this often per process. */
const SWEEP_INTERVAL_MS = 60_000;
const MAX_TRACKED_FOLDERS = 10_000;

/** `.<file>.<writer tag>-<pid>.<random>.tmp` */
const TEMP_NAME = /^\..+\.([0-9a-f]{8})-(\d+)\.[0-9a-f]+\.tmp$/;

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

/** Who writes: processes with the same tag see each other's process ids. */
export const WRITER_TAG = createHash('sha256')
  .update(`${hostname()}\0${pidNamespace()}`)
  .digest('hex')
  .slice(0, 8);

const lastSweep = new Map<string, number>();

/** The temporary file name for `filepath` (same folder). */
function tempPathFor(filepath: string): string {
  return join(
    dirname(filepath),
    `.${basename(filepath)}.${WRITER_TAG}-${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
}

/** Whether process `pid` exists (on this host, in this PID namespace). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that writers which are gone left in `dir` (see the module notes for
 * the rule). Resolves to the names removed. Never throws: a file it cannot inspect or remove is
 * left alone.
 * @since 0.1.0
 * @experimental
 */
export async function removeStaleTempFiles(dir: string, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (m === null) continue;
    const pid = Number(m[2]);
    const path = join(dir, name);
    try {
      if (m[1] === WRITER_TAG) {
        if (pid === process.pid || processExists(pid)) continue;
      } else if (now - (await stat(path)).mtimeMs < FOREIGN_TEMP_MAX_AGE_MS) {
        continue;
      }
      await unlink(path);
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed;
}

async function sweepOnce(dir: string): Promise<void> {
  const now = Date.now();
  const last = lastSweep.get(dir);
  if (last !== undefined && now - last < SWEEP_INTERVAL_MS) return;
  if (lastSweep.size >= MAX_TRACKED_FOLDERS) lastSweep.clear();
  lastSweep.set(dir, now);
  await removeStaleTempFiles(dir, now);
}

/**
 * Writes `data` to `filepath` atomically (creating the folder if needed): a temporary file in the
 * same folder, flushed to disk unless `sync` is false, then renamed over the target (linked, with
 * `exclusive`, so an existing file is never replaced: `EEXIST`). Readers see
 * the old file or the new one, never a part; a writer killed meanwhile leaves the old file, and
 * its temporary file is removed by a later write into the folder.
 *
 * @example
 * ```ts
 * await writeFileAtomic('out/total.json', JSON.stringify(total));
 * ```
 * @since 0.1.0
 * @experimental
 */
export async function writeFileAtomic(
  filepath: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const dir = dirname(filepath);
  const tmp = tempPathFor(filepath);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(tmp, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dir, { recursive: true });
    handle = await open(tmp, 'wx');
  }
  try {
    try {
      await handle.writeFile(data);
      if (options.sync !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.exclusive) {
      await link(tmp, filepath);
      await rm(tmp, { force: true });
    } else {
      await rename(tmp, filepath);
    }
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await sweepOnce(dir);
}
