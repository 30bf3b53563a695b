/**
 * Worker-side modules of `bench:executor`: the trivial task run through WorkerThreadExecutor
 * (a named export) and, as the default export, the same function for raw piscina.
 */
import { copyContext } from '@weft/contextvars';
import { defineTasks } from '@weft/executor';
import './executor-vars.js';

/** The trivial task: returns its (~1 KB) argument. */
export function echo<T>(payload: T): T {
  return payload;
}

/** How many context variables the task sees (a sanity check of the benchmark itself). */
export function contextSize(): number {
  return copyContext().size;
}

/** `n` awaits in a row: what a worker's `await` costs with and without a context entered. */
export async function awaits(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await i;
  return sum;
}

/** Raw piscina's handler: the same function. */
export default echo;

/** References for WorkerThreadExecutor. */
export const tasks = defineTasks(import.meta.url, { echo, contextSize, awaits });
