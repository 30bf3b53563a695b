/**
 * Node functions of `bench:distributed` (module exports: the `weft-worker` processes import them).
 */

/** A trivial node. */
export function pass<T>(x: T): T {
  return x;
}

/** A node of ~1 ms that waits (a small query, a call to a service): an awaited 1 ms timer. */
export async function wait1<T>(x: T): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return x;
}

/** A node of ~1 ms of CPU. */
export function spin1<T>(x: T): T {
  const end = performance.now() + 1;
  while (performance.now() < end) {
    // busy
  }
  return x;
}

/** A CPU-bound node: spins for about `ms` milliseconds. */
export function burn(ms: number): number {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n > 0 ? ms : 0;
}
