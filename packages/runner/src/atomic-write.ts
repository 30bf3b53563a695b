/**
 * Atomic file writes: the data goes to a temporary file in the same folder, is flushed to disk,
 * then renamed over the target, so a crash never leaves a half-written file behind.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `filepath` atomically (creating the folder if needed). With `exclusive`, an
 * existing `filepath` is never replaced: the write fails with `EEXIST` instead (the temporary
 * file is hard-linked into place, which fails when the name is taken, even by a concurrent write).
 */
export async function writeFileAtomic(
  filepath: string,
  data: string | Uint8Array,
  options: { exclusive?: boolean } = {},
): Promise<void> {
  const dir = dirname(filepath);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(filepath)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx');
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
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
}
