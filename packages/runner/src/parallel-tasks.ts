/**
 * Worker-side helpers of {@link ParallelRunner} (imported by worker threads, not by users).
 *
 * @module
 */
import { defineTasks } from '@weft/executor';
import { collectChunks as collect } from './collect-chunks.js';

/**
 * Runs a generator (or async-generator) node function in the worker and returns its chunks, which
 * the main thread then saves one by one. Generators cannot cross a thread boundary themselves.
 */
export async function collectChunks(
  moduleUrl: string,
  exportName: string,
  args: unknown[],
): Promise<unknown[]> {
  const namespace = (await import(moduleUrl)) as Record<string, (...a: unknown[]) => unknown>;
  const fn = namespace[exportName] as (...a: unknown[]) => AsyncIterable<unknown> | Iterable<unknown>;
  return collect(fn(...args));
}

/** Task references to the helpers above. */
export const parallelTasks = defineTasks(import.meta.url, { collectChunks });
