/**
 * Task runs: `POST /task_runs/`, `GET /task_runs/{id}`, `POST /task_runs/filter`.
 *
 * @module
 */
import type { StateProposal, TaskRun } from './api-types.js';
import { MAX_PAGE_SIZE, readAllPages } from './client-pages.js';
import { stateBody } from './client-states.js';
import type { ClientTransport, RequestOptions } from './client-transport.js';

/**
 * Body of `PrefectClient.createTaskRun`.
 *
 * @since 0.1.0
 */
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

/** `POST /task_runs/` (idempotent on flow run, task key and dynamic key). */
export function createTaskRun(
  transport: ClientTransport,
  input: TaskRunCreateInput,
  options?: RequestOptions,
): Promise<TaskRun> {
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
  return transport.request<TaskRun>('POST', '/task_runs/', body, options);
}

/** `GET /task_runs/{id}`. */
export function readTaskRun(
  transport: ClientTransport,
  id: string,
  options?: RequestOptions,
): Promise<TaskRun> {
  return transport.request<TaskRun>('GET', `/task_runs/${encodeURIComponent(id)}`, undefined, options);
}

/** Every task run of a flow run (`POST /task_runs/filter`, paginated), oldest first. */
export function readTaskRuns(
  transport: ClientTransport,
  flowRunId: string,
  options?: RequestOptions,
): Promise<TaskRun[]> {
  return readAllPages(MAX_PAGE_SIZE, (offset) =>
    transport.request<TaskRun[]>(
      'POST',
      '/task_runs/filter',
      {
        task_runs: { flow_run_id: { any_: [flowRunId] } },
        sort: 'EXPECTED_START_TIME_ASC',
        limit: MAX_PAGE_SIZE,
        offset,
      },
      options,
    ),
  );
}
