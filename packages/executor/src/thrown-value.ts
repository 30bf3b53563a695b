/**
 * Faithful transport of thrown values across a thread, process or machine boundary. Structured
 * clone (and so piscina) loses an error's `name` (for custom classes), `code`, `cause` and own
 * properties, and JSON loses everything but enumerable data; this keeps them.
 *
 * @module
 */

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

const MAX_DEPTH = 16;

/**
 * How a thrown value travels: `'clone'` through structured clone (worker threads: Maps, Dates and
 * the like survive), `'json'` through JSON text (processes and machines).
 */
export type ThrownEncoding = 'clone' | 'json';

function cloneable(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return true;
    case 'function':
    case 'symbol':
      return false;
    default:
      if (value === null) return true;
      try {
        structuredClone(value);
        return true;
      } catch {
        return false;
      }
  }
}

function jsonable(value: unknown): boolean {
  if (value === undefined) return true;
  try {
    return JSON.stringify(value) !== undefined;
  } catch {
    return false;
  }
}

/** The value itself when it survives `encoding` (as JSON would deliver it), else its description. */
function portable(value: unknown, encoding: ThrownEncoding): unknown {
  if (encoding === 'clone') return cloneable(value) ? value : describe(value);
  return jsonable(value)
    ? value === undefined
      ? undefined
      : JSON.parse(JSON.stringify(value))
    : describe(value);
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (typeof value === 'symbol') return value.toString();
  const name = (value as { constructor?: { name?: string } })?.constructor?.name;
  try {
    return `[${name ?? 'object'} ${JSON.stringify(value)}]`;
  } catch {
    return `[${name ?? 'object'}]`;
  }
}

/**
 * Encodes anything thrown so that the other side can rebuild it with {@link decodeThrown}: an
 * Error keeps its `name`, `message`, `stack`, `code`, `cause` chain, the errors of an
 * AggregateError and its own properties (each kept as is when it survives `encoding`, else
 * replaced by a description); any other thrown value travels as itself.
 */
export function encodeThrown(value: unknown, encoding: ThrownEncoding = 'clone'): ThrownValue {
  return encode(value, encoding, 0, new Set());
}

function encode(value: unknown, encoding: ThrownEncoding, depth: number, seen: Set<object>): ThrownValue {
  if (!(value instanceof Error)) {
    const ok = encoding === 'clone' ? cloneable(value) : jsonable(value);
    return ok
      ? { kind: 'value', value: portable(value, encoding) }
      : { kind: 'uncloneable', description: describe(value) };
  }
  if (depth >= MAX_DEPTH || seen.has(value)) {
    return { kind: 'uncloneable', description: `[${value.name}: ${value.message}] (circular or too deep)` };
  }
  seen.add(value);
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause' || key === 'errors')
      continue;
    const prop = (value as unknown as Record<string, unknown>)[key];
    props[key] = portable(prop, encoding);
  }
  // `code` is often a getter or inherited (Node's system errors): keep it whatever its origin.
  const code = (value as { code?: unknown }).code;
  if (code !== undefined && !Object.hasOwn(props, 'code')) props.code = portable(code, encoding);
  const encoded: {
    kind: 'error';
    name: string;
    message: string;
    stack: string | undefined;
    props: Record<string, unknown>;
    cause?: ThrownValue;
    errors?: ThrownValue[];
  } = {
    kind: 'error',
    name: String(value.name),
    message: String(value.message),
    stack: typeof value.stack === 'string' ? value.stack : undefined,
    props,
  };
  if ('cause' in value) encoded.cause = encode(value.cause, encoding, depth + 1, seen);
  if (value instanceof AggregateError && Array.isArray(value.errors)) {
    encoded.errors = value.errors.map((e: unknown) => encode(e, encoding, depth + 1, seen));
  }
  seen.delete(value);
  return encoded;
}

const BUILTIN_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Error classes (by name) that the receiving side rebuilds as instances of their own class. */
export type ErrorClassRegistry = ReadonlyMap<string, new (...args: never[]) => Error>;

/**
 * Rebuilds a thrown value (main side): an Error with the worker's `name`, `message`, `stack`,
 * `code`, `cause` and own properties. Built-in error types and the classes in `registry` come back
 * as instances of their class; any other class comes back as an `Error` with its `name`.
 */
export function decodeThrown(thrown: ThrownValue, registry?: ErrorClassRegistry): unknown {
  if (thrown.kind === 'value') return thrown.value;
  if (thrown.kind === 'uncloneable')
    return new Error(`a value that cannot be cloned was thrown: ${thrown.description}`);
  const options = thrown.cause === undefined ? undefined : { cause: decodeThrown(thrown.cause, registry) };
  let error: Error;
  if (thrown.errors !== undefined) {
    error = new AggregateError(
      thrown.errors.map((e) => decodeThrown(e, registry)),
      thrown.message,
      options,
    );
  } else {
    const target = registry?.get(thrown.name) ?? BUILTIN_ERRORS[thrown.name] ?? Error;
    error = Reflect.construct(Error, [thrown.message, options], target) as Error;
  }
  if (error.name !== thrown.name) {
    Object.defineProperty(error, 'name', { value: thrown.name, writable: true, configurable: true });
  }
  Object.defineProperty(error, 'stack', { value: thrown.stack, writable: true, configurable: true });
  Object.assign(error, thrown.props);
  return error;
}
