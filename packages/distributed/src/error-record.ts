/**
 * A node's error as plain JSON, so that it crosses the process (and machine) boundary with its
 * `name`, `message`, `stack`, `code`, `cause` chain and JSON-compatible own properties. BullMQ
 * alone keeps only the message and the stack.
 *
 * @module
 */

/** An error as JSON. */
export interface ErrorRecord {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string | number;
  readonly cause?: ErrorRecord | { readonly value: unknown };
  /** Other own enumerable properties that survive JSON. */
  readonly props?: Record<string, unknown>;
  /** Set when a non-Error value was thrown: its JSON form (or its `String()`). */
  readonly thrown?: unknown;
}

const BUILT_IN: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

const SKIP = new Set(['name', 'message', 'stack', 'code', 'cause']);

function jsonSafe(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Describes `error` (anything thrown) as JSON; `depth` bounds the cause chain. */
export function toErrorRecord(error: unknown, depth = 0): ErrorRecord {
  if (!(error instanceof Error)) {
    const thrown = jsonSafe(error);
    return { name: 'Error', message: String(error), thrown: thrown === undefined ? String(error) : thrown };
  }
  const code = (error as { code?: unknown }).code;
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (SKIP.has(key)) continue;
    const value = jsonSafe((error as unknown as Record<string, unknown>)[key]);
    if (value !== undefined) props[key] = value;
  }
  let cause: ErrorRecord['cause'];
  if ('cause' in error && error.cause !== undefined && depth < 8) {
    cause =
      error.cause instanceof Error ? toErrorRecord(error.cause, depth + 1) : { value: jsonSafe(error.cause) };
  }
  return {
    name: typeof error.name === 'string' ? error.name : 'Error',
    message: typeof error.message === 'string' ? error.message : String(error.message),
    ...(typeof error.stack === 'string' ? { stack: error.stack } : {}),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(cause === undefined ? {} : { cause }),
    ...(Object.keys(props).length > 0 ? { props } : {}),
  };
}

/**
 * Rebuilds an error from its record: built-in error types keep their class, others are an `Error`
 * whose `name` is the original one; `stack` is the remote stack, `code`, `cause` and own
 * properties are restored. A thrown non-Error value comes back as that value.
 */
export function fromErrorRecord(record: ErrorRecord): unknown {
  if (record.thrown !== undefined) return record.thrown;
  const Ctor = BUILT_IN[record.name] ?? Error;
  const error = new Ctor(record.message) as Error & Record<string, unknown>;
  if (Ctor === Error && record.name !== 'Error') {
    Object.defineProperty(error, 'name', {
      value: record.name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (record.stack !== undefined) {
    Object.defineProperty(error, 'stack', {
      value: record.stack,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (record.props !== undefined) Object.assign(error, record.props);
  if (record.code !== undefined) error.code = record.code;
  if (record.cause !== undefined) {
    const cause =
      'value' in record.cause && !('message' in record.cause)
        ? record.cause.value
        : fromErrorRecord(record.cause as ErrorRecord);
    Object.defineProperty(error, 'cause', {
      value: cause,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  return error;
}
