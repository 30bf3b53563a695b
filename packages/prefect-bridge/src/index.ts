/**
 * `@weft/prefect-bridge`: Prefect's run context and run logger in TypeScript. Node code calls
 * `getRunLogger()` and its logs land on the right Prefect task run, whichever runner (and thread)
 * ran it; pipeline runs are reported to a Prefect 3 server, or tracked locally without one.
 *
 * Entry points: this one (run context, run logger, hooks, the Prefect API sink and client, run
 * trackers, errors); `@weft/prefect-bridge/logging` (records, levels, sinks and routing, nothing of
 * Prefect's API); `@weft/prefect-bridge/testing` (a throwaway Prefect server for tests).
 *
 * @packageDocumentation
 */
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
  environmentPrefectClient,
  type FlowCreateInput,
  type FlowRunCreateInput,
  type FlowRunQuery,
  MAX_PAGE_SIZE,
  PrefectClient,
  type PrefectClientOptions,
  type RequestOptions,
  type SetStateOptions,
  type TaskRunCreateInput,
} from './client.js';
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
  PrefectApiSink,
  type PrefectApiSinkOptions,
  type PrefectApiSinkStats,
  type RunLogDelivery,
  type WhenMissingFlow,
} from './prefect-api-sink.js';
export { PrefectHooks, type PrefectHooksOptions, prefectHooks } from './prefect-hooks.js';
export {
  type FlowRunInfo,
  flowRunVar,
  getRunContext,
  type RunContext,
  runInFlowRun,
  runInTaskRun,
  type TaskRunInfo,
  taskRunVar,
  tryGetRunContext,
} from './run-context.js';
export type { RunDelivery } from './run-delivery.js';
export {
  disableRunLogger,
  type FlowRunRef,
  flowRunLogger,
  getRunLogger,
  RunLogger,
  type TaskRunRef,
  taskRunLogger,
} from './run-logger.js';
export { generateRunName } from './run-names.js';
export {
  ApiRunTracker,
  type FlowRunStart,
  type LocalRunRecord,
  LocalRunTracker,
  type LocalRunTrackerOptions,
  type RunOutcome,
  type RunReportGaps,
  type RunTracker,
  type TaskRunStart,
} from './run-tracker.js';
export type { ServerAvailability } from './server-circuit.js';
