/**
 * Copy modes of {@link MemoryDataset}: the TypeScript counterparts of Python's `deepcopy`, `copy`
 * and plain assignment.
 *
 * @module
 */

/**
 * How a MemoryDataset copies data on save and on load.
 *
 * @since 0.1.0
 */
export type CopyMode = 'deepcopy' | 'copy' | 'assign';

/**
 * The valid copy modes.
 *
 * @since 0.1.0
 */
export const COPY_MODES: readonly CopyMode[] = ['deepcopy', 'copy', 'assign'];

/**
 * The mode used when none is given: `assign` for primitives, functions and class instances (which
 * cannot be copied faithfully), `deepcopy` for plain data (objects, arrays, Map, Set, Date, RegExp,
 * typed arrays, ArrayBuffer).
 */
export function inferCopyMode(data: unknown): CopyMode {
  if (data === null || typeof data !== 'object') return 'assign';
  return isPlainData(data) ? 'deepcopy' : 'assign';
}

/** Copies `data` according to `mode`. */
export function copyData<T>(data: T, mode: CopyMode): T {
  switch (mode) {
    case 'assign':
      return data;
    case 'copy':
      return shallowCopy(data);
    case 'deepcopy':
      return deepCopy(data, new Map());
  }
}

function isPlainData(value: object): boolean {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return (
    proto === Object.prototype ||
    proto === null ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof ArrayBuffer
  );
}

function shallowCopy<T>(data: T): T {
  if (data === null || typeof data !== 'object') return data;
  if (Array.isArray(data)) return data.slice() as T;
  if (data instanceof Map) return new Map(data) as T;
  if (data instanceof Set) return new Set(data) as T;
  if (data instanceof Date) return new Date(data.getTime()) as T;
  if (data instanceof ArrayBuffer) return data.slice(0) as T;
  if (ArrayBuffer.isView(data)) return (data as unknown as { slice(): unknown }).slice() as T;
  return Object.assign(Object.create(Object.getPrototypeOf(data)), data) as T;
}

/**
 * Recursive copy of plain data. Class instances and functions inside are shared, not copied
 * (their private state cannot be cloned faithfully). Cycles and shared references are preserved.
 */
function deepCopy<T>(data: T, seen: Map<object, unknown>): T {
  if (data === null || typeof data !== 'object') return data;
  const src = data as unknown as object;
  const prior = seen.get(src);
  if (prior !== undefined) return prior as T;
  if (!isPlainData(src)) return data;
  if (Array.isArray(src)) {
    const out: unknown[] = new Array(src.length);
    seen.set(src, out);
    for (let i = 0; i < src.length; i++) out[i] = deepCopy(src[i], seen);
    return out as T;
  }
  if (src instanceof Map) {
    const out = new Map();
    seen.set(src, out);
    for (const [k, v] of src) out.set(deepCopy(k, seen), deepCopy(v, seen));
    return out as T;
  }
  if (src instanceof Set) {
    const out = new Set();
    seen.set(src, out);
    for (const v of src) out.add(deepCopy(v, seen));
    return out as T;
  }
  if (src instanceof Date) return new Date(src.getTime()) as T;
  if (src instanceof RegExp) return new RegExp(src.source, src.flags) as T;
  if (src instanceof ArrayBuffer) return src.slice(0) as T;
  if (ArrayBuffer.isView(src)) return (src as unknown as { slice(): unknown }).slice() as T;
  const out = Object.create(Object.getPrototypeOf(src)) as Record<PropertyKey, unknown>;
  seen.set(src, out);
  for (const key of Reflect.ownKeys(src)) {
    const desc = Object.getOwnPropertyDescriptor(src, key) as PropertyDescriptor;
    if ('value' in desc) desc.value = deepCopy(desc.value, seen);
    Object.defineProperty(out, key, desc);
  }
  return out as T;
}
