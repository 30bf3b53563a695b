/**
 * A typed client for the Prefect 3 REST API on Node's global `fetch`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { forgetApiProblem } from './api-problems.js';
import type {
  Flow,
  FlowRun,
  Log,
  LogCreate,
  LogQuery,
  OrchestrationResult,
  StateProposal,
  TaskRun,
} from './api-types.js';
import {
  describeCause,
  PrefectAbortError,
  PrefectApiError,
  PrefectBridgeError,
  PrefectConfigError,
  PrefectConnectionError,
  PrefectUnavailableError,
} from './errors.js';
import { type ServerAvailability, ServerCircuit } from './server-circuit.js';

/** The API version the Python client of Prefect 3.9 sends. */
export const DEFAULT_API_VERSION = '0.8.4';

/** Status codes retried by Prefect's client (plus `PREFECT_CLIENT_RETRY_EXTRA_CODES`). */
export const RETRYABLE_STATUS_CODES: readonly number[] = [408, 429, 502, 503];

/** Gateway errors: a proxy answered for the server, which itself may be gone. */
const GATEWAY_STATUS_CODES: ReadonlySet<number> = new Set([502, 504]);

/** Largest page the server accepts for filter endpoints. */
export const MAX_PAGE_SIZE = 200;

/** Options of {@link PrefectClient}; every one has an environment default. */
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

/** Per-request options. */
export interface RequestOptions {
  /** Aborts the request (and any backoff wait). */
  readonly signal?: AbortSignal;
  /** Set `false` to fail on the first error. Default true. */
  readonly retry?: boolean;
}

/** Body of {@link PrefectClient.createFlowRun}. */
export interface FlowRunCreateInput {
  readonly flowId: string;
  /** Run name; the server generates a two-word slug when absent. */
  readonly name?: string;
  readonly parameters?: Record<string, unknown>;
  readonly context?: Record<string, unknown>;
  readonly tags?: readonly string[];
  readonly labels?: Record<string, unknown>;
  /** Initial state (not orchestrated); default PENDING. */
  readonly state?: StateProposal;
  readonly idempotencyKey?: string;
  readonly parentTaskRunId?: string;
}

/** Body of {@link PrefectClient.createTaskRun}. */
export interface TaskRunCreateInput {
  /** Flow run to attach the task run to; omit (or `null`) for a standalone task run. */
  readonly flowRunId?: string | null;
  readonly taskKey: string;
  readonly dynamicKey: string;
  readonly name?: string;
  /** Client-chosen id (a UUID). */
  readonly id?: string;
  readonly tags?: readonly string[];
  readonly labels?: Record<string, unknown>;
  readonly state?: StateProposal;
}

/** Options of `set_state` calls. */
export interface SetStateOptions extends RequestOptions {
  /** Skip orchestration rules. Default false. */
  readonly force?: boolean;
  /** Total time to keep honouring `WAIT` answers before giving up. Default 60 000 ms. */
  readonly maxWaitMs?: number;
}

/**
 * A thin typed client for the Prefect 3 REST API. Responses keep the server's field names.
 *
 * Retries follow Prefect's Python client: HTTP 408/429/502/503 (and the codes in
 * `PREFECT_CLIENT_RETRY_EXTRA_CODES`) and network errors are retried with `Retry-After` or
 * exponential backoff. Unlike Prefect's, a request that got no answer within `timeoutMs` is not
 * sent again: the server may still be processing it (a log batch would be stored twice).
 *
 * A circuit breaker keeps a dead server from holding every call: when a request gets no
 * connection, a reset, no answer in time, or a gateway error, the client checks `GET /health` at
 * once; if that fails too (or two requests in a row got no answer in time), the server counts as
 * down: requests in flight are abandoned and every request fails at once with
 * {@link PrefectUnavailableError}, without touching the network. The first request after a
 * re-check delay (1 s, doubling up to 30 s) checks `GET /health` again and goes through when it
 * answers. So a server that accepts connections but never answers costs one `timeoutMs` (plus one
 * health check), once, not one per call; `stallProbeMs` (opt-in) shortens that.
 * {@link PrefectClient.availability} tells the current state.
 */
export class PrefectClient {
  /** The API base URL, without a trailing slash. */
  readonly apiUrl: string;
  /** The API version header sent. */
  readonly apiVersion: string;
  /** Request timeout in ms. */
  readonly timeoutMs: number;
  /** Maximum retries per request. */
  readonly maxRetries: number;
  readonly #retryBaseDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #fetch: typeof fetch;
  readonly #headers: Record<string, string>;
  readonly #retryCodes: ReadonlySet<number>;
  readonly #circuit: ServerCircuit;
  readonly #stallProbeMs: number | undefined;

  /**
   * @param options Connection settings; each defaults from the environment.
   * @throws {PrefectConfigError} when no API URL is given or set in `PREFECT_API_URL`, or a value is invalid.
   */
  constructor(options: PrefectClientOptions = {}) {
    const env = options.env ?? process.env;
    const apiUrl = options.apiUrl ?? nonEmpty(env.PREFECT_API_URL);
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
    this.apiUrl = apiUrl.replace(/\/+$/, '');
    this.apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
    this.timeoutMs =
      options.timeoutMs ?? numberFromEnv(env, 'PREFECT_API_REQUEST_TIMEOUT', 60, 'seconds') * 1000;
    this.maxRetries = options.maxRetries ?? numberFromEnv(env, 'PREFECT_CLIENT_MAX_RETRIES', 5);
    this.#retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 60_000;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#stallProbeMs = options.stallProbeMs;
    const probeTimeoutMs = options.probeTimeoutMs ?? Math.min(this.timeoutMs, 5000);
    const probeIntervalMs = options.probeIntervalMs ?? 1000;
    const maxProbeIntervalMs = options.maxProbeIntervalMs ?? 30_000;
    for (const [name, value] of Object.entries({
      timeoutMs: this.timeoutMs,
      probeTimeoutMs,
      probeIntervalMs,
      maxProbeIntervalMs,
      ...(this.#stallProbeMs === undefined ? {} : { stallProbeMs: this.#stallProbeMs }),
    })) {
      if (!Number.isFinite(value) || value <= 0) {
        throw new PrefectConfigError(
          `PrefectClient option ${name} must be a positive number of ms, got ${value}`,
        );
      }
    }
    this.#circuit = new ServerCircuit(
      (signal) => this.#checkHealth(signal),
      { probeTimeoutMs, probeIntervalMs, maxProbeIntervalMs },
      (available) => {
        // a new outage after a recovery gets its own report
        if (available) forgetApiProblem(this.apiUrl);
      },
    );
    const extra = (env.PREFECT_CLIENT_RETRY_EXTRA_CODES ?? '')
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
    this.#retryCodes = new Set([...RETRYABLE_STATUS_CODES, ...extra]);
    this.#headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-prefect-api-version': this.apiVersion,
      'user-agent': `weft-prefect-bridge (API ${this.apiVersion})`,
    };
    const authString = options.authString ?? nonEmpty(env.PREFECT_API_AUTH_STRING);
    const apiKey = options.apiKey ?? nonEmpty(env.PREFECT_API_KEY);
    if (authString !== undefined) {
      this.#headers.authorization = `Basic ${Buffer.from(authString, 'utf8').toString('base64')}`;
    } else if (apiKey !== undefined) {
      this.#headers.authorization = `Bearer ${apiKey}`;
    }
  }

  /**
   * Whether the server is answering, as this client's circuit breaker sees it: while
   * `available` is false, requests fail at once with {@link PrefectUnavailableError}.
   */
  get availability(): ServerAvailability {
    return this.#circuit.availability;
  }

  /** True when `PREFECT_API_URL` is set (so an environment-configured client can be built). */
  static isConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
    return nonEmpty(env.PREFECT_API_URL) !== undefined;
  }

  /**
   * Sends one request and returns the parsed JSON body (`undefined` for an empty body).
   *
   * @param method HTTP method.
   * @param path Path relative to the API URL, starting with `/`.
   * @param body JSON body.
   * @throws {PrefectApiError} on an error status, {@link PrefectConnectionError} when unreachable,
   * {@link PrefectUnavailableError} (at once) while the server is known to be down.
   */
  async request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const url = `${this.apiUrl}${path}`;
    const payload =
      body === undefined ? undefined : body instanceof RawJson ? body.text : JSON.stringify(body);
    const retry = options.retry ?? true;
    for (let attempt = 0; ; attempt++) {
      options.signal?.throwIfAborted();
      if (!(await this.#circuit.admit())) throw this.#unavailable(method, path);
      options.signal?.throwIfAborted();
      const epoch = this.#circuit.signal;
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const signals = [timeout, epoch];
      if (options.signal) signals.push(options.signal);
      const stallMs = this.#stallProbeMs;
      const stall =
        stallMs !== undefined && stallMs < this.timeoutMs
          ? setTimeout(() => this.#circuit.stalled(stallMs), stallMs)
          : undefined;
      let response: Response;
      let parsed: unknown;
      try {
        response = await this.#fetch(url, {
          method,
          headers: this.#headers,
          body: payload,
          signal: AbortSignal.any(signals),
        });
        parsed = await readBody(response);
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (epoch.aborted) throw this.#unavailable(method, path);
        const timedOut = timeout.aborted;
        const reason = timedOut
          ? `${method} ${path} got no answer within ${this.timeoutMs} ms`
          : `${method} ${path}: ${describeCause(error)}`;
        const up = await this.#circuit.failed(reason, timedOut);
        // a request that got no answer in time may still be processed by the server: sending it
        // again would store its logs twice and double the work of a server that is already slow
        if (!(retry && up && !timedOut && attempt < this.maxRetries)) {
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
      const retryable = retry && this.#retryCodes.has(response.status) && attempt < this.maxRetries;
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
    return new PrefectUnavailableError(method, path, this.apiUrl, since ?? Date.now(), reason ?? 'unknown');
  }

  /** One `GET /health` for the circuit: no retries, no circuit; true when the server (not a gateway) answered. */
  async #checkHealth(signal: AbortSignal): Promise<boolean> {
    const response = await this.#fetch(`${this.apiUrl}/health`, {
      method: 'GET',
      headers: this.#headers,
      signal,
    });
    await response.arrayBuffer().catch(() => undefined);
    return !GATEWAY_STATUS_CODES.has(response.status);
  }

  #backoff(attempt: number, retryAfter: string | null): number {
    if (retryAfter !== null) {
      const seconds = Number(retryAfter);
      if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, this.#maxRetryDelayMs);
      const date = Date.parse(retryAfter);
      if (!Number.isNaN(date)) return Math.min(Math.max(0, date - Date.now()), this.#maxRetryDelayMs);
    }
    const base = this.#retryBaseDelayMs * 2 ** attempt;
    const jitter = 1 + (Math.random() * 2 - 1) * 0.2;
    return Math.min(base * jitter, this.#maxRetryDelayMs);
  }

  /** `GET /health`: true when the server is up. */
  async health(options?: RequestOptions): Promise<boolean> {
    return (await this.request<boolean>('GET', '/health', undefined, options)) === true;
  }

  /** `GET /version`: the server's API version (e.g. `0.8.4`). */
  version(options?: RequestOptions): Promise<string> {
    return this.request<string>('GET', '/version', undefined, options);
  }

  /** `GET /admin/version`: the server's Prefect package version (e.g. `3.9.1`). */
  serverVersion(options?: RequestOptions): Promise<string> {
    return this.request<string>('GET', '/admin/version', undefined, options);
  }

  /** `POST /flows/`: creates the flow, or returns the existing flow of that name. */
  async createFlow(
    name: string,
    input: { tags?: readonly string[]; labels?: Record<string, unknown> } = {},
    options?: RequestOptions,
  ): Promise<Flow> {
    if (name === '') throw new PrefectBridgeError('INVALID_ARGUMENT', 'Flow name must not be empty');
    return this.request<Flow>('POST', '/flows/', { name, ...pick(input, ['tags', 'labels']) }, options);
  }

  /** `GET /flows/{id}`. */
  readFlow(id: string, options?: RequestOptions): Promise<Flow> {
    return this.request<Flow>('GET', `/flows/${encodeURIComponent(id)}`, undefined, options);
  }

  /** `GET /flows/name/{name}`; `undefined` when no flow has that name. */
  async readFlowByName(name: string, options?: RequestOptions): Promise<Flow | undefined> {
    try {
      return await this.request<Flow>('GET', `/flows/name/${encodeURIComponent(name)}`, undefined, options);
    } catch (error) {
      if (PrefectApiError.is(error) && error.status === 404) return undefined;
      throw error;
    }
  }

  /** `POST /flow_runs/`. */
  createFlowRun(input: FlowRunCreateInput, options?: RequestOptions): Promise<FlowRun> {
    const body: Record<string, unknown> = {
      flow_id: input.flowId,
      state: stateBody(input.state ?? { type: 'PENDING' }),
    };
    if (input.name !== undefined) body.name = input.name;
    if (input.parameters !== undefined) body.parameters = input.parameters;
    if (input.context !== undefined) body.context = input.context;
    if (input.tags !== undefined) body.tags = input.tags;
    if (input.labels !== undefined) body.labels = input.labels;
    if (input.idempotencyKey !== undefined) body.idempotency_key = input.idempotencyKey;
    if (input.parentTaskRunId !== undefined) body.parent_task_run_id = input.parentTaskRunId;
    return this.request<FlowRun>('POST', '/flow_runs/', body, options);
  }

  /** `GET /flow_runs/{id}`. */
  readFlowRun(id: string, options?: RequestOptions): Promise<FlowRun> {
    return this.request<FlowRun>('GET', `/flow_runs/${encodeURIComponent(id)}`, undefined, options);
  }

  /** One page of `POST /flow_runs/filter`, newest first by default; optionally only runs of one flow. */
  async readFlowRuns(
    query: {
      flowId?: string;
      sort?:
        | 'START_TIME_DESC'
        | 'START_TIME_ASC'
        | 'EXPECTED_START_TIME_DESC'
        | 'EXPECTED_START_TIME_ASC'
        | 'NAME_ASC';
      limit?: number;
      offset?: number;
    } = {},
    options?: RequestOptions,
  ): Promise<FlowRun[]> {
    const limit = query.limit ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new PrefectBridgeError(
        'INVALID_ARGUMENT',
        `readFlowRuns limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`,
      );
    }
    const body: Record<string, unknown> = {
      sort: query.sort ?? 'EXPECTED_START_TIME_DESC',
      limit,
      offset: query.offset ?? 0,
    };
    if (query.flowId !== undefined) body.flows = { id: { any_: [query.flowId] } };
    return this.request<FlowRun[]>('POST', '/flow_runs/filter', body, options);
  }

  /**
   * `POST /flow_runs/{id}/set_state` with a fresh `transition_id`. Honours `WAIT` (sleeps and
   * proposes again), returns `ACCEPT`/`REJECT` results, throws {@link PrefectAbortError} on `ABORT`.
   */
  setFlowRunState(id: string, state: StateProposal, options?: SetStateOptions): Promise<OrchestrationResult> {
    return this.#setState('flow run', `/flow_runs/${encodeURIComponent(id)}/set_state`, id, state, options);
  }

  /** `POST /task_runs/` (idempotent on flow run, task key and dynamic key). */
  createTaskRun(input: TaskRunCreateInput, options?: RequestOptions): Promise<TaskRun> {
    const body: Record<string, unknown> = {
      task_key: input.taskKey,
      dynamic_key: input.dynamicKey,
      flow_run_id: input.flowRunId ?? null,
    };
    if (input.name !== undefined) body.name = input.name;
    if (input.id !== undefined) body.id = input.id;
    if (input.tags !== undefined) body.tags = input.tags;
    if (input.labels !== undefined) body.labels = input.labels;
    if (input.state !== undefined) body.state = stateBody(input.state);
    return this.request<TaskRun>('POST', '/task_runs/', body, options);
  }

  /** `GET /task_runs/{id}`. */
  readTaskRun(id: string, options?: RequestOptions): Promise<TaskRun> {
    return this.request<TaskRun>('GET', `/task_runs/${encodeURIComponent(id)}`, undefined, options);
  }

  /** Every task run of a flow run (`POST /task_runs/filter`, paginated), oldest first. */
  async readTaskRuns(flowRunId: string, options?: RequestOptions): Promise<TaskRun[]> {
    const all: TaskRun[] = [];
    for (let offset = 0; ; offset += MAX_PAGE_SIZE) {
      const page = await this.request<TaskRun[]>(
        'POST',
        '/task_runs/filter',
        {
          task_runs: { flow_run_id: { any_: [flowRunId] } },
          sort: 'EXPECTED_START_TIME_ASC',
          limit: MAX_PAGE_SIZE,
          offset,
        },
        options,
      );
      all.push(...page);
      if (page.length < MAX_PAGE_SIZE) return all;
    }
  }

  /** `POST /task_runs/{id}/set_state`; same semantics as {@link setFlowRunState}. */
  setTaskRunState(id: string, state: StateProposal, options?: SetStateOptions): Promise<OrchestrationResult> {
    return this.#setState('task run', `/task_runs/${encodeURIComponent(id)}/set_state`, id, state, options);
  }

  /** `POST /logs/` with a JSON array; only `LogCreate` fields are sent. */
  async createLogs(logs: readonly LogCreate[], options?: RequestOptions): Promise<void> {
    const body = logs.map((l) => ({
      name: l.name,
      level: l.level,
      message: l.message,
      timestamp: l.timestamp,
      flow_run_id: l.flow_run_id,
      task_run_id: l.task_run_id,
    }));
    await this.request<void>('POST', '/logs/', body, options);
  }

  /**
   * Sends an already-serialized JSON array of `LogCreate` objects to `POST /logs/` (used by the
   * API sink, which serializes each record once to measure it).
   */
  async createLogsRaw(jsonArray: string, options?: RequestOptions): Promise<void> {
    await this.request<void>('POST', '/logs/', new RawJson(jsonArray), options);
  }

  /** One page of `POST /logs/filter`. */
  async readLogs(query: LogQuery = {}, options?: RequestOptions): Promise<Log[]> {
    const limit = query.limit ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new PrefectBridgeError(
        'INVALID_ARGUMENT',
        `readLogs limit must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`,
      );
    }
    return this.request<Log[]>(
      'POST',
      '/logs/filter',
      { logs: logFilter(query), sort: query.sort ?? 'TIMESTAMP_ASC', limit, offset: query.offset ?? 0 },
      options,
    );
  }

  /** Every log matching the query, following `offset` pagination (`query.limit` is the page size). */
  async readAllLogs(query: Omit<LogQuery, 'offset'> = {}, options?: RequestOptions): Promise<Log[]> {
    const limit = query.limit ?? MAX_PAGE_SIZE;
    const all: Log[] = [];
    for (let offset = 0; ; offset += limit) {
      const page = await this.readLogs({ ...query, limit, offset }, options);
      all.push(...page);
      if (page.length < limit) return all;
    }
  }

  async #setState(
    kind: 'flow run' | 'task run',
    path: string,
    id: string,
    state: StateProposal,
    options: SetStateOptions = {},
  ): Promise<OrchestrationResult> {
    const body = {
      state: { ...stateBody(state), state_details: { transition_id: randomUUID() } },
      force: options.force ?? false,
    };
    const deadline = Date.now() + (options.maxWaitMs ?? 60_000);
    for (;;) {
      const result = await this.request<OrchestrationResult>('POST', path, body, options);
      if (result.status === 'ABORT') {
        throw new PrefectAbortError(kind, id, state.type, result.details.reason ?? 'no reason given');
      }
      if (result.status !== 'WAIT') return result;
      const delayMs = Math.max(0, (result.details.delay_seconds ?? 1) * 1000);
      if (Date.now() + delayMs > deadline) {
        throw new PrefectBridgeError(
          'ORCHESTRATION_WAIT_TIMEOUT',
          `Prefect kept asking to wait before setting ${kind} ${id} to ${state.type}; gave up after ${options.maxWaitMs ?? 60_000} ms`,
        );
      }
      await sleep(delayMs, options.signal);
    }
  }
}

let environmentClient: PrefectClient | undefined;

/**
 * The client configured from `process.env` (`PREFECT_API_URL`, ...), shared by everything that
 * builds one from the environment (the default API sink, `prefectHooks()`, `flow()`), so that they
 * share one circuit breaker: an outage found by one of them makes the others fail fast too. A new
 * client is made when `PREFECT_API_URL` changed.
 *
 * @throws {PrefectConfigError} when `PREFECT_API_URL` is unset or invalid.
 */
export function environmentPrefectClient(): PrefectClient {
  const url = nonEmpty(process.env.PREFECT_API_URL)?.replace(/\/+$/, '');
  if (environmentClient === undefined || environmentClient.apiUrl !== url) {
    environmentClient = new PrefectClient();
  }
  return environmentClient;
}

/** A pre-serialized JSON body, sent as is. */
class RawJson {
  constructor(readonly text: string) {}
}

function stateBody(state: StateProposal): Record<string, unknown> {
  const out: Record<string, unknown> = { type: state.type };
  if (state.name !== undefined) out.name = state.name;
  if (state.message !== undefined) out.message = state.message;
  return out;
}

function logFilter(query: LogQuery): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (query.flowRunId !== undefined) {
    filter.flow_run_id = {
      any_: typeof query.flowRunId === 'string' ? [query.flowRunId] : [...query.flowRunId],
    };
  }
  if (query.taskRunId === null) filter.task_run_id = { is_null_: true };
  else if (query.taskRunId !== undefined) {
    filter.task_run_id = {
      any_: typeof query.taskRunId === 'string' ? [query.taskRunId] : [...query.taskRunId],
    };
  }
  if (query.levelGe !== undefined || query.levelLe !== undefined) {
    const level: Record<string, number> = {};
    if (query.levelGe !== undefined) level.ge_ = query.levelGe;
    if (query.levelLe !== undefined) level.le_ = query.levelLe;
    filter.level = level;
  }
  if (query.text !== undefined) filter.text = { query: query.text };
  return filter;
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

function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
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
