/**
 * @weft/runner: Kedro's pipeline model in TypeScript (nodes, pipelines, data catalog, hooks,
 * runners) where every node runs in its own copy of the caller's context, on every runner.
 *
 * @module
 */
export { AbstractDataset } from './abstract-dataset.js';
export { AbstractRunner } from './abstract-runner.js';
export {
  FOREIGN_TEMP_MAX_AGE_MS,
  removeStaleTempFiles,
  type WriteFileAtomicOptions,
  writeFileAtomic,
} from './atomic-write.js';
export { COPY_MODES, type CopyMode } from './copy-data.js';
export {
  type CatalogConfigOptions,
  DataCatalog,
  type DataCatalogOptions,
  type DatasetClass,
  type DatasetConfig,
  type DatasetFactory,
  type GetDatasetOptions,
} from './data-catalog.js';
export { type DatasetVersion, generateTimestamp } from './dataset-versions.js';
export {
  CircularDependencyError,
  ConfirmNotUniqueError,
  DatasetAlreadyExistsError,
  DatasetConfigError,
  type DatasetConfigErrorOptions,
  DatasetError,
  type DatasetErrorCode,
  DatasetNotFoundError,
  DuplicateNodeNameError,
  describeError,
  describeErrorWithName,
  MissingInputsError,
  NodeDefinitionError,
  type NodeErrorCode,
  NodeFailedError,
  type NodeFailedErrorOptions,
  NodeInputError,
  NodeNotTransferableError,
  NodeOutputError,
  OutputNotUniqueError,
  PipelineError,
  type PipelineErrorCode,
  PipelineFilterError,
  type PipelineFilterErrorCode,
  type PipelineFilterErrorOptions,
  type PipelineFilterName,
  type ResumeSuggestion,
  RunAbandonedError,
  RunCancelledError,
  type RunCancelledErrorOptions,
  RunnerConfigError,
  type RunnerConfigErrorCode,
  RunnerError,
  type RunnerErrorCode,
  RunTimeoutError,
  UnschedulableError,
  VersionAlreadyExistsError,
  VersionNotFoundError,
} from './errors.js';
export {
  type Execution,
  invokeInline,
  type NodeTaskFn,
  type RunSetup,
} from './execution.js';
export {
  AbstractFileDataset,
  BytesDataset,
  CSVDataset,
  type CSVDatasetOptions,
  type FileDatasetOptions,
  JSONDataset,
  type JSONDatasetOptions,
  TextDataset,
  type TextDatasetOptions,
} from './file-datasets.js';
export {
  type AfterNodeRunArgs,
  type AfterPipelineRunArgs,
  type BeforeDatasetLoadedArgs,
  type BeforeNodeRunArgs,
  type DatasetDataArgs,
  HOOK_NAMES,
  type HookName,
  type Hooks,
  type NodeErrorArgs,
  type NodeErrorPhase,
  type NodeHookBase,
  type PipelineErrorArgs,
  type PipelineHookArgs,
  type RunParams,
} from './hooks.js';
export { MemoryDataset, type MemoryDatasetOptions } from './memory-dataset.js';
export { Node, type NodeFunction, type NodeIO, type NodeOptions, node } from './node.js';
export {
  importModule,
  type NodeFunctionRef,
  type NodeFunctionSite,
  resolveNodeFunctions,
  toModuleUrl,
} from './node-functions.js';
export type { InvokeNode } from './node-task.js';
export { ParallelRunner, type ParallelRunnerOptions } from './parallel-runner.js';
export {
  type DatasetMapping,
  Pipeline,
  type PipelineFilter,
  type PipelineOptions,
  pipeline,
} from './pipeline.js';
export { findNodesToResumeFrom } from './resume.js';
export type {
  ContextFilter,
  NodeTiming,
  RunLogger,
  RunOptions,
  RunOutcome,
  RunReport,
  RunResult,
} from './run-types.js';
export { SequentialRunner } from './sequential-runner.js';
export { ThreadRunner, type ThreadRunnerOptions } from './thread-runner.js';
