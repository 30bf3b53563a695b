/**
 * `@weft/prefect-bridge`: Prefect's run context and run logger in TypeScript. Node code calls
 * `getRunLogger()` and its logs land on the right Prefect task run, whichever runner (and thread)
 * ran it; pipeline runs are reported to a Prefect 3 server, or tracked locally without one.
 *
 * @packageDocumentation
 */
export { API_ERROR_HEADER, captureApiProblems, forgetApiProblem } from './api-problems.js';
export type {
  Flow,
  FlowRun,
  Log,
  LogCreate,
  LogQuery,
  LogSort,
  OrchestrationResult,
  State,
  StateProposal,
  StateType,
  TaskRun,
} from './api-types.js';
export {
  DEFAULT_API_VERSION,
  environmentPrefectClient,
  type FlowRunCreateInput,
  MAX_PAGE_SIZE,
  PrefectClient,
  type PrefectClientOptions,
  RETRYABLE_STATUS_CODES,
  type RequestOptions,
  type SetStateOptions,
  type TaskRunCreateInput,
} from './client.js';
export {
  ConsoleSink,
  type ConsoleSinkOptions,
  formatConsoleRecord,
  type TextStream,
} from './console-sink.js';
export {
  InvalidRunContextError,
  MissingContextError,
  PrefectAbortError,
  PrefectApiError,
  PrefectBridgeError,
  type PrefectBridgeErrorCode,
  PrefectConfigError,
  PrefectConnectionError,
  PrefectServerError,
  PrefectUnavailableError,
} from './errors.js';
export { type FlowOptions, flow, type TaskOptions, task } from './flow-task.js';
export {
  JsonLinesFileSink,
  type JsonLinesFileSinkOptions,
  type JsonLogLine,
  toJsonLogLine,
} from './json-lines-sink.js';
export { type LevelLike, type LevelName, LogLevel, levelName, parseLevel } from './levels.js';
export type { LogExtra, LogRecord, LogSink, SinkOptions } from './log-record.js';
export {
  bindRunSinks,
  dispatchRecord,
  ensureLogReceiver,
  flushLogs,
  getDefaultSinks,
  isForwardingThread,
  setDefaultSinks,
  sinksFor,
  WorkerForwardSink,
  waitForWorkerLogs,
} from './log-routing.js';
export { MemorySink } from './memory-sink.js';
export {
  PrefectApiSink,
  type PrefectApiSinkOptions,
  type PrefectApiSinkStats,
  type RunLogDelivery,
  TRUNCATION_SUFFIX,
  type WhenMissingFlow,
} from './prefect-api-sink.js';
export { PrefectHooks, type PrefectHooksOptions, prefectHooks } from './prefect-hooks.js';
export {
  FLOW_RUN_VAR_NAME,
  type FlowRunInfo,
  flowRunCodec,
  flowRunVar,
  getRunContext,
  RUN_LOGGER_DISABLED_VAR_NAME,
  type RunContext,
  runInFlowRun,
  runInTaskRun,
  runLoggerDisabledVar,
  TASK_RUN_VAR_NAME,
  type TaskRunInfo,
  taskRunCodec,
  taskRunVar,
  tryGetRunContext,
} from './run-context.js';
export { deliveryMessage, type RunDelivery } from './run-delivery.js';
export {
  disableRunLogger,
  FLOW_RUN_LOGGER_NAME,
  type FlowRunRef,
  flowRunLogger,
  formatError,
  getRunLogger,
  RunLogger,
  TASK_RUN_LOGGER_NAME,
  type TaskRunRef,
  taskRunLogger,
} from './run-logger.js';
export { generateRunName } from './run-names.js';
export {
  ApiRunTracker,
  type FlowRunStart,
  flowFailureMessage,
  type LocalRunRecord,
  LocalRunTracker,
  type LocalRunTrackerOptions,
  type RunOutcome,
  type RunReportGaps,
  type RunTracker,
  resolveTracker,
  type TaskRunStart,
  taskFailureMessage,
} from './run-tracker.js';
export { type ServerAvailability, ServerCircuit, type ServerCircuitOptions } from './server-circuit.js';
export { formatTimestamp, nowMicros } from './timestamps.js';
