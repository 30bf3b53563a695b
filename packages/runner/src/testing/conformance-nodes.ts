/**
 * The node functions of the random DAGs of `@weft/runner/testing`: deterministic integer mixing,
 * synchronous, asynchronous and with two outputs. Module-level exports, so runners that import
 * node functions by name (worker threads, worker processes) find them here or re-exported.
 *
 * @module
 */

/**
 * A deterministic hash of `seed` and `inputs`, below 1,000,003.
 *
 * @experimental
 * @since 0.1.0
 */
export function mix(seed: number, ...inputs: number[]): number {
  let h = seed >>> 0;
  for (const x of inputs) h = (Math.imul(h ^ x, 0x9e3779b1) + 0x7f4a7c15) >>> 0;
  return h % 1_000_003;
}

/**
 * {@link mix} after a timer of 0 to 2 ms (from the seed).
 *
 * @experimental
 * @since 0.1.0
 */
export async function mixAsync(seed: number, ...inputs: number[]): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, seed % 3));
  return mix(seed, ...inputs);
}

/**
 * Two outputs: {@link mix}, and the mix of that with the seed.
 *
 * @experimental
 * @since 0.1.0
 */
export function mixTwo(seed: number, ...inputs: number[]): [number, number] {
  const m = mix(seed, ...inputs);
  return [m, mix(m, seed)];
}
