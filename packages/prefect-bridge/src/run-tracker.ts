/**
 * Reporting flow runs and task runs and their states: to a Prefect server (`ApiRunTracker`) or,
 * with no server, with locally generated ids (`LocalRunTracker`, the embedded default).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { reportApiProblem } from './api-problems.js';
import type { StateType } from './api-types.js';
import { environmentPrefectClient, PrefectClient } from './client.js';
import { PrefectConfigError } from './errors.js';
import type { FlowRunInfo, TaskRunInfo } from './run-context.js';

/**
 * How a run ended.
 *
 * @since 0.1.0
 */
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

/**
 * What is needed to start a flow run.
 *
 * @since 0.1.0
 */
export interface FlowRunStart {
  readonly flowName: string;
  /** Run name; generated when absent. */
  readonly runName?: string;
  readonly tags?: readonly string[];
  readonly parameters?: Record<string, unknown>;
}

/**
 * What is needed to start a task run.
 *
 * @since 0.1.0
 */
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

/**
 * What a tracker could not report to its server for one flow run.
 *
 * @since 0.1.0
 */
export interface RunReportGaps {
  /** The flow run exists only locally: the server never heard of it. */
  readonly flowRunNotCreated: boolean;
  /** Task runs that exist only locally. */
  readonly taskRunsNotCreated: number;
  /** State changes (RUNNING, COMPLETED, FAILED, ...) not sent, of the flow run and its task runs. */
  readonly statesNotSent: number;
}

/**
 * Creates runs and moves them through their states. Implementations never reject.
 *
 * @since 0.1.0
 */
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
  /**
   * What could not be reported for a flow run (live, or among the last ones finished); `undefined`
   * when everything was. Trackers that report nowhere need not implement it.
   */
  reportGaps?(flowRunId: string): RunReportGaps | undefined;
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

/**
 * A run as recorded by {@link LocalRunTracker}.
 *
 * @since 0.1.0
 */
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
 * Options of {@link LocalRunTracker}.
 *
 * @since 0.1.0
 */
export interface LocalRunTrackerOptions {
  /**
   * Finished flow runs kept in {@link LocalRunTracker.runs} (with their task runs), most recently
   * finished first to stay; older ones are released. Default 100; 0 keeps only live runs.
   */
  readonly maxFinishedRuns?: number;
}

/**
 * The embedded default: ids from `crypto.randomUUID()`, states recorded in memory
 * ({@link LocalRunTracker.runs}) and nothing sent anywhere.
 *
 * Memory stays bounded however many runs go through one tracker: a live flow run keeps its record
 * and its task runs' records; when it finishes, they join a history of the `maxFinishedRuns` most
 * recently finished flow runs, and the oldest run in that history is released with all its task
 * runs. (A standalone task run, with no flow run, counts as a run of its own.)
 *
 * @since 0.1.0
 */
export class LocalRunTracker implements RunTracker {
  /** Always `local`. */
  readonly mode = 'local' as const;
  /** Live runs and the most recently finished ones (see {@link LocalRunTrackerOptions.maxFinishedRuns}), by id. */
  readonly runs = new Map<string, LocalRunRecord>();
  /** See {@link LocalRunTrackerOptions.maxFinishedRuns}. */
  readonly maxFinishedRuns: number;
  /** Task run ids of each flow run still in {@link LocalRunTracker.runs}. */
  readonly #tasksOf = new Map<string, string[]>();
  /** Finished flow runs (and standalone task runs), oldest first: insertion order of a Set. */
  readonly #finished = new Set<string>();

  /** @param options See {@link LocalRunTrackerOptions}. */
  constructor(options: LocalRunTrackerOptions = {}) {
    const max = options.maxFinishedRuns ?? 100;
    if (!Number.isInteger(max) || max < 0) {
      throw new PrefectConfigError(
        `LocalRunTracker maxFinishedRuns must be a non-negative integer, got ${max}`,
      );
    }
    this.maxFinishedRuns = max;
  }

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
    this.#tasksOf.set(id, []);
    return Object.freeze({ id, name, flowName: input.flowName });
  }

  /** Records the final state; the run (with its task runs) joins the bounded history of finished runs. */
  async finishFlowRun(flowRun: FlowRunInfo, outcome: RunOutcome): Promise<void> {
    if (this.#finish(flowRun.id, finalState(outcome, 'flow'))) this.#retire(flowRun.id);
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
    const siblings = flowRunId === null ? undefined : this.#tasksOf.get(flowRunId);
    siblings?.push(id);
    return Object.freeze({ id, name: input.name, taskName: input.taskName, flowRunId });
  }

  /** Records the final state (a task run of a live flow run stays until its flow run is released). */
  async finishTaskRun(taskRun: TaskRunInfo, outcome: RunOutcome): Promise<void> {
    if (!this.#finish(taskRun.id, finalState(outcome, 'task'))) return;
    const flowRunId = taskRun.flowRunId;
    // standalone, or its flow run is gone already: a run of its own in the history
    if (flowRunId === null || !this.#tasksOf.has(flowRunId)) this.#retire(taskRun.id);
  }

  #finish(id: string, state: { type: StateType; message?: string }): boolean {
    const run = this.runs.get(id);
    if (run === undefined) return false;
    run.states.push(state.type);
    run.message = state.message;
    return true;
  }

  /** Puts a finished run into the history (again: most recent), releasing the oldest beyond the bound. */
  #retire(id: string): void {
    this.#finished.delete(id);
    this.#finished.add(id);
    while (this.#finished.size > this.maxFinishedRuns) {
      const oldest = this.#finished.values().next().value as string;
      this.#finished.delete(oldest);
      this.runs.delete(oldest);
      for (const taskId of this.#tasksOf.get(oldest) ?? []) this.runs.delete(taskId);
      this.#tasksOf.delete(oldest);
    }
  }
}

/** Gaps of the flow runs an {@link ApiRunTracker} finished lately, kept for {@link ApiRunTracker.reportGaps}. */
const MAX_ENDED_GAPS = 256;

interface Gaps {
  flowRunNotCreated: boolean;
  taskRunsNotCreated: number;
  statesNotSent: number;
}

/**
 * Reports runs to a Prefect server through REST: `POST /flows/`, `POST /flow_runs/` (PENDING),
 * `set_state` RUNNING, `POST /task_runs/` + `set_state` RUNNING → COMPLETED/FAILED, and the flow
 * run's final state. When the server fails, the tracker reports it once (`--- Error logging to API
 * ---` on stderr), carries on with local ids for that flow run and never rejects, so the pipeline
 * finishes either way; what was not reported is counted per flow run ({@link ApiRunTracker.reportGaps}).
 * With the client's circuit breaker open (server known down), each call fails at once.
 *
 * @since 0.1.0
 */
export class ApiRunTracker implements RunTracker {
  /** Always `api`. */
  readonly mode = 'api' as const;
  /** The client used. */
  readonly client: PrefectClient;
  /** Flow runs that lost their server (reported locally from then on), with what was not sent. */
  readonly #offline = new Map<string, Gaps>();
  /** Gaps of recently finished flow runs (bounded). */
  readonly #ended = new Map<string, RunReportGaps>();
  readonly #report: (message: string) => void;

  /**
   * @param client The client to report with.
   * @param onError Receives the problem report; default prints it once per server (and outage) on stderr.
   */
  constructor(client: PrefectClient, onError?: (message: string) => void) {
    this.client = client;
    this.#report = onError ?? ((message) => reportApiProblem(client.apiUrl, message));
  }

  /** Whether the flow run lost its server and is now tracked locally only. */
  isOffline(flowRunId: string): boolean {
    return this.#offline.has(flowRunId);
  }

  /** What could not be reported for a flow run (live, or among the last 256 finished); `undefined` when everything was. */
  reportGaps(flowRunId: string): RunReportGaps | undefined {
    const live = this.#offline.get(flowRunId);
    return live === undefined ? this.#ended.get(flowRunId) : { ...live };
  }

  /** Creates the flow (if new) and the flow run, and sets it RUNNING. */
  async startFlowRun(input: FlowRunStart): Promise<FlowRunInfo> {
    let info: FlowRunInfo;
    try {
      const flow = await this.client.createFlow(input.flowName);
      const run = await this.client.createFlowRun({
        flowId: flow.id,
        ...(input.runName === undefined ? {} : { name: input.runName }),
        ...(input.tags === undefined ? {} : { tags: input.tags }),
        ...(input.parameters === undefined ? {} : { parameters: input.parameters }),
        state: { type: 'PENDING' },
      });
      info = Object.freeze({ id: run.id, name: run.name, flowName: flow.name });
    } catch (error) {
      const id = randomUUID();
      this.#goOffline(
        id,
        `could not create a flow run for flow '${input.flowName}'`,
        error,
      ).flowRunNotCreated = true;
      this.#gaps(id).statesNotSent++; // RUNNING
      return Object.freeze({
        id,
        name: input.runName ?? `${input.flowName}-${id.slice(0, 8)}`,
        flowName: input.flowName,
      });
    }
    try {
      await this.client.setFlowRunState(info.id, { type: 'RUNNING' });
    } catch (error) {
      this.#goOffline(info.id, `could not set flow run ${info.id} RUNNING`, error).statesNotSent++;
    }
    return info;
  }

  /** Sets the flow run's final state. */
  async finishFlowRun(flowRun: FlowRunInfo, outcome: RunOutcome): Promise<void> {
    const state = finalState(outcome, 'flow');
    if (!this.#offline.has(flowRun.id)) {
      try {
        await this.client.setFlowRunState(flowRun.id, state);
        return;
      } catch (error) {
        this.#goOffline(flowRun.id, `could not set flow run ${flowRun.id} ${state.type}`, error);
      }
    }
    const gaps = this.#gaps(flowRun.id);
    gaps.statesNotSent++;
    this.#offline.delete(flowRun.id);
    this.#ended.set(flowRun.id, { ...gaps });
    if (this.#ended.size > MAX_ENDED_GAPS) this.#ended.delete(this.#ended.keys().next().value as string);
  }

  /** Creates the task run (with a client-chosen id) and sets it RUNNING. */
  async startTaskRun(input: TaskRunStart): Promise<TaskRunInfo> {
    const flowRunId = input.flowRun?.id ?? null;
    const local = (): TaskRunInfo => {
      if (flowRunId !== null) {
        const gaps = this.#gaps(flowRunId);
        gaps.taskRunsNotCreated++;
        gaps.statesNotSent++; // RUNNING
      }
      return Object.freeze({ id: randomUUID(), name: input.name, taskName: input.taskName, flowRunId });
    };
    if (flowRunId !== null && this.#offline.has(flowRunId)) return local();
    let info: TaskRunInfo;
    try {
      const run = await this.client.createTaskRun({
        id: randomUUID(),
        flowRunId,
        taskKey: input.taskKey,
        dynamicKey: input.dynamicKey,
        name: input.name,
        ...(input.tags === undefined ? {} : { tags: input.tags }),
      });
      info = Object.freeze({ id: run.id, name: run.name, taskName: input.taskName, flowRunId });
    } catch (error) {
      this.#goOffline(flowRunId, `could not start task run '${input.name}'`, error);
      return local();
    }
    try {
      await this.client.setTaskRunState(info.id, { type: 'RUNNING' });
    } catch (error) {
      // the task run exists on the server: keep its id, only the state is missing
      const gaps = this.#goOffline(flowRunId, `could not set task run '${input.name}' RUNNING`, error);
      gaps.statesNotSent++;
    }
    return info;
  }

  /** Sets the task run's final state (with Prefect's failure message). */
  async finishTaskRun(
    taskRun: TaskRunInfo,
    outcome: RunOutcome,
    options: { force?: boolean } = {},
  ): Promise<void> {
    const state = finalState(outcome, 'task');
    if (taskRun.flowRunId === null || !this.#offline.has(taskRun.flowRunId)) {
      try {
        await this.client.setTaskRunState(taskRun.id, state, { force: options.force ?? false });
        return;
      } catch (error) {
        this.#goOffline(taskRun.flowRunId, `could not set task run '${taskRun.name}' ${state.type}`, error);
      }
    }
    if (taskRun.flowRunId !== null) this.#gaps(taskRun.flowRunId).statesNotSent++;
  }

  #gaps(flowRunId: string): Gaps {
    let gaps = this.#offline.get(flowRunId);
    if (gaps === undefined) {
      gaps = { flowRunNotCreated: false, taskRunsNotCreated: 0, statesNotSent: 0 };
      this.#offline.set(flowRunId, gaps);
    }
    return gaps;
  }

  /** Marks the flow run as reported locally from now on, and reports the problem (once per server and outage). */
  #goOffline(flowRunId: string | null, what: string, error: unknown): Gaps {
    const gaps =
      flowRunId === null
        ? { flowRunNotCreated: false, taskRunsNotCreated: 0, statesNotSent: 0 }
        : this.#gaps(flowRunId);
    this.#report(
      `Prefect run tracking: ${what}: ${(error as Error)?.message ?? String(error)}. The run continues; it is no longer reported to ${this.client.apiUrl}, and what is not sent (logs, task runs, states) is counted and logged at the end of the run.`,
    );
    return gaps;
  }
}

/**
 * The tracker for a `client` option: a client → {@link ApiRunTracker}; `null` → local;
 * `undefined` → an API tracker with a client from the environment when `PREFECT_API_URL` is set,
 * else local.
 */
export function resolveTracker(client: PrefectClient | null | undefined): RunTracker {
  if (client instanceof PrefectClient) return new ApiRunTracker(client);
  if (client === undefined && PrefectClient.isConfigured()) {
    return new ApiRunTracker(environmentPrefectClient());
  }
  return new LocalRunTracker();
}
