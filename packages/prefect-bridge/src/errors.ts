/**
 * Errors raised by @weft/prefect-bridge. Every error extends {@link PrefectBridgeError}, carries a
 * stable string `code` ({@link PrefectBridgeErrorCode}), and keeps the underlying error (if any) as
 * ES2022 `cause`.
 *
 * @module
 */

import { defineErrorMarker } from '@weft/contextvars/error-marker';

/**
 * Codes carried by errors of this package.
 *
 * @since 0.1.0
 */
export type PrefectBridgeErrorCode =
  /** {@link MissingContextError}: no flow or task run is active. */
  | 'MISSING_CONTEXT'
  /** {@link PrefectConfigError}: an option or environment variable is wrong. */
  | 'CONFIG'
  /** A bad argument to a function of the bridge; the message names it. */
  | 'INVALID_ARGUMENT'
  /** {@link InvalidRunContextError}: a value received across a thread boundary is malformed. */
  | 'INVALID_RUN_CONTEXT'
  /** {@link PrefectApiError}: the API answered with an HTTP error status. */
  | 'API_STATUS'
  /** {@link PrefectConnectionError}: the API could not be reached. */
  | 'API_CONNECTION'
  /** {@link PrefectUnavailableError}: the request was not sent, the server is known to be down. */
  | 'API_UNAVAILABLE'
  /** {@link PrefectAbortError}: the server refused a state transition with `ABORT`. */
  | 'ORCHESTRATION_ABORT'
  /** The server kept answering `WAIT` to a state transition for longer than allowed. */
  | 'ORCHESTRATION_WAIT_TIMEOUT'
  /** {@link PrefectServerError}: a throwaway Prefect server could not be installed or started. */
  | 'SERVER_START';

/**
 * Base class of every error thrown by @weft/prefect-bridge: `(code, message, options)`. Subclasses
 * fix their code.
 *
 * Check identity with {@link PrefectBridgeError.is} (`PrefectApiError.is(error)`), not
 * `instanceof`: `instanceof` fails when two copies of the package are installed.
 *
 * @since 0.1.0
 */
export class PrefectBridgeError extends Error {
  /** Stable, machine-readable error code. */
  readonly code: PrefectBridgeErrorCode;

  /**
   * @param code Stable error code.
   * @param message Human-readable message naming the thing at fault.
   * @param options Standard `ErrorOptions` (`cause`).
   */
  constructor(code: PrefectBridgeErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /**
   * Whether `value` is an error of this class (or one of its subclasses), made by any copy of
   * `@weft/prefect-bridge`. Never throws.
   *
   * @example
   * ```ts
   * if (PrefectApiError.is(error) && error.status === 404) return undefined;
   * ```
   */
  static is<T extends abstract new (...args: never[]) => PrefectBridgeError>(
    this: T,
    value: unknown,
  ): value is InstanceType<T> {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `is` was called on (a subclass too)
    return isPrefectBridgeError(value, this.name);
  }
}
/** The cross-copy check behind `PrefectBridgeError.is`: a `Symbol.for('weft.prefect-bridge.error')` marker on the prototype. */
const isPrefectBridgeError = defineErrorMarker(PrefectBridgeError, 'weft.prefect-bridge.error');

/**
 * Raised by `getRunContext()` / `getRunLogger()` outside any flow or task run, exactly like
 * Prefect's `prefect.exceptions.MissingContextError`.
 *
 * @since 0.1.0
 */
export class MissingContextError extends PrefectBridgeError {
  /** @param message Defaults to Prefect's own message. */
  constructor(message = 'There is no active flow or task run context.', options?: ErrorOptions) {
    super('MISSING_CONTEXT', message, options);
  }
}

/**
 * Raised when the bridge is configured wrongly (missing API URL, bad option value, ...).
 *
 * @since 0.1.0
 */
export class PrefectConfigError extends PrefectBridgeError {
  /** @param message Names the option or environment variable at fault. */
  constructor(message: string, options?: ErrorOptions) {
    super('CONFIG', message, options);
  }
}

/**
 * A value received across a thread boundary (a serialized run context, a forwarded log record) is malformed.
 *
 * @since 0.1.0
 */
export class InvalidRunContextError extends PrefectBridgeError {
  /** @param message Names the variable or field at fault. */
  constructor(message: string, options?: ErrorOptions) {
    super('INVALID_RUN_CONTEXT', message, options);
  }
}

/**
 * The Prefect API answered with an HTTP error status (after any retries).
 *
 * @since 0.1.0
 */
export class PrefectApiError extends PrefectBridgeError {
  /** HTTP status code returned by the server. */
  readonly status: number;
  /** HTTP method of the failed request. */
  readonly method: string;
  /** API path of the failed request (relative to the API URL). */
  readonly path: string;
  /** Parsed response body (JSON when possible, else text). */
  readonly body: unknown;

  /**
   * @param method HTTP method.
   * @param path API path relative to the base URL.
   * @param status HTTP status.
   * @param body Parsed response body.
   */
  constructor(method: string, path: string, status: number, body: unknown) {
    super('API_STATUS', `Prefect API ${method} ${path} failed with HTTP ${status}: ${summarizeBody(body)}`);
    this.method = method;
    this.path = path;
    this.status = status;
    this.body = body;
  }
}

/**
 * The Prefect API could not be reached (connection refused, reset, timeout), after any retries.
 *
 * @since 0.1.0
 */
export class PrefectConnectionError extends PrefectBridgeError {
  /** HTTP method of the failed request. */
  readonly method: string;
  /** API path of the failed request. */
  readonly path: string;

  /**
   * @param method HTTP method.
   * @param path API path relative to the base URL.
   * @param url Full URL that was requested.
   * @param cause The underlying network error.
   */
  constructor(method: string, path: string, url: string, cause: unknown) {
    super(
      'API_CONNECTION',
      `Could not reach the Prefect API at ${url} (${method} ${path}): ${describeCause(cause)}`,
      {
        cause,
      },
    );
    this.method = method;
    this.path = path;
  }
}

/**
 * The request was not sent because the client already knows the server is down: an earlier
 * request failed and `GET /health` did not answer either (the client's circuit is open). Thrown at
 * once, without touching the network, until a later health check succeeds.
 *
 * @since 0.1.0
 */
export class PrefectUnavailableError extends PrefectBridgeError {
  /** HTTP method of the request not sent. */
  readonly method: string;
  /** API path of the request not sent. */
  readonly path: string;
  /** The API base URL of the unavailable server. */
  readonly apiUrl: string;
  /** When the server was found unavailable (epoch ms). */
  readonly since: number;
  /** Why: the failure that opened the circuit. */
  readonly reason: string;

  /**
   * @param method HTTP method.
   * @param path API path relative to the base URL.
   * @param apiUrl API base URL.
   * @param since When the server was found unavailable (epoch ms).
   * @param reason The failure that opened the circuit.
   */
  constructor(method: string, path: string, apiUrl: string, since: number, reason: string) {
    super(
      'API_UNAVAILABLE',
      `Prefect API at ${apiUrl} is unavailable since ${new Date(since).toISOString()} (${reason}); ${method} ${path} was not sent`,
    );
    this.method = method;
    this.path = path;
    this.apiUrl = apiUrl;
    this.since = since;
    this.reason = reason;
  }
}

/**
 * The server refused a state transition with `ABORT` (for example a task run set RUNNING while its
 * flow run is not RUNNING). Mirrors Python Prefect's `Abort`.
 *
 * @since 0.1.0
 */
export class PrefectAbortError extends PrefectBridgeError {
  /** `flow run` or `task run`. */
  readonly runKind: 'flow run' | 'task run';
  /** Id of the run whose state change was aborted. */
  readonly runId: string;
  /** The server's reason. */
  readonly reason: string;

  /**
   * @param runKind Which kind of run.
   * @param runId The run id.
   * @param stateType The proposed state type.
   * @param reason The reason given by the server.
   */
  constructor(runKind: 'flow run' | 'task run', runId: string, stateType: string, reason: string) {
    super('ORCHESTRATION_ABORT', `Prefect aborted setting ${runKind} ${runId} to ${stateType}: ${reason}`);
    this.runKind = runKind;
    this.runId = runId;
    this.reason = reason;
  }
}

function summarizeBody(body: unknown): string {
  if (body === undefined || body === null || body === '') return '(empty body)';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/** A short description of a network error, with its code (`fetch failed (ECONNREFUSED)`). */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as { cause?: unknown }).cause;
    const code = (inner as { code?: unknown } | undefined)?.code ?? (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${cause.message} (${code})` : cause.message;
  }
  return String(cause);
}

/**
 * A throwaway Prefect server (`@weft/prefect-bridge/testing`) could not be installed or started.
 *
 * @since 0.1.0
 */
export class PrefectServerError extends PrefectBridgeError {
  /** @param message Says what is missing or what the server printed. */
  constructor(message: string, options?: ErrorOptions) {
    super('SERVER_START', message, options);
  }
}
