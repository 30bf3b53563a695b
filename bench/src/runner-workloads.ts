/**
 * Node functions of the runner benchmark. Module-level exports, so ParallelRunner's worker threads
 * can import them.
 */

/** A trivial node. */
export function identity<T>(x: T): T {
  return x;
}

/** An I/O-bound node: awaits a 50 ms timer. */
export async function sleep50<T>(x: T): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return x;
}

/** A CPU-bound node: spins for about `ms` milliseconds. */
export function burnCpu(ms: number): number {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n > 0 ? ms : 0;
}
