/**
 * Error classes of `@weft/contextvars`. Every error extends {@link ContextVarsError} and carries a
 * stable string `code`, so callers can branch on `err.code` rather than on message text.
 *
 * @module
 */

import { defineErrorMarker } from './error-marker.js';

/** Codes carried by errors of this package. */
export type ContextVarsErrorCode =
  | 'ERR_CONTEXTVAR_LOOKUP'
  | 'ERR_TOKEN_USED'
  | 'ERR_TOKEN_FOREIGN_VAR'
  | 'ERR_TOKEN_FOREIGN_CONTEXT'
  | 'ERR_CONTEXT_ENTERED'
  | 'ERR_CONTEXTVAR_DUPLICATE_NAME'
  | 'ERR_CONTEXTVAR_UNSERIALIZABLE'
  | 'ERR_CONTEXTVAR_UNDECODABLE'
  | 'ERR_CONTEXT_TOO_LARGE'
  | 'ERR_SERIALIZED_CONTEXT_INVALID'
  | 'ERR_CONTEXTVARS_INCOMPATIBLE_COPIES'
  | 'ERR_CONTEXTVAR_IDS_EXHAUSTED'
  | 'ERR_CONTEXT_FILTER_INVALID'
  | 'ERR_PROPAGATOR_INVALID'
  | 'ERR_CARRIER_INVALID'
  | 'ERR_PROPAGATION_SETUP';

/**
 * Base class of every error thrown by `@weft/contextvars`: `(code, message, options)`. Subclasses
 * fix their code (or the set of codes they may carry).
 *
 * Check identity with {@link ContextVarsError.is} (`LookupError.is(error)`), not `instanceof`:
 * `instanceof` fails when two copies of the package are installed.
 */
export class ContextVarsError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: ContextVarsErrorCode;

  constructor(code: ContextVarsErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /**
   * Whether `value` is an error of this class (or one of its subclasses), made by any copy of
   * `@weft/contextvars`. Never throws.
   *
   * @example
   * ```ts
   * if (LookupError.is(error)) console.log('unset:', error.varName);
   * ```
   */
  static is<T extends abstract new (...args: never[]) => ContextVarsError>(
    this: T,
    value: unknown,
  ): value is InstanceType<T> {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `is` was called on (a subclass too)
    return isContextVarsError(value, this.name);
  }
}
/** The cross-copy check behind `ContextVarsError.is`: a `Symbol.for('weft.contextvars.error')` marker on the prototype. */
const isContextVarsError = defineErrorMarker(ContextVarsError, 'weft.contextvars.error');

/**
 * Thrown by `ContextVar.get()` when the variable has no value in the current context and no
 * default (Python's `LookupError`). The message names the variable, and says so when the
 * variable was set where this work was submitted but did not cross the boundary (it is not
 * declared `propagate: true`, or a context filter left it out).
 */
export class LookupError extends ContextVarsError {
  /** Name of the variable that had no value. */
  readonly varName: string;

  constructor(varName: string, description: string, hint?: string) {
    super(
      'ERR_CONTEXTVAR_LOOKUP',
      `${description} has no value in the current context and no default${hint === undefined ? '' : `: ${hint}`}`,
    );
    this.varName = varName;
  }
}

/**
 * Thrown by `ContextVar.reset(token)` when the token was already used, belongs to another
 * variable, or was created in another `Context` (Python's RuntimeError / ValueError cases).
 */
export class TokenError extends ContextVarsError {
  declare readonly code: 'ERR_TOKEN_USED' | 'ERR_TOKEN_FOREIGN_VAR' | 'ERR_TOKEN_FOREIGN_CONTEXT';

  constructor(code: TokenError['code'], message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** Thrown by `Context.run` when the context is already entered (Python's RuntimeError). */
export class ContextEnteredError extends ContextVarsError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_CONTEXT_ENTERED', message, options);
  }
}

/**
 * Thrown when a context cannot cross a boundary: a value that its variable cannot encode, a payload
 * that cannot be decoded, a context over the size cap, two propagatable variables with one name.
 */
export class ContextSerializationError extends ContextVarsError {
  /** The variable at fault, when there is one. */
  readonly varName: string | undefined;

  constructor(code: ContextVarsErrorCode, message: string, varName?: string, options?: ErrorOptions) {
    super(code, message, options);
    this.varName = varName;
  }
}

/**
 * Thrown when a propagator is not one (`ERR_PROPAGATOR_INVALID`: missing methods, two
 * propagators of a composite claiming one carrier field), when a carrier field cannot be read
 * (`ERR_CARRIER_INVALID`, naming the field), or when a propagation set-up module cannot be
 * loaded (`ERR_PROPAGATION_SETUP`).
 */
export class ContextPropagationError extends ContextVarsError {
  /** The carrier field at fault, when there is one. */
  readonly field: string | undefined;

  constructor(code: ContextVarsErrorCode, message: string, field?: string, options?: ErrorOptions) {
    super(code, message, options);
    this.field = field;
  }
}

/**
 * The message of anything thrown, without ever throwing itself (a thrown `null`, a symbol, an
 * object whose `message` getter throws).
 *
 * @internal
 */
export function reasonOf(error: unknown): string {
  try {
    const message = (error as Error | null | undefined)?.message;
    return typeof message === 'string' ? message : String(error);
  } catch {
    return 'an error that cannot be printed';
  }
}
