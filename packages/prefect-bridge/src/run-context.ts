/**
 * The run context: which flow run and task run the current code belongs to, kept in propagatable
 * ContextVars so it follows async work and crosses into worker threads with the executor.
 *
 * @module
 */
import { type Codec, ContextVar, type Json } from '@weft/contextvars';
import { InvalidRunContextError, MissingContextError } from './errors.js';

/**
 * Identity of a flow run (Prefect's `FlowRunContext.flow_run` plus the flow name).
 *
 * @since 0.1.0
 */
export interface FlowRunInfo {
  /** Flow run id (a UUID). */
  readonly id: string;
  /** Flow run name, e.g. `brave-otter` or the pipeline run id. */
  readonly name: string;
  /** Name of the flow (the pipeline). */
  readonly flowName: string;
}

/**
 * Identity of a task run (Prefect's `TaskRunContext.task_run` plus the task name).
 *
 * @since 0.1.0
 */
export interface TaskRunInfo {
  /** Task run id (a UUID). */
  readonly id: string;
  /** Task run name (the node name for runner hooks). */
  readonly name: string;
  /** Name of the task. */
  readonly taskName: string;
  /** The flow run this task run belongs to, or `null` for a standalone task run. */
  readonly flowRunId: string | null;
}

function field(json: Record<string, Json>, key: string, varName: string, nullable = false): string | null {
  const value = json[key];
  if (typeof value === 'string') return value;
  if (nullable && value === null) return null;
  throw new InvalidRunContextError(
    `Context variable '${varName}' arrived with an invalid '${key}' (${JSON.stringify(value) ?? 'missing'}); expected a string${nullable ? ' or null' : ''}`,
  );
}

function asObject(json: Json, varName: string): Record<string, Json> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidRunContextError(
      `Context variable '${varName}' arrived as ${JSON.stringify(json)}; expected an object`,
    );
  }
  return json;
}

/** Name of the flow-run context variable (the key in a `SerializedContext`). */
export const FLOW_RUN_VAR_NAME = 'weft.prefect.flow_run';
/** Name of the task-run context variable. */
export const TASK_RUN_VAR_NAME = 'weft.prefect.task_run';
/** Name of the variable set by `disableRunLogger`. */
export const RUN_LOGGER_DISABLED_VAR_NAME = 'weft.prefect.run_logger_disabled';

/** Encodes a {@link FlowRunInfo} with Prefect's field names and validates it on the way back. */
export const flowRunCodec: Codec<FlowRunInfo> = {
  encode: (v) => ({ id: v.id, name: v.name, flow_name: v.flowName }),
  decode: (json) => {
    const o = asObject(json, FLOW_RUN_VAR_NAME);
    return Object.freeze({
      id: field(o, 'id', FLOW_RUN_VAR_NAME) as string,
      name: field(o, 'name', FLOW_RUN_VAR_NAME) as string,
      flowName: field(o, 'flow_name', FLOW_RUN_VAR_NAME) as string,
    });
  },
};

/** Encodes a {@link TaskRunInfo} with Prefect's field names and validates it on the way back. */
export const taskRunCodec: Codec<TaskRunInfo> = {
  encode: (v) => ({ id: v.id, name: v.name, task_name: v.taskName, flow_run_id: v.flowRunId }),
  decode: (json) => {
    const o = asObject(json, TASK_RUN_VAR_NAME);
    return Object.freeze({
      id: field(o, 'id', TASK_RUN_VAR_NAME) as string,
      name: field(o, 'name', TASK_RUN_VAR_NAME) as string,
      taskName: field(o, 'task_name', TASK_RUN_VAR_NAME) as string,
      flowRunId: field(o, 'flow_run_id', TASK_RUN_VAR_NAME, true),
    });
  },
};

/**
 * The current flow run (propagates into worker threads). Unbound outside a flow run.
 *
 * @since 0.1.0
 */
export const flowRunVar = new ContextVar<FlowRunInfo>(FLOW_RUN_VAR_NAME, {
  propagate: true,
  codec: flowRunCodec,
});

/**
 * The current task run (propagates into worker threads). Unbound outside a task run.
 *
 * @since 0.1.0
 */
export const taskRunVar = new ContextVar<TaskRunInfo>(TASK_RUN_VAR_NAME, {
  propagate: true,
  codec: taskRunCodec,
});

/** True inside `disableRunLogger(fn)` (propagates, so it holds in worker threads too). */
export const runLoggerDisabledVar = new ContextVar<boolean>(RUN_LOGGER_DISABLED_VAR_NAME, {
  default: false,
  propagate: true,
});

/**
 * The run the current code belongs to, as returned by {@link getRunContext}.
 *
 * @since 0.1.0
 */
export type RunContext =
  | {
      /** Inside a task run. */
      readonly kind: 'task';
      readonly taskRun: TaskRunInfo;
      /** The enclosing flow run, when there is one and it is the task run's own. */
      readonly flowRun: FlowRunInfo | undefined;
    }
  | {
      /** Inside a flow run (and not inside one of its task runs). */
      readonly kind: 'flow';
      readonly flowRun: FlowRunInfo;
      readonly taskRun: undefined;
    };

/**
 * The current run context, with Prefect's `get_run_context()` rules: the task run when there is
 * one and it belongs to the current flow run (or there is no flow run); the flow run when a flow
 * runs inside a task (their ids differ) or there is no task run.
 *
 * @throws {MissingContextError} outside any flow or task run.
 *
 * @since 0.1.0
 */
export function getRunContext(): RunContext {
  const flowRun = flowRunVar.get(undefined);
  const taskRun = taskRunVar.get(undefined);
  if (taskRun !== undefined && (flowRun === undefined || flowRun.id === taskRun.flowRunId)) {
    return { kind: 'task', taskRun, flowRun };
  }
  if (flowRun !== undefined) return { kind: 'flow', flowRun, taskRun: undefined };
  throw new MissingContextError();
}

/**
 * Like {@link getRunContext} but returns `undefined` outside a run instead of throwing.
 *
 * @since 0.1.0
 */
export function tryGetRunContext(): RunContext | undefined {
  const flowRun = flowRunVar.get(undefined);
  const taskRun = taskRunVar.get(undefined);
  if (taskRun !== undefined && (flowRun === undefined || flowRun.id === taskRun.flowRunId)) {
    return { kind: 'task', taskRun, flowRun };
  }
  if (flowRun !== undefined) return { kind: 'flow', flowRun, taskRun: undefined };
  return undefined;
}

/**
 * Runs `fn` inside `flowRun` (in a copy of the current context: nothing leaks to the caller).
 * A task run bound by an outer scope stays visible, as a task that starts a subflow.
 *
 * @since 0.1.0
 */
export function runInFlowRun<R>(flowRun: FlowRunInfo, fn: () => R): R {
  return flowRunVar.run(Object.freeze({ ...flowRun }), fn);
}

/**
 * Runs `fn` inside `taskRun` (in a copy of the current context).
 *
 * @since 0.1.0
 */
export function runInTaskRun<R>(taskRun: TaskRunInfo, fn: () => R): R {
  return taskRunVar.run(Object.freeze({ ...taskRun }), fn);
}
