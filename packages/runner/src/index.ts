/**
 * @weft/runner: Kedro's pipeline model in TypeScript (nodes, pipelines, data catalog, hooks,
 * runners) where every node runs in its own copy of the caller's context, on every runner.
 *
 * This entry point is what pipeline authors use. Runner authors find the runner seam
 * (`Execution`, `invokeInline`, node-function resolution, the atomic writer) in
 * `@weft/runner/extend`; runner conformance tests are in `@weft/runner/testing`.
 *
 * @since 0.1.0
 * @module
 */
export { AbstractDataset } from './abstract-dataset.js';
export { AbstractRunner } from './abstract-runner.js';
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
  DatasetError,
  DatasetNotFoundError,
  DuplicateNodeNameError,
  MissingInputsError,
  NodeDefinitionError,
  NodeFailedError,
  NodeInputError,
  NodeNotTransferableError,
  NodeOutputError,
  OutputNotUniqueError,
  PipelineError,
  PipelineFilterError,
  type PipelineFilterName,
  type ResumeSuggestion,
  RunCancelledError,
  RunnerConfigError,
  RunnerError,
  type RunnerErrorCode,
  RunTimeoutError,
  VersionAlreadyExistsError,
  VersionNotFoundError,
} from './errors.js';
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
export {
  Node,
  type NodeFunction,
  type NodeIO,
  type NodeOptions,
  node,
} from './node.js';
export { ParallelRunner, type ParallelRunnerOptions } from './parallel-runner.js';
export {
  type DatasetMapping,
  type OutputsOf,
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
  RunOutputs,
  RunReport,
  RunResult,
} from './run-types.js';
export { SequentialRunner } from './sequential-runner.js';
export { ThreadRunner, type ThreadRunnerOptions } from './thread-runner.js';
