/**
 * Errors of @weft/runner: one base class ({@link RunnerError}) with a string `code`, and a subclass
 * per kind of failure. Messages are fixed and name the node, dataset or option at fault.
 *
 * @module
 */

/** Base class of every error thrown by @weft/runner. */
export class RunnerError extends Error {
  /** A stable, machine-readable code such as `ERR_NODE_FAILED`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** `node(...)` was given an invalid function, inputs, outputs, name, tags, namespace or confirms. */
export class NodeDefinitionError extends RunnerError {}

/** A node was called with the wrong inputs (`node.run`). */
export class NodeInputError extends RunnerError {}

/** A node function returned something that does not match the node's declared outputs. */
export class NodeOutputError extends RunnerError {}

/** A pipeline could not be built or filtered (unknown names, bad namespace mapping, empty filter). */
export class PipelineError extends RunnerError {}

/** The filter of `Pipeline.filter()` (and of the method behind it) that an error is about. */
export type PipelineFilterName =
  | 'tags'
  | 'fromNodes'
  | 'toNodes'
  | 'nodeNames'
  | 'fromInputs'
  | 'toOutputs'
  | 'nodeNamespaces';

/**
 * A pipeline filter named something the pipeline does not have (a node, tag, namespace or dataset;
 * code `ERR_PIPELINE_UNKNOWN_*`), or the filters together selected no node
 * (`ERR_PIPELINE_EMPTY_FILTER`). `unknown` and `available` let a caller (a command line) say it
 * in its own words.
 */
export class PipelineFilterError extends PipelineError {
  /** The filter at fault; `undefined` when the filters together selected nothing. */
  readonly filter: PipelineFilterName | undefined;
  /** The names the pipeline does not have (empty for an empty result). */
  readonly unknown: readonly string[];
  /** The names the pipeline has for that filter (node names, tags, namespaces or datasets), sorted. */
  readonly available: readonly string[];
  /** For an empty result: the filters that were applied, with their values. */
  readonly applied: Readonly<Partial<Record<PipelineFilterName, readonly string[]>>>;

  constructor(
    code: string,
    message: string,
    details: {
      filter?: PipelineFilterName;
      unknown?: readonly string[];
      available?: readonly string[];
      applied?: Partial<Record<PipelineFilterName, readonly string[]>>;
    },
  ) {
    super(code, message);
    this.filter = details.filter;
    this.unknown = details.unknown ?? [];
    this.available = details.available ?? [];
    this.applied = details.applied ?? {};
  }
}

/** The pipeline's nodes depend on each other in a cycle. `cycle` lists one cycle, first node repeated last. */
export class CircularDependencyError extends PipelineError {
  /** One cycle, as node names, the first one repeated at the end. */
  readonly cycle: readonly string[];

  constructor(message: string, cycle: readonly string[]) {
    super('ERR_CIRCULAR_DEPENDENCY', message);
    this.cycle = cycle;
  }
}

/** Two nodes of one pipeline write the same dataset. */
export class OutputNotUniqueError extends PipelineError {}

/** Two different nodes of one pipeline have the same name. */
export class DuplicateNodeNameError extends PipelineError {}

/** Two nodes of one pipeline confirm the same dataset. */
export class ConfirmNotUniqueError extends PipelineError {}

/** A dataset failed to load, save, check existence, release or confirm (Kedro's `DatasetError`). */
export class DatasetError extends RunnerError {}

/** The catalog has no dataset of that name (Kedro's `DatasetNotFoundError`). */
export class DatasetNotFoundError extends DatasetError {}

/** A dataset of that name is already registered (Kedro's `DatasetAlreadyExistsError`). */
export class DatasetAlreadyExistsError extends DatasetError {}

/**
 * A catalog entry (`DataCatalog.fromConfig`) is invalid: unknown type or key, bad `load_args` or
 * `save_args`, missing credentials, versioning a type that cannot be versioned. `dataset` names
 * the entry (or pattern) and `key` the offending key path (`'type'`, `'load_args.sep'`, …), so a
 * caller that read the config from a file can point at the line.
 */
export class DatasetConfigError extends DatasetError {
  /** The catalog entry (dataset name or pattern) at fault. */
  readonly dataset: string;
  /** The key at fault, dotted (`'credentials'`, `'save_args.foo'`); `undefined` for the whole entry. */
  readonly key: string | undefined;

  constructor(code: string, message: string, dataset: string, key?: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.dataset = dataset;
    this.key = key;
  }
}

/** A versioned dataset has no version to load, or not the one asked for (Kedro's `VersionNotFoundError`). */
export class VersionNotFoundError extends DatasetError {}

/** A versioned dataset's save version exists already: versions are never overwritten (Kedro's `VersionAlreadyExistsError`). */
export class VersionAlreadyExistsError extends DatasetError {}

/** A runner, its options or the hooks given to `run()` are invalid. */
export class RunnerConfigError extends RunnerError {}

/** The pipeline's free inputs are not all in the catalog. `missing` lists them. */
export class MissingInputsError extends RunnerError {
  /** The free inputs that the catalog cannot provide. */
  readonly missing: readonly string[];

  constructor(message: string, missing: readonly string[]) {
    super('ERR_MISSING_INPUTS', message);
    this.missing = missing;
  }
}

/** ParallelRunner cannot send a node's function to a worker thread (a closure, an inline lambda, not exported). */
export class NodeNotTransferableError extends RunnerError {
  /** The name of the node at fault. */
  readonly node: string;

  constructor(message: string, node: string) {
    super('ERR_NODE_NOT_TRANSFERABLE', message);
    this.node = node;
  }
}

/** Where to resume a failed run from: Kedro's `--from-nodes` suggestion. */
export interface ResumeSuggestion {
  /** Node names to pass to `pipeline.fromNodes(...)`; empty when no node finished. */
  readonly fromNodes: readonly string[];
  /** Number of nodes that did not run. */
  readonly remaining: number;
  /** The human-readable hint (also part of the error message). */
  readonly message: string;
}

/**
 * A node failed while the pipeline ran. `node` names it, `cause` is the original error; the run
 * stopped scheduling, waited for the nodes already running, and kept every output already saved.
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

  constructor(
    node: string,
    cause: unknown,
    resume: ResumeSuggestion,
    otherFailures: readonly { node: string; error: unknown }[] = [],
    abandonedNodes: readonly string[] = [],
  ) {
    super('ERR_NODE_FAILED', `Node '${node}' failed: ${describeError(cause)}\n${resume.message}`, { cause });
    this.node = node;
    this.resume = resume;
    this.otherFailures = otherFailures;
    this.abandonedNodes = abandonedNodes;
  }
}

/** The run was cancelled through `RunOptions.signal` before it finished. */
export class RunCancelledError extends RunnerError {
  /** Nodes that were still running (left to settle on their own). */
  readonly abandonedNodes: readonly string[];
  /** Where to resume from. */
  readonly resume: ResumeSuggestion;

  constructor(
    code: string,
    message: string,
    abandonedNodes: readonly string[],
    resume: ResumeSuggestion,
    cause?: unknown,
  ) {
    super(code, message, cause === undefined ? undefined : { cause });
    this.abandonedNodes = abandonedNodes;
    this.resume = resume;
  }
}

/** The run took longer than `RunOptions.timeoutMs`. */
export class RunTimeoutError extends RunCancelledError {}

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
