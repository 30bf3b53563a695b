/**
 * `@weft/runner/extend`: what a runner author needs beyond the main entry point: the
 * {@link Execution} seam of `AbstractRunner`, calling a node inline, finding node functions by
 * module and export name for workers on the other side of a thread or process boundary, the
 * atomic file writer the file datasets use, error descriptions that never throw, and the code
 * unions and constructor options of the errors (for a runner that throws them).
 *
 * Pipelines, catalogs, datasets, hooks and the three runners are in the main entry point
 * (`@weft/runner`); most users never import this one.
 *
 * @example
 * ```ts
 * import { AbstractRunner } from '@weft/runner';
 * import { type Execution, invokeInline } from '@weft/runner/extend';
 *
 * class OneAtATimeRunner extends AbstractRunner {
 *   protected _prepare(): Execution {
 *     return { slots: 1, invoke: invokeInline };
 *   }
 * }
 * ```
 * @experimental The runner-author surface may change in a minor release until 1.0.
 * @since 0.1.0
 * @module
 */
export {
  FOREIGN_TEMP_MAX_AGE_MS,
  removeStaleTempFiles,
  type WriteFileAtomicOptions,
  writeFileAtomic,
} from './atomic-write.js';
export { collectChunks } from './collect-chunks.js';
export {
  type DatasetConfigErrorOptions,
  type DatasetErrorCode,
  describeError,
  describeErrorWithName,
  describeRunFailure,
  type NodeErrorCode,
  type NodeFailedErrorOptions,
  type PipelineErrorCode,
  type PipelineFilterErrorCode,
  type PipelineFilterErrorOptions,
  RunAbandonedError,
  type RunCancelledErrorOptions,
  type RunnerConfigErrorCode,
  UnschedulableError,
} from './errors.js';
export {
  type Execution,
  invokeInline,
  type NodeTaskFn,
  type RunSetup,
} from './execution.js';
export {
  importModule,
  type NodeFunctionRef,
  type NodeFunctionSite,
  resolveNodeFunctions,
  toModuleUrl,
} from './node-functions.js';
export type { InvokeNode } from './node-task.js';
export { requiredWorkers, validateMaxWorkers } from './worker-count.js';
