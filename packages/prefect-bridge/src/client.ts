/**
 * A typed client for the Prefect 3 REST API on Node's global `fetch`: the public face over the
 * transport (`client-transport.ts`: retries, circuit breaker), the settings
 * (`client-settings.ts`: options and environment) and one module per resource (`client-flows.ts`,
 * `client-flow-runs.ts`, `client-task-runs.ts`, `client-states.ts`, `client-logs.ts`).
 *
 * @module
 */
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
  createFlowRun,
  type FlowRunCreateInput,
  type FlowRunQuery,
  readFlowRun,
  readFlowRuns,
} from './client-flow-runs.js';
import { createFlow, type FlowCreateInput, readFlow, readFlowByName } from './client-flows.js';
import { createLogs, createLogsRaw, readAllLogs, readLogs } from './client-logs.js';
import { environmentApiUrl, type PrefectClientOptions, resolveClientSettings } from './client-settings.js';
import { type SetStateOptions, setRunState } from './client-states.js';
import { createTaskRun, readTaskRun, readTaskRuns, type TaskRunCreateInput } from './client-task-runs.js';
import { ClientTransport, type RequestOptions } from './client-transport.js';
import type { PrefectAbortError, PrefectUnavailableError } from './errors.js';
import type { ServerAvailability } from './server-circuit.js';

export type { FlowRunCreateInput, FlowRunQuery } from './client-flow-runs.js';
export type { FlowCreateInput } from './client-flows.js';
export { MAX_PAGE_SIZE } from './client-pages.js';
export { DEFAULT_API_VERSION, type PrefectClientOptions, RETRYABLE_STATUS_CODES } from './client-settings.js';
export type { SetStateOptions } from './client-states.js';
export type { TaskRunCreateInput } from './client-task-runs.js';
export type { RequestOptions } from './client-transport.js';

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
 *
 * @since 0.1.0
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
  readonly #transport: ClientTransport;

  /**
   * @param options Connection settings; each defaults from the environment.
   * @throws {PrefectConfigError} when no API URL is given or set in `PREFECT_API_URL`, or a value is invalid.
   */
  constructor(options: PrefectClientOptions = {}) {
    const settings = resolveClientSettings(options);
    this.apiUrl = settings.apiUrl;
    this.apiVersion = settings.apiVersion;
    this.timeoutMs = settings.timeoutMs;
    this.maxRetries = settings.maxRetries;
    this.#transport = new ClientTransport(settings);
  }

  /**
   * Whether the server is answering, as this client's circuit breaker sees it: while
   * `available` is false, requests fail at once with {@link PrefectUnavailableError}.
   */
  get availability(): ServerAvailability {
    return this.#transport.availability;
  }

  /** True when `PREFECT_API_URL` is set (so an environment-configured client can be built). */
  static isConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
    return environmentApiUrl(env) !== undefined;
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
  request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.#transport.request<T>(method, path, body, options);
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
  createFlow(name: string, input: FlowCreateInput = {}, options?: RequestOptions): Promise<Flow> {
    return createFlow(this.#transport, name, input, options);
  }

  /** `GET /flows/{id}`. */
  readFlow(id: string, options?: RequestOptions): Promise<Flow> {
    return readFlow(this.#transport, id, options);
  }

  /** `GET /flows/name/{name}`; `undefined` when no flow has that name. */
  readFlowByName(name: string, options?: RequestOptions): Promise<Flow | undefined> {
    return readFlowByName(this.#transport, name, options);
  }

  /** `POST /flow_runs/`. */
  createFlowRun(input: FlowRunCreateInput, options?: RequestOptions): Promise<FlowRun> {
    return createFlowRun(this.#transport, input, options);
  }

  /** `GET /flow_runs/{id}`. */
  readFlowRun(id: string, options?: RequestOptions): Promise<FlowRun> {
    return readFlowRun(this.#transport, id, options);
  }

  /** One page of `POST /flow_runs/filter`, newest first by default; optionally only runs of one flow. */
  readFlowRuns(query: FlowRunQuery = {}, options?: RequestOptions): Promise<FlowRun[]> {
    return readFlowRuns(this.#transport, query, options);
  }

  /**
   * `POST /flow_runs/{id}/set_state` with a fresh `transition_id`. Honours `WAIT` (sleeps and
   * proposes again), returns `ACCEPT`/`REJECT` results, throws {@link PrefectAbortError} on `ABORT`.
   */
  setFlowRunState(id: string, state: StateProposal, options?: SetStateOptions): Promise<OrchestrationResult> {
    return setRunState(this.#transport, 'flow run', id, state, options);
  }

  /** `POST /task_runs/` (idempotent on flow run, task key and dynamic key). */
  createTaskRun(input: TaskRunCreateInput, options?: RequestOptions): Promise<TaskRun> {
    return createTaskRun(this.#transport, input, options);
  }

  /** `GET /task_runs/{id}`. */
  readTaskRun(id: string, options?: RequestOptions): Promise<TaskRun> {
    return readTaskRun(this.#transport, id, options);
  }

  /** Every task run of a flow run (`POST /task_runs/filter`, paginated), oldest first. */
  readTaskRuns(flowRunId: string, options?: RequestOptions): Promise<TaskRun[]> {
    return readTaskRuns(this.#transport, flowRunId, options);
  }

  /** `POST /task_runs/{id}/set_state`; same semantics as {@link setFlowRunState}. */
  setTaskRunState(id: string, state: StateProposal, options?: SetStateOptions): Promise<OrchestrationResult> {
    return setRunState(this.#transport, 'task run', id, state, options);
  }

  /** `POST /logs/` with a JSON array; only `LogCreate` fields are sent. */
  createLogs(logs: readonly LogCreate[], options?: RequestOptions): Promise<void> {
    return createLogs(this.#transport, logs, options);
  }

  /**
   * Sends an already-serialized JSON array of `LogCreate` objects to `POST /logs/` (used by the
   * API sink, which serializes each record once to measure it).
   */
  createLogsRaw(jsonArray: string, options?: RequestOptions): Promise<void> {
    return createLogsRaw(this.#transport, jsonArray, options);
  }

  /** One page of `POST /logs/filter`. */
  readLogs(query: LogQuery = {}, options?: RequestOptions): Promise<Log[]> {
    return readLogs(this.#transport, query, options);
  }

  /** Every log matching the query, following `offset` pagination (`query.limit` is the page size). */
  readAllLogs(query: Omit<LogQuery, 'offset'> = {}, options?: RequestOptions): Promise<Log[]> {
    return readAllLogs(this.#transport, query, options);
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
 *
 * @since 0.1.0
 */
export function environmentPrefectClient(): PrefectClient {
  const url = environmentApiUrl();
  if (environmentClient === undefined || environmentClient.apiUrl !== url) {
    environmentClient = new PrefectClient();
  }
  return environmentClient;
}
