/**
 * Pagination of the filter endpoints (`POST /flow_runs/filter`, `/task_runs/filter`,
 * `/logs/filter`): the page size the server accepts, and reading every page.
 *
 * @module
 */
import { PrefectBridgeError } from './errors.js';

/**
 * Largest page the server accepts for filter endpoints.
 *
 * @since 0.1.0
 */
export const MAX_PAGE_SIZE = 200;

/**
 * `limit`, or {@link MAX_PAGE_SIZE} when absent.
 *
 * @throws {PrefectBridgeError} `INVALID_ARGUMENT` when it is not an integer from 1 to {@link MAX_PAGE_SIZE}.
 */
export function pageLimit(method: string, limit: number | undefined): number {
  const value = limit ?? MAX_PAGE_SIZE;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw new PrefectBridgeError(
      'INVALID_ARGUMENT',
      `${method} limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${value}`,
    );
  }
  return value;
}

/** Every item of a paginated query: pages of `pageSize` from offset 0 until a short page. */
export async function readAllPages<T>(
  pageSize: number,
  readPage: (offset: number) => Promise<T[]>,
): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += pageSize) {
    const page = await readPage(offset);
    all.push(...page);
    if (page.length < pageSize) return all;
  }
}
