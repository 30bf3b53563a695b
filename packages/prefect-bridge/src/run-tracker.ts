/**
 * Reporting flow runs and task runs and their states: to a Prefect server (`ApiRunTracker`) or,
 * with no server, with locally generated ids (`LocalRunTracker`, the embedded default).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { reportApiProblem } from './api-problems.js';
import type { StateType } from './api-types.js';
import { PrefectClient } from './client.js';
import type { FlowRunInfo, TaskRunInfo } from './run-context.js';

/** How a run ended. */
export type RunOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly error: unknown;
      /** An unexpected failure of the machinery rather than of the user's code: CRASHED instead of FAILED. */
      readonly crashed?: boolean;
      /** The run was cancelled (or timed out): CANCELLED instead of FAILED. */
      readonly cancelled?: boolean;
    };

/** What is needed to start a flow run. */
export interface FlowRunStart {
  readonly flowName: string;
  /** Run name; generated when absent. */
  readonly runName?: string;
  readonly tags?: readonly string[];
  readonly parameters?: Record<string, unknown>;
}

/** What is needed to start a task run. */
export interface TaskRunStart {
  /** The flow run it belongs to; `null` for a standalone task run. */
  readonly flowRun: FlowRunInfo | null;
  readonly taskName: string;
  /** Task run name. */
  readonly name: string;
  /** Prefect's `task_key` (stable per task). */
  readonly taskKey: string;
  /** Prefect's `dynamic_key` (distinguishes repeated runs of one task in a flow run). */
  readonly dynamicKey: string;
  readonly tags?: readonly string[];
}

/** Creates runs and moves them through their states. Implementations never reject. */
export interface RunTracker {
  /** `api` when reporting to a server, `local` otherwise. */
  readonly mode: 'api' | 'local';
  /** Creates a flow run and moves it PENDING → RUNNING. */
  startFlowRun(input: FlowRunStart): Promise<FlowRunInfo>;
  /** Moves a flow run to COMPLETED, FAILED (with the error) or CRASHED. */
  finishFlowRun(flowRun: FlowRunInfo, outcome: RunOutcome): Promise<void>;
  /** Creates a task run and moves it to RUNNING. */
  startTaskRun(input: TaskRunStart): Promise<TaskRunInfo>;
  /** Moves a task run to COMPLETED or FAILED (with the error); `force` overrides a terminal state. */
  finishTaskRun(taskRun: TaskRunInfo, outcome: RunOutcome, options?: { force?: boolean }): Promise<void>;
}

/** Prefect's state message for a failed task run. */
export function taskFailureMessage(error: unknown): string {
  return `Task run encountered an exception ${describe(error)}`;
}

/** Prefect's state message for a failed flow run. */
export function flowFailureMessage(error: unknown): string {
  return `Flow run encountered an exception. ${describe(error)}`;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `${typeof error}: ${String(error)}`;
}

function finalState(outcome: RunOutcome, kind: 'flow' | 'task'): { type: StateType; message?: string } {
  if (outcome.ok) return { type: 'COMPLETED' };
  const message = kind === 'flow' ? flowFailureMessage(outcome.error) : taskFailureMessage(outcome.error);
  if (outcome.cancelled) return { type: 'CANCELLED', message };
  return { type: outcome.crashed ? 'CRASHED' : 'FAILED', message };
}

/** A run as recorded by {@link LocalRunTracker}. */
export interface LocalRunRecord {
  readonly kind: 'flow' | 'task';
  readonly id: string;
  readonly name: string;
  /** Flow run of a task run. */
  readonly flowRunId: string | null;
  /** States in order, e.g. `['PENDING', 'RUNNING', 'COMPLETED']`. */
  readonly states: StateType[];
  /** Message of the last state (the error of a failed run). */
  message: string | undefined;
}

/**
 * The embedded default: ids from `crypto.randomUUID()`, states recorded in memory
 * ({@link LocalRunTracker.runs}) and nothing sent anywhere.
 */
export class LocalRunTracker implements RunTracker {
  /** Always `local`. */
  readonly mode = 'local' as const;
  /** Every run started through this tracker, by id. */
  readonly runs = new Map<string, LocalRunRecord>();

  /** Creates a flow run with a local id. */
  async startFlowRun(input: FlowRunStart): Promise<FlowRunInfo> {
    const id = randomUUID();
    const name = input.runName ?? `${input.flowName}-${id.slice(0, 8)}`;
    this.runs.set(id, {
      kind: 'flow',
      id,
      name,
      flowRunId: null,
      states: ['PENDING', 'RUNNING'],
      message: undefined,
    });
    return Object.freeze({ id, name, flowName: input.flowName });
  }

  /** Records the final state. */
  async finishFlowRun(flowRun: FlowRunInfo, outcome: RunOutcome): Promise<void> {
    this.#finish(flowRun.id, finalState(outcome, 'flow'));
  }

  /** Creates a task run with a local id. */
  async startTaskRun(input: TaskRunStart): Promise<TaskRunInfo> {
    const id = randomUUID();
    const flowRunId = input.flowRun?.id ?? null;
    this.runs.set(id, {
      kind: 'task',
      id,
      name: input.name,
      flowRunId,
      states: ['PENDING', 'RUNNING'],
      message: undefined,
    });
    return Object.freeze({ id, name: input.name, taskName: input.taskName, flowRunId });
  }

  /** Records the final state. */
  async finishTaskRun(taskRun: TaskRunInfo, outcome: RunOutcome): Promise<void> {
    this.#finish(taskRun.id, finalState(outcome, 'task'));
  }

  #finish(id: string, state: { type: StateType; message?: string }): void {
    const run = this.runs.get(id);
    if (run === undefined) return;
    run.states.push(state.type);
    run.message = state.message;
  }
}

/**
 * Reports runs to a Prefect server through REST: `POST /flows/`, `POST /flow_runs/` (PENDING),
 * `set_state` RUNNING, `POST /task_runs/` + `set_state` RUNNING → COMPLETED/FAILED, and the flow
 * run's final state. When the server fails, the tracker reports it once (`--- Error logging to API
 * ---` on stderr), carries on with local ids for that flow run and never rejects, so the pipeline
 * finishes either way.
 */
export class ApiRunTracker implements RunTracker {
  /** Always `api`. */
  readonly mode = 'api' as const;
  /** The client used. */
  readonly client: PrefectClient;
  readonly #offline = new Set<string>();
  readonly #report: (message: string) => void;

  /**
   * @param client The client to report with.
   * @param onError Receives the problem report; default prints it once per server on stderr.
   */
  constructor(client: PrefectClient, onError?: (message: string) => void) {
    this.client = client;
    this.#report = onError ?? ((message) => reportApiProblem(client.apiUrl, message));
  }

  /** Whether the flow run lost its server and is now tracked locally only. */
  isOffline(flowRunId: string): boolean {
    return this.#offline.has(flowRunId);
  }

  /** Creates the flow (if new) and the flow run, and sets it RUNNING. */
  async startFlowRun(input: FlowRunStart): Promise<FlowRunInfo> {
    try {
      const flow = await this.client.createFlow(input.flowName);
      const run = await this.client.createFlowRun({
        flowId: flow.id,
        ...(input.runName === undefined ? {} : { name: input.runName }),
        ...(input.tags === undefined ? {} : { tags: input.tags }),
        ...(input.parameters === undefined ? {} : { parameters: input.parameters }),
        state: { type: 'PENDING' },
      });
      const info = Object.freeze({ id: run.id, name: run.name, flowName: flow.name });
      try {
        await this.client.setFlowRunState(run.id, { type: 'RUNNING' });
      } catch (error) {
        this.#goOffline(info.id, `could not set flow run ${info.id} RUNNING`, error);
      }
      return info;
    } catch (error) {
      const id = randomUUID();
      this.#goOffline(id, `could not create a flow run for flow '${input.flowName}'`, error);
      return Object.freeze({
        id,
        name: input.runName ?? `${input.flowName}-${id.slice(0, 8)}`,
        flowName: input.flowName,
      });
    }
  }

  /** Sets the flow run's final state. */
  async finishFlowRun(flowRun: FlowRunInfo, outcome: RunOutcome): Promise<void> {
    if (this.#offline.has(flowRun.id)) {
      this.#offline.delete(flowRun.id);
      return;
    }
    const state = finalState(outcome, 'flow');
    try {
      await this.client.setFlowRunState(flowRun.id, state);
    } catch (error) {
      this.#goOffline(flowRun.id, `could not set flow run ${flowRun.id} ${state.type}`, error);
      this.#offline.delete(flowRun.id);
    }
  }

  /** Creates the task run (with a client-chosen id) and sets it RUNNING. */
  async startTaskRun(input: TaskRunStart): Promise<TaskRunInfo> {
    const flowRunId = input.flowRun?.id ?? null;
    const local = (): TaskRunInfo =>
      Object.freeze({ id: randomUUID(), name: input.name, taskName: input.taskName, flowRunId });
    if (flowRunId !== null && this.#offline.has(flowRunId)) return local();
    try {
      const run = await this.client.createTaskRun({
        id: randomUUID(),
        flowRunId,
        taskKey: input.taskKey,
        dynamicKey: input.dynamicKey,
        name: input.name,
        ...(input.tags === undefined ? {} : { tags: input.tags }),
      });
      const info = Object.freeze({ id: run.id, name: run.name, taskName: input.taskName, flowRunId });
      await this.client.setTaskRunState(run.id, { type: 'RUNNING' });
      return info;
    } catch (error) {
      this.#goOffline(flowRunId ?? '', `could not start task run '${input.name}'`, error);
      return local();
    }
  }

  /** Sets the task run's final state (with Prefect's failure message). */
  async finishTaskRun(
    taskRun: TaskRunInfo,
    outcome: RunOutcome,
    options: { force?: boolean } = {},
  ): Promise<void> {
    if (taskRun.flowRunId !== null && this.#offline.has(taskRun.flowRunId)) return;
    const state = finalState(outcome, 'task');
    try {
      await this.client.setTaskRunState(taskRun.id, state, { force: options.force ?? false });
    } catch (error) {
      this.#goOffline(
        taskRun.flowRunId ?? '',
        `could not set task run '${taskRun.name}' ${state.type}`,
        error,
      );
    }
  }

  #goOffline(flowRunId: string, what: string, error: unknown): void {
    if (flowRunId !== '') this.#offline.add(flowRunId);
    this.#report(
      `Prefect run tracking: ${what}: ${(error as Error)?.message ?? String(error)}. The run continues; it is no longer reported to ${this.client.apiUrl}.`,
    );
  }
}

let envClient: PrefectClient | undefined;

/**
 * The tracker for a `client` option: a client → {@link ApiRunTracker}; `null` → local;
 * `undefined` → an API tracker with a client from the environment when `PREFECT_API_URL` is set,
 * else local.
 */
export function resolveTracker(client: PrefectClient | null | undefined): RunTracker {
  if (client instanceof PrefectClient) return new ApiRunTracker(client);
  if (client === undefined && PrefectClient.isConfigured()) {
    envClient ??= new PrefectClient();
    return new ApiRunTracker(envClient);
  }
  return new LocalRunTracker();
}
