/**
 * Errors of @weft/runner: one base class ({@link RunnerError}) with a string `code`, and a subclass
 * per kind of failure. Messages are fixed and name the node, dataset or option at fault.
 *
 * @module
 */

import { defineErrorMarker } from '@weft/contextvars/error-marker';

/**
 * The codes of the errors of @weft/runner (`error.code`), stable across releases.
 *
 * @since 0.1.0
 */
export type RunnerErrorCode =
  | NodeErrorCode
  | PipelineErrorCode
  | DatasetErrorCode
  | RunnerConfigErrorCode
  | 'ERR_MISSING_INPUTS'
  | 'ERR_NODE_NOT_TRANSFERABLE'
  | 'ERR_NODE_FAILED'
  | 'ERR_RUN_CANCELLED'
  | 'ERR_RUN_TIMEOUT'
  | 'ERR_RUN_ABANDONED'
  | 'ERR_UNSCHEDULABLE';

/**
 * Codes of a node that is defined or called wrongly.
 *
 * @since 0.1.0
 */
export type NodeErrorCode = 'ERR_NODE_DEFINITION' | 'ERR_NODE_INPUT' | 'ERR_NODE_OUTPUT';

/**
 * Codes of {@link PipelineError} and its subclasses.
 *
 * @since 0.1.0
 */
export type PipelineErrorCode =
  | 'ERR_PIPELINE_ITEM'
  | 'ERR_PIPELINE_MAPPING'
  | 'ERR_PIPELINE_NAMESPACE'
  | 'ERR_PIPELINE_TAG'
  | PipelineFilterErrorCode
  | 'ERR_CIRCULAR_DEPENDENCY'
  | 'ERR_OUTPUT_NOT_UNIQUE'
  | 'ERR_DUPLICATE_NODE_NAME'
  | 'ERR_CONFIRM_NOT_UNIQUE';

/**
 * Codes of {@link PipelineFilterError}.
 *
 * @since 0.1.0
 */
export type PipelineFilterErrorCode =
  | 'ERR_PIPELINE_EMPTY_FILTER'
  | 'ERR_PIPELINE_UNKNOWN_DATASET'
  | 'ERR_PIPELINE_UNKNOWN_NAMESPACE'
  | 'ERR_PIPELINE_UNKNOWN_NODE'
  | 'ERR_PIPELINE_UNKNOWN_TAG';

/**
 * Codes of {@link DatasetError} and its subclasses.
 *
 * @since 0.1.0
 */
export type DatasetErrorCode =
  | 'ERR_DATASET_CONFIG'
  | 'ERR_DATASET_COPY_MODE'
  | 'ERR_DATASET_EMPTY'
  | 'ERR_DATASET_EXISTS'
  | 'ERR_DATASET_EXISTS_CHECK'
  | 'ERR_DATASET_FACTORY'
  | 'ERR_DATASET_LOAD'
  | 'ERR_DATASET_LOAD_VERSIONS'
  | 'ERR_DATASET_NAME'
  | 'ERR_DATASET_NOT_FOUND'
  | 'ERR_DATASET_NO_CONFIRM'
  | 'ERR_DATASET_PARAMETERS'
  | 'ERR_DATASET_PATH'
  | 'ERR_DATASET_PATTERNS'
  | 'ERR_DATASET_PATTERN_CONFIG'
  | 'ERR_DATASET_RELEASE'
  | 'ERR_DATASET_SAVE'
  | 'ERR_DATASET_SAVE_UNDEFINED'
  | 'ERR_DATASET_VERSION'
  | 'ERR_DATASET_VERSIONED_PATH'
  | 'ERR_DATASET_VERSION_EXISTS'
  | 'ERR_DATASET_VERSION_NOT_FOUND';

/**
 * Codes of {@link RunnerConfigError}.
 *
 * @since 0.1.0
 */
export type RunnerConfigErrorCode =
  | 'ERR_RUNNER_HOOKS'
  | 'ERR_RUNNER_MODULE'
  | 'ERR_RUNNER_MODULE_CYCLE'
  | 'ERR_RUNNER_MODULE_TOP_LEVEL'
  | 'ERR_RUNNER_OPTIONS';

/**
 * Base class of every error thrown by @weft/runner: a stable string `code`, a message naming the
 * node, dataset or option at fault, and the original error as `cause` where there is one.
 *
 * Check with `RunnerError.is(value)` (or `NodeFailedError.is(value)`, … for a subclass) rather
 * than `instanceof`: `is` also recognises errors made by another copy of @weft/runner (two
 * versions in one `node_modules`, a bundled copy), which `instanceof` does not.
 *
 * @example
 * ```ts
 * try {
 *   await new SequentialRunner().run(p, catalog);
 * } catch (error) {
 *   if (NodeFailedError.is(error)) console.error(error.node, error.resume.message);
 *   else if (RunnerError.is(error) && error.code === 'ERR_MISSING_INPUTS') console.error(error.message);
 *   else throw error;
 * }
 * ```
 * @since 0.1.0
 */
export class RunnerError extends Error {
  /** A stable, machine-readable code such as `ERR_NODE_FAILED`. */
  readonly code: RunnerErrorCode;

  constructor(code: RunnerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /**
   * True when `value` is an error of this class (or a subclass), made by any copy of
   * @weft/runner: the check reads a `Symbol.for` marker and the class names on the prototype
   * chain, not object identity.
   */
  static is<T extends RunnerError>(this: abstract new (...args: never[]) => T, value: unknown): value is T {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `is` was called on (a subclass too)
    return isRunnerError(value, this.name);
  }
}
/** The cross-copy check behind `RunnerError.is`: a `Symbol.for('weft.runner.error')` marker on the prototype. */
const isRunnerError = defineErrorMarker(RunnerError, 'weft.runner.error');

/**
 * `node(...)` was given an invalid function, inputs, outputs, name, tags, namespace or confirms.
 *
 * @since 0.1.0
 */
export class NodeDefinitionError extends RunnerError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_NODE_DEFINITION', message, options);
  }
}

/**
 * A node was called with the wrong inputs (`node.run`).
 *
 * @since 0.1.0
 */
export class NodeInputError extends RunnerError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_NODE_INPUT', message, options);
  }
}

/**
 * A node function returned something that does not match the node's declared outputs.
 *
 * @since 0.1.0
 */
export class NodeOutputError extends RunnerError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_NODE_OUTPUT', message, options);
  }
}

/**
 * A pipeline could not be built or filtered (unknown names, bad namespace mapping, empty filter).
 *
 * @since 0.1.0
 */
export class PipelineError extends RunnerError {
  declare readonly code: PipelineErrorCode;

  constructor(code: PipelineErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/**
 * The filter of `Pipeline.filter()` (and of the method behind it) that an error is about.
 *
 * @since 0.1.0
 */
export type PipelineFilterName =
  | 'tags'
  | 'fromNodes'
  | 'toNodes'
  | 'nodeNames'
  | 'fromInputs'
  | 'toOutputs'
  | 'nodeNamespaces';

/**
 * What a {@link PipelineFilterError} reports besides its message.
 *
 * @since 0.1.0
 */
export interface PipelineFilterErrorOptions extends ErrorOptions {
  filter?: PipelineFilterName;
  unknown?: readonly string[];
  available?: readonly string[];
  applied?: Partial<Record<PipelineFilterName, readonly string[]>>;
}

/**
 * A pipeline filter named something the pipeline does not have (a node, tag, namespace or dataset;
 * code `ERR_PIPELINE_UNKNOWN_*`), or the filters together selected no node
 * (`ERR_PIPELINE_EMPTY_FILTER`). `unknown` and `available` let a caller (a command line) say it
 * in its own words.
 * @since 0.1.0
 */
export class PipelineFilterError extends PipelineError {
  declare readonly code: PipelineFilterErrorCode;
  /** The filter at fault; `undefined` when the filters together selected nothing. */
  readonly filter: PipelineFilterName | undefined;
  /** The names the pipeline does not have (empty for an empty result). */
  readonly unknown: readonly string[];
  /** The names the pipeline has for that filter (node names, tags, namespaces or datasets), sorted. */
  readonly available: readonly string[];
  /** For an empty result: the filters that were applied, with their values. */
  readonly applied: Readonly<Partial<Record<PipelineFilterName, readonly string[]>>>;

  constructor(code: PipelineFilterErrorCode, message: string, options: PipelineFilterErrorOptions = {}) {
    super(code, message, causeOnly(options));
    this.filter = options.filter;
    this.unknown = options.unknown ?? [];
    this.available = options.available ?? [];
    this.applied = options.applied ?? {};
  }
}

/**
 * The pipeline's nodes depend on each other in a cycle. `cycle` lists one cycle, first node repeated last.
 *
 * @since 0.1.0
 */
export class CircularDependencyError extends PipelineError {
  /** One cycle, as node names, the first one repeated at the end. */
  readonly cycle: readonly string[];

  constructor(message: string, options: ErrorOptions & { cycle: readonly string[] }) {
    super('ERR_CIRCULAR_DEPENDENCY', message, causeOnly(options));
    this.cycle = options.cycle;
  }
}

/**
 * Two nodes of one pipeline write the same dataset.
 *
 * @since 0.1.0
 */
export class OutputNotUniqueError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_OUTPUT_NOT_UNIQUE', message, options);
  }
}

/**
 * Two different nodes of one pipeline have the same name.
 *
 * @since 0.1.0
 */
export class DuplicateNodeNameError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_DUPLICATE_NODE_NAME', message, options);
  }
}

/**
 * Two nodes of one pipeline confirm the same dataset.
 *
 * @since 0.1.0
 */
export class ConfirmNotUniqueError extends PipelineError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_CONFIRM_NOT_UNIQUE', message, options);
  }
}

/**
 * A dataset failed to load, save, check existence, release or confirm (Kedro's `DatasetError`).
 *
 * @since 0.1.0
 */
export class DatasetError extends RunnerError {
  declare readonly code: DatasetErrorCode;

  constructor(code: DatasetErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/**
 * The catalog has no dataset of that name (Kedro's `DatasetNotFoundError`): code
 * `ERR_DATASET_NOT_FOUND`, or `ERR_DATASET_LOAD_VERSIONS` for a load version given for a name the
 * catalog does not have.
 * @since 0.1.0
 */
export class DatasetNotFoundError extends DatasetError {
  declare readonly code: 'ERR_DATASET_NOT_FOUND' | 'ERR_DATASET_LOAD_VERSIONS';

  constructor(
    code: 'ERR_DATASET_NOT_FOUND' | 'ERR_DATASET_LOAD_VERSIONS',
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

/**
 * A dataset of that name is already registered (Kedro's `DatasetAlreadyExistsError`).
 *
 * @since 0.1.0
 */
export class DatasetAlreadyExistsError extends DatasetError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_DATASET_EXISTS', message, options);
  }
}

/**
 * What a {@link DatasetConfigError} reports besides its message.
 *
 * @since 0.1.0
 */
export interface DatasetConfigErrorOptions extends ErrorOptions {
  /** The catalog entry (dataset name or pattern) at fault. */
  dataset: string;
  /** The key at fault, dotted; omitted for the whole entry. */
  key?: string | undefined;
}

/**
 * A catalog entry (`DataCatalog.fromConfig`) is invalid: unknown type or key, bad `load_args` or
 * `save_args`, missing credentials, versioning a type that cannot be versioned. `dataset` names
 * the entry (or pattern) and `key` the offending key path (`'type'`, `'load_args.sep'`, …), so a
 * caller that read the config from a file can point at the line.
 * @since 0.1.0
 */
export class DatasetConfigError extends DatasetError {
  /** The catalog entry (dataset name or pattern) at fault. */
  readonly dataset: string;
  /** The key at fault, dotted (`'credentials'`, `'save_args.foo'`); `undefined` for the whole entry. */
  readonly key: string | undefined;

  constructor(code: DatasetErrorCode, message: string, options: DatasetConfigErrorOptions) {
    super(code, message, causeOnly(options));
    this.dataset = options.dataset;
    this.key = options.key;
  }
}

/**
 * A versioned dataset has no version to load, or not the one asked for (Kedro's `VersionNotFoundError`).
 *
 * @since 0.1.0
 */
export class VersionNotFoundError extends DatasetError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_DATASET_VERSION_NOT_FOUND', message, options);
  }
}

/**
 * A versioned dataset's save version exists already: versions are never overwritten (Kedro's `VersionAlreadyExistsError`).
 *
 * @since 0.1.0
 */
export class VersionAlreadyExistsError extends DatasetError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_DATASET_VERSION_EXISTS', message, options);
  }
}

/**
 * A runner, its options, a module it imports or the hooks given to `run()` are invalid (a hook
 * that returns something it must not, too: `ERR_RUNNER_HOOKS`).
 * @since 0.1.0
 */
export class RunnerConfigError extends RunnerError {
  declare readonly code: RunnerConfigErrorCode;

  constructor(code: RunnerConfigErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/**
 * The pipeline's free inputs are not all in the catalog. `missing` lists them.
 *
 * @since 0.1.0
 */
export class MissingInputsError extends RunnerError {
  /** The free inputs that the catalog cannot provide. */
  readonly missing: readonly string[];

  constructor(message: string, options: ErrorOptions & { missing: readonly string[] }) {
    super('ERR_MISSING_INPUTS', message, causeOnly(options));
    this.missing = options.missing;
  }
}

/**
 * ParallelRunner cannot send a node's function to a worker thread (a closure, an inline lambda, not exported).
 *
 * @since 0.1.0
 */
export class NodeNotTransferableError extends RunnerError {
  /** The name of the node at fault. */
  readonly node: string;

  constructor(message: string, options: ErrorOptions & { node: string }) {
    super('ERR_NODE_NOT_TRANSFERABLE', message, causeOnly(options));
    this.node = options.node;
  }
}

/**
 * Where to resume a failed run from: Kedro's `--from-nodes` suggestion.
 *
 * @since 0.1.0
 */
export interface ResumeSuggestion {
  /** Node names to pass to `pipeline.fromNodes(...)`; empty when no node finished. */
  readonly fromNodes: readonly string[];
  /** Number of nodes that did not run. */
  readonly remaining: number;
  /** The human-readable hint (also part of the error message). */
  readonly message: string;
}

/**
 * What a {@link NodeFailedError} reports besides the node and its error.
 *
 * @since 0.1.0
 */
export interface NodeFailedErrorOptions {
  /** Where to resume from. */
  resume: ResumeSuggestion;
  /** Other nodes that failed while the run was stopping, in the order they failed. */
  otherFailures?: readonly { node: string; error: unknown }[];
  /** Nodes still running when the run was cancelled or timed out after this failure. */
  abandonedNodes?: readonly string[];
}

/**
 * A node failed while the pipeline ran. `node` names it, `cause` is the original error; the run
 * stopped scheduling, waited for the nodes already running, and kept every output already saved.
 * @since 0.1.0
 */
export class NodeFailedError extends RunnerError {
  /** The name of the failed node. */
  readonly node: string;
  /** Where to resume from. */
  readonly resume: ResumeSuggestion;
  /** Other nodes that failed while the run was stopping, in the order they failed. */
  readonly otherFailures: readonly { readonly node: string; readonly error: unknown }[];
  /** Nodes still running when the run was cancelled or timed out after this failure. */
  readonly abandonedNodes: readonly string[];

  /** The message is `Node '<node>' failed: <cause>` and the resume hint. */
  constructor(node: string, cause: unknown, options: NodeFailedErrorOptions) {
    const { resume } = options;
    super('ERR_NODE_FAILED', `Node '${node}' failed: ${describeError(cause)}\n${resume.message}`, { cause });
    this.node = node;
    this.resume = resume;
    this.otherFailures = options.otherFailures ?? [];
    this.abandonedNodes = options.abandonedNodes ?? [];
  }
}

/**
 * What a {@link RunCancelledError} reports besides its message.
 *
 * @since 0.1.0
 */
export interface RunCancelledErrorOptions extends ErrorOptions {
  /** Nodes that were still running (left to settle on their own). */
  abandonedNodes: readonly string[];
  /** Where to resume from. */
  resume: ResumeSuggestion;
}

/**
 * The run was cancelled through `RunOptions.signal` before it finished (`cause`: the signal's
 * reason).
 * @since 0.1.0
 */
export class RunCancelledError extends RunnerError {
  declare readonly code: 'ERR_RUN_CANCELLED' | 'ERR_RUN_TIMEOUT';
  /** Nodes that were still running (left to settle on their own). */
  readonly abandonedNodes: readonly string[];
  /** Where to resume from. */
  readonly resume: ResumeSuggestion;

  constructor(message: string, options: RunCancelledErrorOptions) {
    const timedOut = new.target === RunTimeoutError || new.target.prototype instanceof RunTimeoutError;
    super(timedOut ? 'ERR_RUN_TIMEOUT' : 'ERR_RUN_CANCELLED', message, causeOnly(options));
    this.abandonedNodes = options.abandonedNodes;
    this.resume = options.resume;
  }
}

/**
 * The run took longer than `RunOptions.timeoutMs` (a {@link RunCancelledError} with code `ERR_RUN_TIMEOUT`).
 *
 * @since 0.1.0
 */
export class RunTimeoutError extends RunCancelledError {
  declare readonly code: 'ERR_RUN_TIMEOUT';
}

/**
 * The reason a runner gives the work it abandons when a run is cancelled or times out with nodes
 * still running (the abort reason of their tasks); never the error `run()` rejects with.
 * @since 0.1.0
 */
export class RunAbandonedError extends RunnerError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_RUN_ABANDONED', message, options);
  }
}

/**
 * The scheduler could not start the nodes left although none is running: a bug in a runner (its
 * `Execution`), not in the pipeline.
 * @since 0.1.0
 */
export class UnschedulableError extends RunnerError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_UNSCHEDULABLE', message, options);
  }
}

/** `{ cause }` of options that carry more (so the extra fields do not reach `Error`). */
function causeOnly(options: ErrorOptions | undefined): ErrorOptions | undefined {
  return options === undefined || !('cause' in options) ? undefined : { cause: options.cause };
}

/**
 * A one-line description of anything thrown, for messages: an error's `message`, else the value as
 * a string. Never throws, whatever it is given (an object without a prototype, a throwing getter
 * or `toString`, a revoked proxy, a symbol): a message about a failure must not fail itself.
 *
 * @example
 * ```ts
 * describeError(new Error('boom')); // 'boom'
 * describeError(Object.create(null)); // '[object Object]'
 * ```
 * @since 0.1.0
 * @experimental
 */
export function describeError(error: unknown): string {
  try {
    if (error !== null && (typeof error === 'object' || typeof error === 'function')) {
      const message = (error as { message?: unknown }).message;
      if (typeof message === 'string' && (error instanceof Error || Object.hasOwn(error, 'message'))) {
        return message;
      }
    }
    return String(error);
  } catch {
    try {
      return Object.prototype.toString.call(error);
    } catch {
      return '[a value that cannot be described]';
    }
  }
}

/**
 * `name: message` of an error (see {@link describeError} for anything else). Never throws.
 * @since 0.1.0
 * @experimental
 */
export function describeErrorWithName(error: unknown): string {
  try {
    if (error instanceof Error) {
      const name = (error as { name?: unknown }).name;
      const message = describeError(error);
      return typeof name === 'string' && name !== '' ? `${name}: ${message}` : message;
    }
  } catch {
    // fall through to the plain description
  }
  return describeError(error);
}

/**
 * What a run's failure says on one line: `Node 'x' failed: Name: message` for a
 * {@link NodeFailedError} (of any copy of this package), else {@link describeErrorWithName}. The
 * run recorder, the viewer and the `weft` command describe a failed run or node with it. Never throws.
 *
 * @example
 * ```ts
 * describeRunFailure(new NodeFailedError('train', new RangeError('bad split'), { resume })); // "Node 'train' failed: RangeError: bad split"
 * ```
 * @since 0.1.0
 * @experimental
 */
export function describeRunFailure(error: unknown): string {
  if (NodeFailedError.is(error)) return `Node '${error.node}' failed: ${describeErrorWithName(error.cause)}`;
  return describeErrorWithName(error);
}
