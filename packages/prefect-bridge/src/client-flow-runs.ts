/**
 * Flow runs: `POST /flow_runs/`, `GET /flow_runs/{id}`, `POST /flow_runs/filter`.
 *
 * @module
 */
import type { FlowRun, StateProposal } from './api-types.js';
import { pageLimit } from './client-pages.js';
import { stateBody } from './client-states.js';
import type { ClientTransport, RequestOptions } from './client-transport.js';

/**
 * Body of `PrefectClient.createFlowRun`.
 *
 * @since 0.1.0
 */
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

/**
 * Query of `PrefectClient.readFlowRuns`.
 *
 * @since 0.1.0
 */
export interface FlowRunQuery {
  /** Only runs of this flow. */
  flowId?: string;
  /** Default `EXPECTED_START_TIME_DESC` (newest first). */
  sort?:
    | 'START_TIME_DESC'
    | 'START_TIME_ASC'
    | 'EXPECTED_START_TIME_DESC'
    | 'EXPECTED_START_TIME_ASC'
    | 'NAME_ASC';
  /** Page size, 1 to `MAX_PAGE_SIZE` (the default). */
  limit?: number;
  offset?: number;
}

/** `POST /flow_runs/`. */
export function createFlowRun(
  transport: ClientTransport,
  input: FlowRunCreateInput,
  options?: RequestOptions,
): Promise<FlowRun> {
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
  return transport.request<FlowRun>('POST', '/flow_runs/', body, options);
}

/** `GET /flow_runs/{id}`. */
export function readFlowRun(
  transport: ClientTransport,
  id: string,
  options?: RequestOptions,
): Promise<FlowRun> {
  return transport.request<FlowRun>('GET', `/flow_runs/${encodeURIComponent(id)}`, undefined, options);
}

/** One page of `POST /flow_runs/filter`, newest first by default; optionally only runs of one flow. */
export async function readFlowRuns(
  transport: ClientTransport,
  query: FlowRunQuery,
  options?: RequestOptions,
): Promise<FlowRun[]> {
  const limit = pageLimit('readFlowRuns', query.limit);
  const body: Record<string, unknown> = {
    sort: query.sort ?? 'EXPECTED_START_TIME_DESC',
    limit,
    offset: query.offset ?? 0,
  };
  if (query.flowId !== undefined) body.flows = { id: { any_: [query.flowId] } };
  return transport.request<FlowRun[]>('POST', '/flow_runs/filter', body, options);
}
