/**
 * The messages between `WorkerThreadExecutor` and its worker trampoline, and the faithful
 * transport of thrown values (structured clone and piscina lose an error's `name`, `code`,
 * `cause` and own properties; this keeps them).
 *
 * @internal
 * @module
 */

/**
 * Key of the message a worker posts once the trampoline is loaded: until one arrives, a failing
 * worker means that workers cannot start at all.
 */
export const TRAMPOLINE_LOADED = '@weft/executor:trampoline-loaded';

/** What the main thread sends for one task. */
export interface TaskMessage {
  readonly target: { readonly moduleUrl: string; readonly exportName: string };
  /**
   * The submitter's context as the JSON text of a `SerializedContext`; absent when propagation is
   * off or no variable travels (the worker then never enters a context).
   */
  readonly ctx?: string;
  readonly args: unknown[];
}

/** A thrown value, in a form that survives structured clone. */
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

/** Where a failure happened, which decides the error the future gets. */
export type FailureKind = 'task' | 'reference' | 'context';

/** What the worker sends back for one task. */
export type TaskOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly kind: FailureKind; readonly error: ThrownValue };

const MAX_DEPTH = 16;

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

/** Encodes anything thrown so that the other side can rebuild it (worker side). */
export function encodeThrown(value: unknown, depth = 0, seen = new Set<object>()): ThrownValue {
  if (!(value instanceof Error)) {
    return cloneable(value)
      ? { kind: 'value', value }
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
    props[key] = cloneable(prop) ? prop : describe(prop);
  }
  // `code` is often a getter or inherited (Node's system errors): keep it whatever its origin.
  const code = (value as { code?: unknown }).code;
  if (code !== undefined && !Object.hasOwn(props, 'code'))
    props.code = cloneable(code) ? code : describe(code);
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
  if ('cause' in value) encoded.cause = encodeThrown(value.cause, depth + 1, seen);
  if (value instanceof AggregateError && Array.isArray(value.errors)) {
    encoded.errors = value.errors.map((e: unknown) => encodeThrown(e, depth + 1, seen));
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
