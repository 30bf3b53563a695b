/**
 * Shapes of the Prefect 3 REST API objects the client sends and receives. Response objects keep the
 * server's snake_case field names; only the fields the bridge relies on are typed, the rest are
 * still present at run time.
 *
 * @module
 */

/**
 * The state types of Prefect 3.
 *
 * @since 0.1.0
 */
export type StateType =
  | 'SCHEDULED'
  | 'PENDING'
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'CRASHED'
  | 'PAUSED'
  | 'CANCELLING';

/**
 * A state proposed to the server (`StateCreate`, minus server-owned fields).
 *
 * @since 0.1.0
 */
export interface StateProposal {
  readonly type: StateType;
  /** Defaults to the capitalized type ("Running"). */
  readonly name?: string;
  /** Free text shown in the UI, e.g. the error of a failed run. */
  readonly message?: string;
}

/**
 * A state as returned by the server.
 *
 * @since 0.1.0
 */
export interface State {
  id: string;
  type: StateType;
  name: string;
  timestamp: string;
  message: string | null;
  state_details: Record<string, unknown> & { transition_id?: string | null };
  [key: string]: unknown;
}

/**
 * A flow (`POST /flows/` is idempotent on `name`).
 *
 * @since 0.1.0
 */
export interface Flow {
  id: string;
  name: string;
  created: string;
  updated: string;
  tags: string[];
  labels: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * A flow run.
 *
 * @since 0.1.0
 */
export interface FlowRun {
  id: string;
  name: string;
  flow_id: string;
  state_type: StateType | null;
  state_name: string | null;
  state: State | null;
  parameters: Record<string, unknown>;
  tags: string[];
  start_time: string | null;
  end_time: string | null;
  total_run_time: number;
  run_count: number;
  [key: string]: unknown;
}

/**
 * A task run.
 *
 * @since 0.1.0
 */
export interface TaskRun {
  id: string;
  name: string;
  flow_run_id: string | null;
  task_key: string;
  dynamic_key: string;
  state_type: StateType | null;
  state_name: string | null;
  state: State | null;
  tags: string[];
  start_time: string | null;
  end_time: string | null;
  [key: string]: unknown;
}

/**
 * Outcome of `set_state`.
 *
 * @since 0.1.0
 */
export interface OrchestrationResult {
  status: 'ACCEPT' | 'REJECT' | 'ABORT' | 'WAIT';
  state: State | null;
  details: { type: string; reason?: string | null; delay_seconds?: number; [key: string]: unknown };
}

/**
 * The body of one log in `POST /logs/` (`LogCreate`). The server rejects any other key with 422,
 * so the bridge sends exactly these.
 *
 * @since 0.1.0
 */
export interface LogCreate {
  name: string;
  level: number;
  message: string;
  /** ISO-8601 UTC. */
  timestamp: string;
  flow_run_id: string | null;
  task_run_id: string | null;
}

/**
 * A stored log (`POST /logs/filter`).
 *
 * @since 0.1.0
 */
export interface Log extends LogCreate {
  id: string;
  created: string;
  updated: string;
}

/**
 * Sort orders of `POST /logs/filter`.
 *
 * @since 0.1.0
 */
export type LogSort = 'TIMESTAMP_ASC' | 'TIMESTAMP_DESC';

/**
 * Filter of {@link PrefectClient.readLogs}.
 *
 * @since 0.1.0
 */
export interface LogQuery {
  /** Only logs of these flow runs. */
  readonly flowRunId?: string | readonly string[];
  /** Only logs of these task runs; `null` selects logs with no task run (flow-level logs). */
  readonly taskRunId?: string | readonly string[] | null;
  /** Minimum level (inclusive). */
  readonly levelGe?: number;
  /** Maximum level (inclusive). */
  readonly levelLe?: number;
  /** Full-text query on message and name (≤ 200 characters). */
  readonly text?: string;
  /** Default `TIMESTAMP_ASC`. */
  readonly sort?: LogSort;
  /** Page size, 1–200 (the server's maximum); default 200. */
  readonly limit?: number;
  /** Page offset; default 0. */
  readonly offset?: number;
}
