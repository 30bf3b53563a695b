/**
 * Error classes of `@weft/opentelemetry`: one base class with a string `code`.
 *
 * @module
 */

import { defineErrorMarker } from '@weft/contextvars/error-marker';

/** Codes carried by errors of this package. */
export type OpenTelemetryErrorCode =
  | 'ERR_CONTEXT_MANAGER_TAKEN'
  | 'ERR_OTEL_INVALID_ARGUMENT'
  | 'ERR_TRACE_HEADER_INVALID';

/**
 * Base class of every error thrown by `@weft/opentelemetry`: `(code, message, options)`.
 *
 * Check identity with {@link WeftOpenTelemetryError.is}, not `instanceof`: `instanceof` fails when
 * two copies of the package are installed.
 */
export class WeftOpenTelemetryError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: OpenTelemetryErrorCode;

  constructor(code: OpenTelemetryErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /**
   * Whether `value` is an error of this class (or one of its subclasses), made by any copy of
   * `@weft/opentelemetry`. Never throws.
   *
   * @example
   * ```ts
   * if (WeftOpenTelemetryError.is(error) && error.code === 'ERR_CONTEXT_MANAGER_TAKEN') console.warn(error.message);
   * ```
   */
  static is<T extends abstract new (...args: never[]) => WeftOpenTelemetryError>(
    this: T,
    value: unknown,
  ): value is InstanceType<T> {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `is` was called on (a subclass too)
    return isWeftOpenTelemetryError(value, this.name);
  }
}
/** The cross-copy check behind `WeftOpenTelemetryError.is`: a `Symbol.for('weft.opentelemetry.error')` marker on the prototype. */
const isWeftOpenTelemetryError = defineErrorMarker(WeftOpenTelemetryError, 'weft.opentelemetry.error');
