/**
 * The chunks of a generator node, collected where it ran: a generator cannot cross a thread or
 * process boundary, its chunks can (the other side then saves them one by one).
 *
 * @module
 */

/**
 * Every chunk `source` yields, in order (sync and async iterables alike).
 *
 * @example
 * ```ts
 * await collectChunks((function* () { yield 1; yield 2; })()); // [1, 2]
 * ```
 * @experimental
 * @since 0.1.0
 */
export async function collectChunks(source: Iterable<unknown> | AsyncIterable<unknown>): Promise<unknown[]> {
  const chunks: unknown[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return chunks;
}
