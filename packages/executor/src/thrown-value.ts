/**
 * Faithful transport of thrown values across a thread, process or machine boundary. Structured
 * clone (and so piscina) loses an error's `name` (for custom classes), `code`, `cause` and own
 * properties, and JSON loses everything but enumerable data; this keeps them.
 *
 * What arrives from the other side is data, never trusted: it is read through own properties only
 * (a `name` of `'toString'` or a prop named `__proto__` is just a string), class names are looked
 * up in `Map`s, and props are defined on the rebuilt error, never assigned.
 *
 * @module
 */
import { inspect, types } from 'node:util';
import { ThrownValueError } from './errors.js';

/** A thrown value, in a form that survives structured clone (or JSON, when encoded for it). */
export type ThrownValue =
  | {
      readonly kind: 'error';
      readonly name: string;
      readonly message: string;
      readonly stack: string | undefined;
      /** Own enumerable properties (`code` among them), each cloneable or replaced by its description. */
      readonly props: Record<string, unknown>;
      readonly cause?: ThrownValue;
      /** The errors of an AggregateError. */
      readonly errors?: ThrownValue[];
    }
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'uncloneable'; readonly description: string };

/** How deep a `cause`/`errors` chain is encoded; deeper links become descriptions. */
const MAX_DEPTH = 16;
/** How deep a chain is accepted when decoding (other encoders may allow a little more). */
const MAX_DECODE_DEPTH = 64;
/** Longest description of a value that cannot travel. */
const MAX_DESCRIPTION = 500;
/** Fields of an encoded error that props never override. */
const RESERVED = new Set(['name', 'message', 'stack', 'cause', 'errors']);

/**
 * How a thrown value travels: `'clone'` through structured clone (worker threads: Maps, Dates and
 * the like survive), `'json'` through JSON text (processes and machines).
 */
export type ThrownEncoding = 'clone' | 'json';

/** What survives `encoding`: `[true, value as the other side gets it]` or `[false]`. */
function portable(value: unknown, encoding: ThrownEncoding): [true, unknown] | [false] {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return [true, value];
    case 'number':
      // JSON turns NaN and the infinities into null.
      return [true, encoding === 'json' && !Number.isFinite(value) ? null : value];
    case 'undefined':
      return [true, undefined];
    case 'bigint':
      return encoding === 'clone' ? [true, value] : [false];
    case 'function':
    case 'symbol':
      return [false];
    default:
      if (value === null) return [true, null];
      try {
        // The copy, not the original: getters run once, and what is sent is what was checked.
        if (encoding === 'clone') return [true, structuredClone(value)];
        const text = JSON.stringify(value);
        return text === undefined ? [false] : [true, JSON.parse(text)];
      } catch {
        return [false];
      }
  }
}

/** A short description of a value that cannot travel; never throws. */
function describe(value: unknown): string {
  try {
    if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
    if (typeof value === 'symbol') return value.toString();
    if (typeof value === 'bigint') return `${value}n`;
    let name: unknown;
    try {
      name = (value as { constructor?: { name?: unknown } })?.constructor?.name;
    } catch {
      name = undefined;
    }
    const label = typeof name === 'string' && name !== '' ? name : 'object';
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      json = undefined;
    }
    const text = json === undefined ? `[${label}]` : `[${label} ${json}]`;
    return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}…]` : text;
  } catch {
    return '[a value that cannot be described]';
  }
}

/** `String(value)`, or a placeholder when that throws. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return '[unprintable]';
  }
}

/** `value[key]`, or `undefined` (and `ok: false`) when reading it throws. */
function read(value: object, key: string): [true, unknown] | [false, string] {
  try {
    return [true, (value as Record<string, unknown>)[key]];
  } catch (error) {
    return [false, `[reading '${key}' threw: ${text((error as Error)?.message ?? error)}]`];
  }
}

function isError(value: unknown): value is Error {
  try {
    return value instanceof Error || types.isNativeError(value);
  } catch {
    return false;
  }
}

/**
 * Encodes anything thrown so that the other side can rebuild it with {@link decodeThrown}: an
 * Error keeps its `name`, `message`, `stack`, `code`, `cause` chain, the errors of an
 * AggregateError and its own properties (each kept as is when it survives `encoding`, else
 * replaced by a description); any other thrown value travels as itself. Never throws: a value
 * whose properties cannot even be read (a throwing getter, a hostile Proxy) is described instead.
 */
export function encodeThrown(value: unknown, encoding: ThrownEncoding = 'clone'): ThrownValue {
  try {
    return encode(value, encoding, 0, new Set());
  } catch {
    return { kind: 'uncloneable', description: describe(value) };
  }
}

type EncodedError = {
  kind: 'error';
  name: string;
  message: string;
  stack: string | undefined;
  props: Record<string, unknown>;
  cause?: ThrownValue;
  errors?: ThrownValue[];
};

function encode(value: unknown, encoding: ThrownEncoding, depth: number, seen: Set<object>): ThrownValue {
  if (!isError(value)) {
    const [ok, copy] = portable(value, encoding);
    return ok ? { kind: 'value', value: copy } : { kind: 'uncloneable', description: describe(value) };
  }
  const name = text(read(value, 'name')[1]);
  const message = text(read(value, 'message')[1]);
  if (depth >= MAX_DEPTH || seen.has(value)) {
    return { kind: 'uncloneable', description: `[${name}: ${message}] (circular or too deep)` };
  }
  seen.add(value);
  // Null prototype: a prop named `__proto__` is an own property like any other.
  const props: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) {
    if (RESERVED.has(key)) continue;
    const [readable, prop] = read(value, key);
    const [ok, copy] = readable ? portable(prop, encoding) : [false];
    props[key] = ok ? copy : readable ? describe(prop) : prop;
  }
  // `code` is often a getter or inherited (Node's system errors): keep it whatever its origin.
  if (!Object.hasOwn(props, 'code')) {
    const [readable, code] = read(value, 'code');
    if (readable && code !== undefined) {
      const [ok, copy] = portable(code, encoding);
      props.code = ok ? copy : describe(code);
    }
  }
  const stack = read(value, 'stack')[1];
  const encoded: EncodedError = {
    kind: 'error',
    name,
    message,
    stack: typeof stack === 'string' ? stack : undefined,
    props,
  };
  if ('cause' in value) encoded.cause = encode(read(value, 'cause')[1], encoding, depth + 1, seen);
  const [, errors] = value instanceof AggregateError ? read(value, 'errors') : [false];
  if (Array.isArray(errors)) {
    encoded.errors = Array.from(errors, (e: unknown) => encode(e, encoding, depth + 1, seen));
  }
  seen.delete(value);
  return encoded;
}

const BUILTIN_ERRORS: ReadonlyMap<string, ErrorConstructor> = new Map<string, ErrorConstructor>([
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
]);

/** Error classes (by name) that the receiving side rebuilds as instances of their own class. */
export type ErrorClassRegistry = ReadonlyMap<string, new (...args: never[]) => Error>;

/**
 * Rebuilds a thrown value (main side): an Error with the worker's `name`, `message`, `stack`,
 * `code`, `cause` and own properties. Built-in error types and the classes in `registry` come back
 * as instances of their class; any other class comes back as an `Error` with its `name`. Whatever
 * the input, the result's prototype is one of those classes': names and props are data.
 *
 * @throws {ThrownValueError} when `thrown` is not an encoded thrown value (`ERR_THROWN_VALUE_INVALID`),
 * naming the part at fault (e.g. `thrown.cause.kind`).
 */
export function decodeThrown(thrown: ThrownValue, registry?: ErrorClassRegistry): unknown {
  try {
    return decode(thrown, registry, 'thrown', 0);
  } catch (error) {
    if (ThrownValueError.is(error)) throw error;
    throw new ThrownValueError(`cannot decode a thrown value: ${text((error as Error)?.message ?? error)}`, {
      cause: error,
    });
  }
}

function invalid(path: string, problem: string): ThrownValueError {
  return new ThrownValueError(`cannot decode a thrown value: ${path} ${problem}`);
}

/** An own data property of `value`, never an inherited or computed one. */
function own(value: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(value, key)?.value;
}

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return inspect(value, { depth: 0, breakLength: Number.POSITIVE_INFINITY, maxStringLength: 80 });
  } catch {
    return describe(value);
  }
}

function decode(
  thrown: unknown,
  registry: ErrorClassRegistry | undefined,
  path: string,
  depth: number,
): unknown {
  if (typeof thrown !== 'object' || thrown === null)
    throw invalid(path, `is ${shown(thrown)}, not an object`);
  if (depth > MAX_DECODE_DEPTH) throw invalid(path, `nests deeper than ${MAX_DECODE_DEPTH} levels`);
  const kind = own(thrown, 'kind');
  if (kind === 'value') return own(thrown, 'value');
  if (kind === 'uncloneable') {
    const description = own(thrown, 'description');
    if (typeof description !== 'string') throw invalid(`${path}.description`, 'is not a string');
    return new Error(`a value that cannot be cloned was thrown: ${description}`);
  }
  if (kind !== 'error') {
    throw invalid(`${path}.kind`, `is ${shown(kind)}, not 'error', 'value' or 'uncloneable'`);
  }
  const name = own(thrown, 'name');
  const message = own(thrown, 'message');
  const stack = own(thrown, 'stack');
  const props = own(thrown, 'props');
  if (typeof name !== 'string') throw invalid(`${path}.name`, 'is not a string');
  if (typeof message !== 'string') throw invalid(`${path}.message`, 'is not a string');
  if (stack !== undefined && stack !== null && typeof stack !== 'string')
    throw invalid(`${path}.stack`, 'is not a string');
  if (props !== undefined && (typeof props !== 'object' || props === null || Array.isArray(props)))
    throw invalid(`${path}.props`, 'is not an object');
  const options = Object.hasOwn(thrown, 'cause')
    ? { cause: decode(own(thrown, 'cause'), registry, `${path}.cause`, depth + 1) }
    : undefined;
  const encodedErrors = own(thrown, 'errors');
  let error: Error;
  if (encodedErrors !== undefined) {
    if (!Array.isArray(encodedErrors)) throw invalid(`${path}.errors`, 'is not an array');
    const errors = encodedErrors.map((e: unknown, i) =>
      decode(e, registry, `${path}.errors[${i}]`, depth + 1),
    );
    error = new AggregateError(errors, message, options);
  } else {
    const target =
      (registry?.has(name) ? registry.get(name) : undefined) ?? BUILTIN_ERRORS.get(name) ?? Error;
    error = Reflect.construct(Error, [message, options], target) as Error;
  }
  if (error.name !== name) define(error, 'name', name, false);
  define(error, 'stack', typeof stack === 'string' ? stack : undefined, false);
  if (props !== undefined) {
    for (const key of Object.keys(props)) {
      if (!RESERVED.has(key)) define(error, key, own(props, key), true);
    }
  }
  return error;
}

/** Defines an own data property (never `[[Set]]`: `__proto__` is just a key). */
function define(target: object, key: string, value: unknown, enumerable: boolean): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable, configurable: true });
}
