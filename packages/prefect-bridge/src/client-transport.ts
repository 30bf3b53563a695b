/**
 * How a `PrefectClient` talks to the server: one JSON request over `fetch` with a timeout,
 * retries (Prefect's retryable statuses and network errors, `Retry-After` or exponential backoff;
 * never a request that got no answer in time) and the circuit breaker of {@link ServerCircuit}.
 * The endpoints (`client-*.ts`) are built on {@link ClientTransport.request}.
 *
 * @module
 */
import { forgetApiProblem } from './api-problems.js';
import type { ClientSettings } from './client-settings.js';
import { describeCause, PrefectApiError, PrefectConnectionError, PrefectUnavailableError } from './errors.js';
import { type ServerAvailability, ServerCircuit } from './server-circuit.js';

/** Gateway errors: a proxy answered for the server, which itself may be gone. */
const GATEWAY_STATUS_CODES: ReadonlySet<number> = new Set([502, 504]);

/**
 * Per-request options.
 *
 * @since 0.1.0
 */
export interface RequestOptions {
  /** Aborts the request (and any backoff wait). */
  readonly signal?: AbortSignal;
  /** Set `false` to fail on the first error. Default true. */
  readonly retry?: boolean;
}

/** A pre-serialized JSON body, sent as is. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Sends requests to one Prefect API with retries and a circuit breaker. */
export class ClientTransport {
  readonly #settings: ClientSettings;
  readonly #circuit: ServerCircuit;

  constructor(settings: ClientSettings) {
    this.#settings = settings;
    this.#circuit = new ServerCircuit(
      (signal) => this.#checkHealth(signal),
      {
        probeTimeoutMs: settings.probeTimeoutMs,
        probeIntervalMs: settings.probeIntervalMs,
        maxProbeIntervalMs: settings.maxProbeIntervalMs,
      },
      (available) => {
        // a new outage after a recovery gets its own report
        if (available) forgetApiProblem(settings.apiUrl);
      },
    );
  }

  /** Whether the server is answering, as the circuit breaker sees it. */
  get availability(): ServerAvailability {
    return this.#circuit.availability;
  }

  /**
   * Sends one request and returns the parsed JSON body (`undefined` for an empty body).
   *
   * @throws {PrefectApiError} on an error status, {@link PrefectConnectionError} when unreachable,
   * {@link PrefectUnavailableError} (at once) while the server is known to be down.
   */
  async request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const { apiUrl, timeoutMs, maxRetries, stallProbeMs, retryCodes } = this.#settings;
    const url = `${apiUrl}${path}`;
    const payload =
      body === undefined ? undefined : body instanceof RawJson ? body.text : JSON.stringify(body);
    const retry = options.retry ?? true;
    for (let attempt = 0; ; attempt++) {
      options.signal?.throwIfAborted();
      if (!(await this.#circuit.admit())) throw this.#unavailable(method, path);
      options.signal?.throwIfAborted();
      const epoch = this.#circuit.signal;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signals = [timeout, epoch];
      if (options.signal) signals.push(options.signal);
      const stall =
        stallProbeMs !== undefined && stallProbeMs < timeoutMs
          ? setTimeout(() => this.#circuit.stalled(stallProbeMs), stallProbeMs)
          : undefined;
      let response: Response;
      let parsed: unknown;
      try {
        response = await this.#settings.fetch(url, {
          method,
          headers: this.#settings.headers,
          body: payload,
          signal: AbortSignal.any(signals),
        });
        parsed = await readBody(response);
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (epoch.aborted) throw this.#unavailable(method, path);
        const timedOut = timeout.aborted;
        const reason = timedOut
          ? `${method} ${path} got no answer within ${timeoutMs} ms`
          : `${method} ${path}: ${describeCause(error)}`;
        const up = await this.#circuit.failed(reason, timedOut);
        // a request that got no answer in time may still be processed by the server: sending it
        // again would store its logs twice and double the work of a server that is already slow
        if (!(retry && up && !timedOut && attempt < maxRetries)) {
          throw new PrefectConnectionError(method, path, url, error);
        }
        await sleep(this.#backoff(attempt, null), options.signal);
        continue;
      } finally {
        clearTimeout(stall);
      }
      const gateway = GATEWAY_STATUS_CODES.has(response.status);
      if (!gateway) this.#circuit.answered();
      if (response.ok) return parsed as T;
      const retryable = retry && retryCodes.has(response.status) && attempt < maxRetries;
      // a gateway error: is the server behind it there at all?
      const up = gateway
        ? await this.#circuit.failed(`${method} ${path}: HTTP ${response.status}`, false)
        : true;
      if (retryable && up) {
        await sleep(this.#backoff(attempt, response.headers.get('retry-after')), options.signal);
        continue;
      }
      throw new PrefectApiError(method, path, response.status, parsed);
    }
  }

  #unavailable(method: string, path: string): PrefectUnavailableError {
    const { since, reason } = this.#circuit.availability;
    return new PrefectUnavailableError(
      method,
      path,
      this.#settings.apiUrl,
      since ?? Date.now(),
      reason ?? 'unknown',
    );
  }

  /** One `GET /health` for the circuit: no retries, no circuit; true when the server (not a gateway) answered. */
  async #checkHealth(signal: AbortSignal): Promise<boolean> {
    const response = await this.#settings.fetch(`${this.#settings.apiUrl}/health`, {
      method: 'GET',
      headers: this.#settings.headers,
      signal,
    });
    await response.arrayBuffer().catch(() => undefined);
    return !GATEWAY_STATUS_CODES.has(response.status);
  }

  #backoff(attempt: number, retryAfter: string | null): number {
    const { retryBaseDelayMs, maxRetryDelayMs } = this.#settings;
    if (retryAfter !== null) {
      const seconds = Number(retryAfter);
      if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, maxRetryDelayMs);
      const date = Date.parse(retryAfter);
      if (!Number.isNaN(date)) return Math.min(Math.max(0, date - Date.now()), maxRetryDelayMs);
    }
    const base = retryBaseDelayMs * 2 ** attempt;
    const jitter = 1 + (Math.random() * 2 - 1) * 0.2;
    return Math.min(base * jitter, maxRetryDelayMs);
  }
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Sleeps `ms`, rejecting early with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
