/**
 * `@weft/executor`: Python's `concurrent.futures` for Node (futures, `wait`, `asCompleted`, an
 * in-thread `AsyncExecutor` and a worker-thread `WorkerThreadExecutor` on piscina) whose tasks run
 * in the context of their submitter, captured at submit time.
 *
 * @packageDocumentation
 */
export { AsyncExecutor, type AsyncExecutorOptions } from './async-executor.js';
export {
  BrokenExecutorError,
  CancelledError,
  ExecutorError,
  type ExecutorErrorCode,
  ExecutorShutdownError,
  FutureCallbackError,
  InvalidArgumentError,
  InvalidStateError,
  TaskArgumentsError,
  TaskContextError,
  TaskLeftoverError,
  TaskReferenceError,
  TaskResultError,
  ThrownValueError,
  TimeoutError,
} from './errors.js';
export type { Executor, ExecutorOptions, MapOptions, ShutdownOptions, SubmitOptions } from './executor.js';
export { type DoneCallback, Future, type FutureState, type ResultOptions } from './future.js';
export {
  defineTasks,
  isTaskRef,
  type TaskArgs,
  type TaskRef,
  type TaskRefOf,
  type TaskResult,
  taskRef,
} from './task-ref.js';
export {
  decodeThrown,
  type ErrorClassRegistry,
  encodeThrown,
  type ThrownEncoding,
  type ThrownValue,
} from './thrown-value.js';
export { move } from './transfer.js';
export {
  runsUnderTsx,
  type TypeScriptLoader,
  typescriptExecArgv,
  withoutTsxPreloads,
} from './typescript-loader.js';
export {
  type AsCompletedOptions,
  asCompleted,
  type CompletedFuture,
  type DoneAndNotDone,
  type ReturnWhen,
  type WaitOptions,
  wait,
} from './wait.js';
export {
  type TransferListItem,
  type WorkerSubmitOptions,
  WorkerThreadExecutor,
  type WorkerThreadExecutorOptions,
} from './worker-thread-executor.js';
