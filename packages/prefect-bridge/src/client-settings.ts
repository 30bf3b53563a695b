/**
 * The settings of a `PrefectClient`: its options, each with an environment default
 * (`PREFECT_API_URL`, `PREFECT_API_KEY`, `PREFECT_API_AUTH_STRING`, `PREFECT_API_REQUEST_TIMEOUT`,
 * `PREFECT_CLIENT_MAX_RETRIES`, `PREFECT_CLIENT_RETRY_EXTRA_CODES`), read and checked in one place.
 *
 * @module
 */
import { PrefectConfigError } from './errors.js';

/** The API version the Python client of Prefect 3.9 sends. */
export const DEFAULT_API_VERSION = '0.8.4';

/** Status codes retried by Prefect's client (plus `PREFECT_CLIENT_RETRY_EXTRA_CODES`). */
export const RETRYABLE_STATUS_CODES: readonly number[] = [408, 429, 502, 503];

/**
 * Options of `PrefectClient`; every one has an environment default.
 *
 * @since 0.1.0
 */
export interface PrefectClientOptions {
  /** API base URL, e.g. `http://127.0.0.1:4200/api`. Default `PREFECT_API_URL`. */
  readonly apiUrl?: string;
  /** Sent as `Authorization: Bearer <key>`. Default `PREFECT_API_KEY`. */
  readonly apiKey?: string;
  /** `user:pass`, sent as HTTP Basic auth; wins over `apiKey`. Default `PREFECT_API_AUTH_STRING`. */
  readonly authString?: string;
  /** `X-PREFECT-API-VERSION` header; default {@link DEFAULT_API_VERSION}. */
  readonly apiVersion?: string;
  /** Per-request timeout; default `PREFECT_API_REQUEST_TIMEOUT` seconds or 60 s. */
  readonly timeoutMs?: number;
  /** Retries of a retryable failure; default `PREFECT_CLIENT_MAX_RETRIES` or 5. */
  readonly maxRetries?: number;
  /** Backoff base: attempt n waits `retryBaseDelayMs * 2**n` (±20 % jitter) unless `Retry-After` says otherwise. Default 1000. */
  readonly retryBaseDelayMs?: number;
  /** Longest single backoff wait; default 60 000 ms. */
  readonly maxRetryDelayMs?: number;
  /** The `fetch` implementation; default the global one. */
  readonly fetch?: typeof fetch;
  /** How long a `GET /health` check may take before the server counts as down; default the smaller of `timeoutMs` and 5000. */
  readonly probeTimeoutMs?: number;
  /** Wait before re-checking a server found down; doubles per failed check up to `maxProbeIntervalMs`. Default 1000. */
  readonly probeIntervalMs?: number;
  /** Longest wait between re-checks of a server found down; default 30 000 ms. */
  readonly maxProbeIntervalMs?: number;
  /**
   * Opt-in: a request still unanswered after this long makes the client check `GET /health`
   * meanwhile, and give up on the server (abandoning the requests in flight) when that does not
   * answer within `probeTimeoutMs` either. Finds a server that accepts connections but never
   * answers sooner than `timeoutMs`, at a price: a Prefect server busy validating a large log
   * batch may not answer `/health` in time either, and would be taken for dead. Default: off.
   */
  readonly stallProbeMs?: number;
  /** Environment to read defaults from; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Every setting of a client, resolved and checked. */
export interface ClientSettings {
  /** The API base URL, without a trailing slash. */
  readonly apiUrl: string;
  readonly apiVersion: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly retryBaseDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly fetch: typeof fetch;
  readonly probeTimeoutMs: number;
  readonly probeIntervalMs: number;
  readonly maxProbeIntervalMs: number;
  readonly stallProbeMs: number | undefined;
  /** HTTP statuses retried: {@link RETRYABLE_STATUS_CODES} and the extra ones of the environment. */
  readonly retryCodes: ReadonlySet<number>;
  /** Headers of every request (content type, API version, user agent, authorization). */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Resolves a client's options against the environment.
 *
 * @throws {PrefectConfigError} when no API URL is given or set in `PREFECT_API_URL`, or a value is
 * invalid (the message names the option or variable).
 */
export function resolveClientSettings(options: PrefectClientOptions = {}): ClientSettings {
  const env = options.env ?? process.env;
  const apiUrl = checkedApiUrl(options.apiUrl ?? nonEmpty(env.PREFECT_API_URL));
  const apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
  const timeoutMs =
    options.timeoutMs ?? numberFromEnv(env, 'PREFECT_API_REQUEST_TIMEOUT', 60, 'seconds') * 1000;
  const maxRetries = options.maxRetries ?? numberFromEnv(env, 'PREFECT_CLIENT_MAX_RETRIES', 5);
  const probeTimeoutMs = options.probeTimeoutMs ?? Math.min(timeoutMs, 5000);
  const probeIntervalMs = options.probeIntervalMs ?? 1000;
  const maxProbeIntervalMs = options.maxProbeIntervalMs ?? 30_000;
  const stallProbeMs = options.stallProbeMs;
  for (const [name, value] of Object.entries({
    timeoutMs,
    probeTimeoutMs,
    probeIntervalMs,
    maxProbeIntervalMs,
    ...(stallProbeMs === undefined ? {} : { stallProbeMs }),
  })) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new PrefectConfigError(
        `PrefectClient option ${name} must be a positive number of ms, got ${value}`,
      );
    }
  }
  return {
    apiUrl,
    apiVersion,
    timeoutMs,
    maxRetries,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 1000,
    maxRetryDelayMs: options.maxRetryDelayMs ?? 60_000,
    fetch: options.fetch ?? globalThis.fetch,
    probeTimeoutMs,
    probeIntervalMs,
    maxProbeIntervalMs,
    stallProbeMs,
    retryCodes: new Set([...RETRYABLE_STATUS_CODES, ...extraRetryCodes(env)]),
    headers: headers(
      apiVersion,
      options.authString ?? nonEmpty(env.PREFECT_API_AUTH_STRING),
      options.apiKey ?? nonEmpty(env.PREFECT_API_KEY),
    ),
  };
}

/** The API URL of the environment (`PREFECT_API_URL`, trimmed, without a trailing slash), if set. */
export function environmentApiUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return nonEmpty(env.PREFECT_API_URL)?.replace(/\/+$/, '');
}

function checkedApiUrl(apiUrl: string | undefined): string {
  if (apiUrl === undefined) {
    throw new PrefectConfigError(
      'No Prefect API URL: pass { apiUrl } or set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api)',
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(apiUrl);
  } catch (error) {
    throw new PrefectConfigError(`Invalid Prefect API URL ${JSON.stringify(apiUrl)} (PREFECT_API_URL)`, {
      cause: error,
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PrefectConfigError(
      `Invalid Prefect API URL ${JSON.stringify(apiUrl)} (PREFECT_API_URL): expected http:// or https://`,
    );
  }
  return apiUrl.replace(/\/+$/, '');
}

function extraRetryCodes(env: NodeJS.ProcessEnv): number[] {
  return (env.PREFECT_CLIENT_RETRY_EXTRA_CODES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const code = Number(s);
      if (!Number.isInteger(code) || code < 100 || code > 599) {
        throw new PrefectConfigError(
          `Invalid status code ${JSON.stringify(s)} in PREFECT_CLIENT_RETRY_EXTRA_CODES`,
        );
      }
      return code;
    });
}

function headers(
  apiVersion: string,
  authString: string | undefined,
  apiKey: string | undefined,
): Record<string, string> {
  const result: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'x-prefect-api-version': apiVersion,
    'user-agent': `weft-prefect-bridge (API ${apiVersion})`,
  };
  if (authString !== undefined) {
    result.authorization = `Basic ${Buffer.from(authString, 'utf8').toString('base64')}`;
  } else if (apiKey !== undefined) {
    result.authorization = `Bearer ${apiKey}`;
  }
  return result;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function numberFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, unit = ''): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new PrefectConfigError(
      `Invalid ${name}=${JSON.stringify(raw)}: expected a non-negative number${unit ? ` of ${unit}` : ''}`,
    );
  }
  return value;
}
