/**
 * What a value is, for messages and for awaiting: a short type name, and whether it is a thenable.
 * Shared by nodes, hooks, datasets and the catalog.
 *
 * @module
 */

/** A short type name for messages: `'null'`, `'Array'`, `'Map'`, `'number'`. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const ctor = (value as { constructor?: { name?: string } }).constructor;
  return ctor?.name ?? 'Object';
}

/** True for a promise or any object or function with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
