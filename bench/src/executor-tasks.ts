/**
 * Worker-side modules of `bench:executor`: the trivial task run through WorkerThreadExecutor
 * (a named export) and, as the default export, the same function for raw piscina.
 */
import { defineTasks } from '@weft/executor';

/** The trivial task: returns its (~1 KB) argument. */
export function echo<T>(payload: T): T {
  return payload;
}

/** Raw piscina's handler: the same function. */
export default echo;

/** References for WorkerThreadExecutor. */
export const tasks = defineTasks(import.meta.url, { echo });
