/**
 * `getRunLogger()` and the explicit flow/task-run loggers, with Prefect's names, fields and levels.
 *
 * @module
 */
import { MissingContextError, PrefectBridgeError } from './errors.js';
import { LogLevel } from './levels.js';
import type { LogExtra, LogRecord } from './log-record.js';
import { dispatchRecord, ensureLogReceiver, minLevelFor } from './log-routing.js';
import {
  type FlowRunInfo,
  flowRunVar,
  runLoggerDisabledVar,
  type TaskRunInfo,
  taskRunVar,
} from './run-context.js';
import { nowMicros } from './timestamps.js';

/** Logger name of task-run loggers. */
export const TASK_RUN_LOGGER_NAME = 'prefect.task_runs';
/** Logger name of flow-run loggers. */
export const FLOW_RUN_LOGGER_NAME = 'prefect.flow_runs';

const UNKNOWN = '<unknown>';

/**
 * A logger bound to a flow run or task run (Prefect's `PrefectLogAdapter`). Every record carries
 * the bound ids and `extra` fields; per-call `extra` values win over bound ones.
 *
 * @since 0.1.0
 */
export class RunLogger {
  /** Logger name (`prefect.task_runs`, `prefect.flow_runs`, a child of those, or `null`). */
  readonly name: string;
  /** Bound fields (Prefect's adapter `extra`). */
  readonly extra: LogExtra;
  /** Flow run the records belong to. */
  readonly flowRunId: string | null;
  /** Task run the records belong to (`null` for a flow-run logger). */
  readonly taskRunId: string | null;
  /** A disabled logger (from `disableRunLogger`) drops every record. */
  readonly disabled: boolean;

  /**
   * @param name Logger name.
   * @param extra Bound fields; `flow_run_id` / `task_run_id` in it set the record ids.
   * @param disabled Whether the logger drops everything.
   */
  constructor(name: string, extra: LogExtra, disabled = false) {
    this.name = name;
    this.extra = Object.freeze({ ...extra });
    this.flowRunId = typeof extra.flow_run_id === 'string' ? extra.flow_run_id : null;
    this.taskRunId = typeof extra.task_run_id === 'string' ? extra.task_run_id : null;
    this.disabled = disabled;
  }

  /** Whether a record at `level` would reach at least one sink. */
  isEnabledFor(level: number): boolean {
    return !this.disabled && level >= minLevelFor(this.flowRunId);
  }

  /** Logs at DEBUG (10). */
  debug(message: unknown, extra?: LogExtra): void {
    this.log(LogLevel.DEBUG, message, extra);
  }

  /** Logs at INFO (20). */
  info(message: unknown, extra?: LogExtra): void {
    this.log(LogLevel.INFO, message, extra);
  }

  /** Logs at WARNING (30). */
  warning(message: unknown, extra?: LogExtra): void {
    this.log(LogLevel.WARNING, message, extra);
  }

  /** Alias of {@link RunLogger.warning}. */
  warn(message: unknown, extra?: LogExtra): void {
    this.log(LogLevel.WARNING, message, extra);
  }

  /** Logs at ERROR (40). */
  error(message: unknown, extra?: LogExtra): void {
    this.log(LogLevel.ERROR, message, extra);
  }

  /** Logs at CRITICAL (50). */
  critical(message: unknown, extra?: LogExtra): void {
    this.log(LogLevel.CRITICAL, message, extra);
  }

  /**
   * Logs `error` at ERROR with its stack (and causes) appended to the message, like Python's
   * `logger.exception`.
   */
  exception(error: unknown, message?: string, extra?: LogExtra): void {
    const head = message ?? (error instanceof Error ? error.message : String(error));
    this.log(LogLevel.ERROR, `${head}\n${formatError(error)}`, extra);
  }

  /** Logs at any numeric level. */
  log(level: number, message: unknown, extra?: LogExtra): void {
    if (this.disabled || level < minLevelFor(this.flowRunId)) return;
    let flowRunId = this.flowRunId;
    let taskRunId = this.taskRunId;
    let merged = this.extra;
    if (extra !== undefined) {
      merged = { ...this.extra, ...extra };
      if (typeof extra.flow_run_id === 'string') flowRunId = extra.flow_run_id;
      if (typeof extra.task_run_id === 'string') taskRunId = extra.task_run_id;
    }
    const record: LogRecord = {
      name: this.name,
      level,
      message: typeof message === 'string' ? message : String(message),
      timestamp: nowMicros(),
      flowRunId,
      taskRunId,
      extra: merged,
    };
    dispatchRecord(record);
  }

  /**
   * A logger with more bound fields (and optionally the name `<name>.<suffix>`), like Prefect's
   * `getChild(suffix, extra)`.
   */
  child(extra: LogExtra = {}, suffix?: string): RunLogger {
    const name = suffix === undefined || suffix === '' ? this.name : `${this.name}.${suffix}`;
    return new RunLogger(name, { ...this.extra, ...extra }, this.disabled);
  }
}

/** Formats an error with its stack and `cause` chain. */
export function formatError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    if (current instanceof Error) {
      parts.push(current.stack ?? `${current.name}: ${current.message}`);
      current = (current as { cause?: unknown }).cause;
    } else {
      parts.push(String(current));
      break;
    }
    if (current !== undefined && current !== null) parts.push('Caused by:');
  }
  return parts.join('\n');
}

const NULL_LOGGER = new RunLogger('null', {}, true);

// Loggers are immutable, so one per bound run object can be shared by every getRunLogger() call.
const taskLoggers = new WeakMap<TaskRunInfo, { flowRun: FlowRunInfo | undefined; logger: RunLogger }>();
const flowLoggers = new WeakMap<FlowRunInfo, RunLogger>();

/**
 * The logger of the current run, with Prefect's `get_run_logger()` behaviour:
 * inside a task run, `prefect.task_runs` bound to `task_run_id`, `flow_run_id`, `task_run_name`,
 * `task_name`, `flow_run_name`, `flow_name`; inside a flow run, `prefect.flow_runs` bound to
 * `flow_run_id`, `flow_run_name`, `flow_name`. `extra` is merged in.
 *
 * Inside `disableRunLogger(fn)` the logger drops everything (and outside a run a disabled logger
 * is returned instead of throwing).
 *
 * @throws {MissingContextError} "There is no active flow or task run context." outside a run.
 *
 * @since 0.1.0
 */
export function getRunLogger(extra?: LogExtra): RunLogger {
  const flowRun = flowRunVar.get(undefined);
  const taskRun = taskRunVar.get(undefined);
  const disabled = runLoggerDisabledVar.get();
  if (taskRun !== undefined && (flowRun === undefined || flowRun.id === taskRun.flowRunId)) {
    if (extra !== undefined) return buildTaskRunLogger(taskRun, flowRun, extra, disabled);
    // the common call, getRunLogger() with no extra, reuses one logger per bound run object
    const cached = taskLoggers.get(taskRun);
    if (cached !== undefined && cached.flowRun === flowRun && cached.logger.disabled === disabled) {
      return cached.logger;
    }
    const logger = buildTaskRunLogger(taskRun, flowRun, undefined, disabled);
    taskLoggers.set(taskRun, { flowRun, logger });
    return logger;
  }
  if (flowRun !== undefined) {
    if (extra !== undefined) return buildFlowRunLogger(flowRun, extra, disabled);
    const cached = flowLoggers.get(flowRun);
    if (cached !== undefined && cached.disabled === disabled) return cached;
    const logger = buildFlowRunLogger(flowRun, undefined, disabled);
    flowLoggers.set(flowRun, logger);
    return logger;
  }
  if (disabled) return NULL_LOGGER;
  throw new MissingContextError();
}

function buildTaskRunLogger(
  taskRun: TaskRunInfo,
  flowRun: FlowRunInfo | undefined,
  extra: LogExtra | undefined,
  disabled: boolean,
): RunLogger {
  return new RunLogger(
    TASK_RUN_LOGGER_NAME,
    {
      task_run_id: taskRun.id,
      flow_run_id: taskRun.flowRunId,
      task_run_name: taskRun.name,
      task_name: taskRun.taskName,
      flow_run_name: flowRun?.name ?? UNKNOWN,
      flow_name: flowRun?.flowName ?? UNKNOWN,
      ...extra,
    },
    disabled,
  );
}

function buildFlowRunLogger(flowRun: FlowRunInfo, extra: LogExtra | undefined, disabled: boolean): RunLogger {
  return new RunLogger(
    FLOW_RUN_LOGGER_NAME,
    { flow_run_name: flowRun.name, flow_run_id: flowRun.id, flow_name: flowRun.flowName, ...extra },
    disabled,
  );
}

/**
 * Runs `fn` with run loggers disabled: `getRunLogger()` returns a logger that drops everything,
 * and outside a run it returns one instead of throwing (Prefect's `disable_run_logger()`, for
 * unit-testing task functions). The setting follows `fn`'s async work and worker threads.
 *
 * @since 0.1.0
 */
export function disableRunLogger<R>(fn: () => R): R {
  return runLoggerDisabledVar.run(true, fn);
}

/**
 * A flow run given by id alone, or with its names.
 *
 * @since 0.1.0
 */
export type FlowRunRef = { readonly id: string; readonly name?: string; readonly flowName?: string };

/**
 * A flow-run logger without a run context (Prefect's `flow_run_logger`), e.g. for hooks that run
 * outside the run. Missing names are `<unknown>`.
 *
 * @since 0.1.0
 */
export function flowRunLogger(flowRun: FlowRunRef, extra?: LogExtra): RunLogger {
  if (typeof flowRun?.id !== 'string' || flowRun.id === '') {
    throw new PrefectBridgeError('INVALID_ARGUMENT', 'flowRunLogger needs a flow run with a string id');
  }
  ensureLogReceiver();
  return buildFlowRunLogger(
    { id: flowRun.id, name: flowRun.name ?? UNKNOWN, flowName: flowRun.flowName ?? UNKNOWN },
    extra,
    runLoggerDisabledVar.get(),
  );
}

/**
 * A task run given by id (and its flow run id), with optional names.
 *
 * @since 0.1.0
 */
export type TaskRunRef = {
  readonly id: string;
  readonly name?: string;
  readonly taskName?: string;
  readonly flowRunId?: string | null;
};

/**
 * A task-run logger without a run context (Prefect's `task_run_logger`). The flow run supplies
 * `flow_run_name`/`flow_name` and, when the task run has no `flowRunId`, the flow run id.
 *
 * @since 0.1.0
 */
export function taskRunLogger(taskRun: TaskRunRef, flowRun?: FlowRunRef, extra?: LogExtra): RunLogger {
  if (typeof taskRun?.id !== 'string' || taskRun.id === '') {
    throw new PrefectBridgeError('INVALID_ARGUMENT', 'taskRunLogger needs a task run with a string id');
  }
  ensureLogReceiver();
  return buildTaskRunLogger(
    {
      id: taskRun.id,
      name: taskRun.name ?? UNKNOWN,
      taskName: taskRun.taskName ?? UNKNOWN,
      flowRunId: taskRun.flowRunId ?? flowRun?.id ?? null,
    },
    flowRun === undefined
      ? undefined
      : { id: flowRun.id, name: flowRun.name ?? UNKNOWN, flowName: flowRun.flowName ?? UNKNOWN },
    extra,
    runLoggerDisabledVar.get(),
  );
}
