/**
 * Error classes of `@weft/opentelemetry`: one base class with a string `code`.
 *
 * @module
 */

/** Codes carried by errors of this package. */
export type OpenTelemetryErrorCode =
  | 'ERR_CONTEXT_MANAGER_TAKEN'
  | 'ERR_OTEL_INVALID_ARGUMENT'
  | 'ERR_TRACE_HEADER_INVALID';

/** Base class of every error thrown by `@weft/opentelemetry`. */
export class WeftOpenTelemetryError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: OpenTelemetryErrorCode;

  constructor(code: OpenTelemetryErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
