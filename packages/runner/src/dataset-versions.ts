/**
 * Dataset versions, as Kedro's: a versioned dataset with filepath `data/cars.csv` keeps each
 * version at `data/cars.csv/<version>/cars.csv`; versions are UTC timestamps that sort as strings
 * (`2026-12-03T08.15.42.120Z`), a save never overwrites one, a load takes the newest or a pinned one.
 *
 * @module
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DatasetError } from './errors.js';

/**
 * Which version a versioned dataset loads and saves (Kedro's `Version(load, save)`). Giving a
 * dataset a `version` (even `{}`) makes it versioned.
 * @since 0.1.0
 */
export interface DatasetVersion {
  /** The version to load; `undefined` loads the newest one. */
  readonly load?: string | undefined;
  /** The version to save as; `undefined` generates a timestamp on the first save. */
  readonly save?: string | undefined;
}

/**
 * A new version name: the current UTC time as `YYYY-MM-DDTHH.mm.ss.SSSZ` (Kedro's
 * `generate_timestamp()`), which sorts as a string in time order and is safe in file names.
 *
 * @example
 * ```ts
 * generateTimestamp(); // '2026-12-03T08.15.42.120Z'
 * ```
 * @since 0.1.0
 */
export function generateTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/:/g, '.');
}

/**
 * Checks that `version` can name a folder: non-empty, no path separators, not `.` or `..`.
 *
 * @throws {DatasetError} `ERR_DATASET_VERSION` naming the version and `what` (the dataset).
 */
export function checkVersionName(version: unknown, what: string): string {
  if (
    typeof version !== 'string' ||
    version.trim() === '' ||
    version === '.' ||
    version === '..' ||
    /[/\\\0]/.test(version)
  ) {
    throw new DatasetError(
      'ERR_DATASET_VERSION',
      `Invalid version ${JSON.stringify(version) ?? String(version)} for ${what}: a version names one folder (no '/', '\\', '.' or '..'), e.g. ${generateTimestamp()}.`,
    );
  }
  return version;
}

/** `<filepath>/<version>/<file name>`. */
export function versionedPath(filepath: string, version: string): string {
  return join(filepath, version, basename(filepath));
}

/** The kind of file system entry at `path`, or `undefined` when there is none. */
export async function entryKind(path: string): Promise<'file' | 'directory' | 'other' | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * The versions of `filepath` that hold their file, newest first (the order of a reverse string
 * sort, as Kedro's glob). Empty when there are none or `filepath` is not a folder.
 */
export async function listVersions(filepath: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(filepath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
  const found: string[] = [];
  for (const name of names) {
    if ((await entryKind(versionedPath(filepath, name))) === 'file') found.push(name);
  }
  return found.sort().reverse();
}
