/**
 * Worker-side module of `bench:otel`: the trivial task of the round trip, and the node function of
 * the per-node cases.
 */
import { defineTasks } from '@weft/executor';

/** The trivial task: returns its argument. */
export function echo<T>(payload: T): T {
  return payload;
}

/** A trivial node: its input plus one. */
export function step(x: number): number {
  return x + 1;
}

/** References for WorkerThreadExecutor. */
export const tasks = defineTasks(import.meta.url, { echo });
