/**
 * Crossing a boundary (worker thread, process, network): `serializeContext` turns the
 * propagatable part of a Context into plain JSON, `deserializeContext` turns it back into a
 * Context on the other side.
 *
 * @module
 */
import { currentContext, leafVar } from './bindings.js';
import type { Json } from './codec.js';
import { type Context, contextWithMap } from './context.js';
import { type ContextFilter, compileContextFilter } from './context-filter.js';
import { type ContextVar, decodeValue } from './context-var.js';
import { ContextSerializationError, reasonOf } from './errors.js';
import { PersistentMap } from './persistent-map.js';
import { type ContextState, type Placeholder, placeholderFor, state } from './shared-state.js';

export type { Codec, Json } from './codec.js';

/** The wire form of a context: plain JSON, versioned. Treat it as immutable. */
export interface SerializedContext {
  readonly v: 1;
  /** Encoded value of each propagated variable, by variable name. */
  readonly vars: Readonly<Record<string, Json>>;
}

/** Options of {@link serializeContext}. */
export interface SerializeOptions extends ContextFilter {
  /**
   * Upper bound of the JSON size (UTF-16 code units, an approximation of bytes) of the result.
   * Default {@link DEFAULT_MAX_CONTEXT_BYTES}.
   */
  maxBytes?: number;
}

/** Default size cap of a serialized context: 1 MiB. */
export const DEFAULT_MAX_CONTEXT_BYTES = 1024 * 1024;

/**
 * Names of the variables bound in a context that did not travel (never their values): `local`
 * ones are not declared `propagate: true`, `filtered` ones are but the filter's allow list left
 * them out. Denied variables are never listed. At most {@link MAX_UNPROPAGATED_NAMES} names.
 */
export interface Unpropagated {
  readonly local?: readonly string[];
  readonly filtered?: readonly string[];
}

/** Most names an {@link Unpropagated} list carries (the rest are left out). */
export const MAX_UNPROPAGATED_NAMES = 64;
/** Longest name an {@link Unpropagated} list carries (longer names are left out). */
const MAX_UNPROPAGATED_NAME_LENGTH = 128;

/** What one pass over a context gives: its wire form and, when asked, what did not travel. */
export interface Encoded {
  readonly serialized: SerializedContext;
  readonly unpropagated: Unpropagated | undefined;
}

// Contexts wrap immutable maps, so the result for (map, options) never changes: submitting many
// tasks from one context serializes it once. One slot, not a WeakMap keyed by map: per-task
// contexts would fill a WeakMap with short-lived keys, which costs the garbage collector more
// than the slot saves.
let lastMap: PersistentMap | undefined;
let lastOptions: SerializeOptions | undefined;
let lastNames = false;
let lastResult: Encoded | undefined;

function checkMaxBytes(options: SerializeOptions | undefined): number {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_CONTEXT_BYTES;
  if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be a positive number, got ${maxBytes}`);
  return maxBytes;
}

/**
 * Deepest nesting of arrays and objects a propagated value may have. Deeper values fail at the
 * sender with a {@link ContextSerializationError} (JSON text that deep would overflow the stack of
 * whoever parses or prints it).
 */
export const MAX_CONTEXT_VALUE_DEPTH = 1000;

/**
 * Approximate JSON length of `value`, or -1 when some part of it is not JSON-compatible (would not
 * survive `JSON.parse(JSON.stringify(x))` unchanged) or nests deeper than
 * {@link MAX_CONTEXT_VALUE_DEPTH}. Allocation-free for primitives; the `ancestors` stack (cycle
 * detection and depth) is only created for nested objects.
 */
function jsonLength(value: unknown, ancestors?: object[]): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'boolean':
      return value ? 4 : 5;
    case 'number':
      return Number.isFinite(value) ? 8 : -1;
    case 'object': {
      if (value === null) return 4;
      if (
        ancestors !== undefined &&
        (ancestors.length >= MAX_CONTEXT_VALUE_DEPTH || ancestors.includes(value))
      )
        return -1;
      const stack = ancestors ?? [];
      stack.push(value);
      let length = 2;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length && length >= 0; i++) {
          const item = i in value ? jsonLength(value[i], stack) : -1;
          length = item < 0 ? -1 : length + item + 1;
        }
      } else {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) length = -1;
        // Own keys only (what JSON.stringify writes), `__proto__` included when it is an own key.
        for (const key of Object.keys(value)) {
          if (length < 0) break;
          const item = jsonLength((value as Record<string, unknown>)[key], stack);
          length = item < 0 ? -1 : length + key.length + 4 + item;
        }
      }
      stack.pop();
      return length;
    }
    default:
      return -1;
  }
}

/** A path like `value.a[0]`, shortened in the middle when it is long (a deep value). */
function formatPath(segments: readonly string[]): string {
  if (segments.length <= 16) return `value${segments.join('')}`;
  const hidden = segments.length - 12;
  return `value${segments.slice(0, 8).join('')}…(${hidden} more levels)…${segments.slice(-4).join('')}`;
}

/** A property name as it appears in a path: `.name`, or `["odd name"]`. */
function segment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** Why `value` is not JSON-compatible, with the path to the first offending part (the slow path). */
function whyNotJson(value: unknown, path: string[], ancestors: object[]): string | undefined {
  if (typeof value === 'number' && !Number.isFinite(value))
    return `${formatPath(path)} is ${value}, which JSON cannot represent`;
  if (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    typeof value === 'number' ||
    value === null
  ) {
    return undefined;
  }
  if (typeof value !== 'object')
    return `${formatPath(path)} is ${describe(value)}, which JSON cannot represent`;
  if (ancestors.includes(value)) return `${formatPath(path)} is a circular reference`;
  if (ancestors.length >= MAX_CONTEXT_VALUE_DEPTH) {
    return `${formatPath(path)} nests deeper than ${MAX_CONTEXT_VALUE_DEPTH} levels`;
  }
  ancestors.push(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(`[${i}]`);
        const reason =
          i in value
            ? whyNotJson(value[i], path, ancestors)
            : `${formatPath(path)} is a hole in a sparse array`;
        path.pop();
        if (reason !== undefined) return reason;
      }
      return undefined;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null)
      return `${formatPath(path)} is ${describe(value)}, not a plain object`;
    for (const key of Object.keys(value)) {
      path.push(segment(key));
      const reason = whyNotJson((value as Record<string, unknown>)[key], path, ancestors);
      path.pop();
      if (reason !== undefined) return reason;
    }
    return undefined;
  } finally {
    ancestors.pop();
  }
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`;
  if (typeof value === 'object' && value !== null) {
    let name: unknown;
    try {
      name = value.constructor?.name;
    } catch {
      name = undefined;
    }
    return `a ${typeof name === 'string' && name !== '' ? name : 'object'} instance`;
  }
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}

function unserializable(name: string, reason: string, cause?: unknown): ContextSerializationError {
  return new ContextSerializationError(
    'ERR_CONTEXTVAR_UNSERIALIZABLE',
    `cannot serialize context variable '${name}': ${reason}`,
    name,
    cause === undefined ? undefined : { cause },
  );
}

/** The JSON form of a variable's value: its codec's output, or the value itself. */
function encodeValue(variable: ContextVar<unknown>, value: unknown): unknown {
  if (variable.codec === undefined) return value;
  try {
    return variable.codec.encode(value);
  } catch (error) {
    throw unserializable(variable.name, reasonOf(error), error);
  }
}

/** Sets `record[key]` as an own data property, whatever the key (`__proto__` included). */
function put(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    record[key] = value;
  }
}

/**
 * Serializes the propagatable variables bound in `context` (default: the current context) to
 * plain JSON. Only variables created with `propagate: true` travel, filtered by `allow`/`deny`;
 * each value is encoded by its variable's codec, or must be JSON-compatible (it arrives as its JSON
 * text reads, so `-0` arrives as `0`; `NaN`, `Infinity`, `undefined`, holes, class instances and
 * cycles are refused at the sender). Values that arrived
 * from elsewhere for variables this thread never defined are passed on unchanged.
 *
 * This is the core of the default propagator ({@link declaredVariablesPropagator}), which every
 * boundary Weft crosses goes through (see `injectContext`).
 *
 * @throws {ContextSerializationError} naming the variable whose value cannot be encoded
 * (`ERR_CONTEXTVAR_UNSERIALIZABLE`), or when the result exceeds `maxBytes` (`ERR_CONTEXT_TOO_LARGE`).
 * @throws {ContextVarsError} `ERR_CONTEXT_FILTER_INVALID` for a malformed `allow`/`deny`.
 */
export function serializeContext(context?: Context, options?: SerializeOptions): SerializedContext {
  return encodeContext(context, options, false).serialized;
}

/**
 * {@link serializeContext}, plus (with `names`) the names of the bound variables that did not
 * travel, in the same pass over the context. Cached for an unchanged context and options.
 *
 * @internal
 */
export function encodeContext(
  context: Context | undefined,
  options: SerializeOptions | undefined,
  names: boolean,
): Encoded {
  const map = ((context as ContextState | undefined) ?? currentContext())._map;
  if (map === lastMap && options === lastOptions && names === lastNames) return lastResult as Encoded;
  const filter = compileContextFilter(options);
  const maxBytes = checkMaxBytes(options);
  const vars: Record<string, unknown> = {};
  let local: string[] | undefined;
  let filtered: string[] | undefined;
  let listed = 0;
  let total = 16;
  map.forEach((leaf) => {
    const variable = leafVar(leaf) as ContextVar<unknown> | undefined;
    const name = variable?.name ?? (leaf.key as Placeholder).name;
    if (variable !== undefined && !variable.propagate) {
      // Names only, never values; hidden (library) and denied variables are never listed.
      if (
        names &&
        variable._hidden !== true &&
        listed < MAX_UNPROPAGATED_NAMES &&
        name.length <= MAX_UNPROPAGATED_NAME_LENGTH &&
        !filter.denies(variable, name)
      ) {
        local ??= [];
        local.push(name);
        listed++;
      }
      return;
    }
    if (!filter.passes(variable, name)) {
      if (
        names &&
        listed < MAX_UNPROPAGATED_NAMES &&
        name.length <= MAX_UNPROPAGATED_NAME_LENGTH &&
        !filter.denies(variable, name)
      ) {
        filtered ??= [];
        filtered.push(name);
        listed++;
      }
      return;
    }
    // A value still in the JSON form it arrived in (its variable undefined or not yet read) is passed on as is.
    const relayed = leaf.key !== variable;
    const json = relayed ? leaf.value : encodeValue(variable as ContextVar<unknown>, leaf.value);
    const length = jsonLength(json);
    if (length < 0) {
      const hint = relayed
        ? ' (a value received for this name and passed on unchanged)'
        : (variable as ContextVar<unknown>).codec === undefined
          ? '; give the variable a codec'
          : ' (codec output)';
      throw unserializable(name, `${whyNotJson(json, [], [])}${hint}`);
    }
    put(vars, name, json);
    total += name.length + 4 + length;
  });
  if (total > maxBytes) throw tooLarge(vars, total, maxBytes);
  const serialized: SerializedContext = Object.freeze({
    v: 1,
    vars: Object.freeze(vars as Record<string, Json>),
  });
  const unpropagated: Unpropagated | undefined =
    local === undefined && filtered === undefined
      ? undefined
      : Object.freeze({
          ...(local === undefined ? {} : { local: Object.freeze(local) }),
          ...(filtered === undefined ? {} : { filtered: Object.freeze(filtered) }),
        });
  const result: Encoded = { serialized, unpropagated };
  lastMap = map;
  lastOptions = options;
  lastNames = names;
  lastResult = result;
  return result;
}

function tooLarge(vars: Record<string, unknown>, total: number, maxBytes: number): ContextSerializationError {
  const sizes = Object.entries(vars)
    .map(([name, json]): [string, number] => [name, jsonLength(json)])
    .sort((a, b) => b[1] - a[1]);
  const largest = sizes
    .slice(0, 3)
    .map(([name, length]) => `'${name}' ~${length}`)
    .join(', ');
  return new ContextSerializationError(
    'ERR_CONTEXT_TOO_LARGE',
    `serialized context is ~${total} bytes, over the limit of ${maxBytes} (largest: ${largest})`,
    sizes[0]?.[0],
  );
}

function ownData(value: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(value, key)?.value;
}

function shortly(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value).slice(0, 80) : String(value).slice(0, 80);
  } catch {
    return describe(value);
  }
}

function invalid(reason: string): ContextSerializationError {
  return new ContextSerializationError(
    'ERR_SERIALIZED_CONTEXT_INVALID',
    `invalid serialized context: ${reason}`,
  );
}

/**
 * Rebuilds a Context from {@link serializeContext}'s output. Each name resolves to the
 * propagatable variable of that name, decoded by its codec; a name with no variable yet is kept
 * and resolves when the variable is created later (its module imported after this call).
 *
 * @throws {ContextSerializationError} when `data` is not a serialized context
 * (`ERR_SERIALIZED_CONTEXT_INVALID`) or a codec cannot decode a value (`ERR_CONTEXTVAR_UNDECODABLE`).
 */
export function deserializeContext(data: SerializedContext): Context {
  if (typeof data !== 'object' || data === null) throw invalid(`expected an object, got ${shortly(data)}`);
  // Own data properties only: nothing is looked up on a prototype chain.
  const version = ownData(data, 'v');
  if (version !== 1) throw invalid(`unsupported version ${shortly(version)}`);
  const vars = ownData(data, 'vars');
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars))
    throw invalid('`vars` is not an object');
  let map = PersistentMap.EMPTY;
  for (const name of Object.keys(vars)) {
    const descriptor = Object.getOwnPropertyDescriptor(vars, name);
    if (descriptor === undefined || !('value' in descriptor))
      throw invalid(`\`vars\` entry '${name}' is not a data property`);
    const json = descriptor.value;
    const variable = state.registry.get(name) as ContextVar<unknown> | undefined;
    if (variable !== undefined) {
      map = map.set(variable._id, variable, decodeValue(variable, json));
    } else {
      const placeholder = placeholderFor(name);
      map = map.set(placeholder.id, placeholder, json);
    }
  }
  return contextWithMap(map);
}
