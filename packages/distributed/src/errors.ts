/**
 * Errors of @weft/distributed: one base class ({@link DistributedError}) with a string `code`, and
 * a subclass per kind of failure. Messages are fixed and name the node, dataset, variable or
 * option at fault.
 *
 * @module
 */

import { defineErrorMarker } from '@weft/contextvars/error-marker';

/** Codes carried by errors of this package. */
export type DistributedErrorCode =
  | 'ERR_CODE_MISMATCH'
  | 'ERR_CONTEXT_TOO_LARGE'
  | 'ERR_CONTEXT_UNSERIALIZABLE'
  | 'ERR_DISTRIBUTED_OPTIONS'
  | 'ERR_EXPORT_MISSING'
  | 'ERR_GROUP_INVALID'
  | 'ERR_GROUP_KEY'
  | 'ERR_GROUP_LINK'
  | 'ERR_GROUP_NOT_RUN'
  | 'ERR_JOB_ENVELOPE'
  | 'ERR_JOB_ERROR_UNREADABLE'
  | 'ERR_JOB_FAILED'
  | 'ERR_JOB_MISSING'
  | 'ERR_JOB_PAYLOAD'
  | 'ERR_JOB_SUBMIT'
  | 'ERR_JOB_TOO_LARGE'
  | 'ERR_MEMORY_DATASET_BETWEEN_NODES'
  | 'ERR_MODULE_IMPORT'
  | 'ERR_MODULE_NOT_SERVED'
  | 'ERR_NODE_ARGS_UNREADABLE'
  | 'ERR_NODE_ARGS_UNSERIALIZABLE'
  | 'ERR_NODE_RESULT_UNREADABLE'
  | 'ERR_NODE_RESULT_UNSERIALIZABLE'
  | 'ERR_NO_WORKERS'
  | 'ERR_REDIS_CONNECT'
  | 'ERR_REDIS_NOT_INSTALLED'
  | 'ERR_REDIS_START'
  | 'ERR_STORAGE_PATH'
  | 'ERR_STORAGE_WRITE'
  | 'ERR_WORKER_SPAWN'
  | 'ERR_WORKER_START';

/**
 * Base class of every error thrown by @weft/distributed: `(code, message, options)`. Subclasses
 * name the kind of failure; the `code` says which one exactly.
 *
 * Check identity with {@link DistributedError.is} (`NoWorkersError.is(error)`), not `instanceof`:
 * `instanceof` fails when two copies of the package are installed.
 */
export class DistributedError extends Error {
  /** A stable, machine-readable code such as `ERR_DISTRIBUTED_OPTIONS`. */
  readonly code: DistributedErrorCode;

  constructor(code: DistributedErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /**
   * Whether `value` is an error of this class (or one of its subclasses), made by any copy of
   * `@weft/distributed`. Never throws.
   *
   * @example
   * ```ts
   * if (DistributedError.is(error)) console.error(error.code, error.message);
   * ```
   */
  static is<T extends abstract new (...args: never[]) => DistributedError>(
    this: T,
    value: unknown,
  ): value is InstanceType<T> {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `is` was called on (a subclass too)
    return isDistributedError(value, this.name);
  }
}
/** The cross-copy check behind `DistributedError.is`: a `Symbol.for('weft.distributed.error')` marker on the prototype. */
const isDistributedError = defineErrorMarker(DistributedError, 'weft.distributed.error');

/** A runner, worker or cluster option is missing or invalid. */
export class DistributedConfigError extends DistributedError {}

/**
 * A dataset that one node writes and another reads would stay in the coordinator's memory: a
 * `MemoryDataset` in the catalog. Raised before anything runs.
 */
export class MemoryDatasetBetweenNodesError extends DistributedError {
  /** The dataset name. */
  readonly dataset: string;

  constructor(message: string, dataset: string) {
    super('ERR_MEMORY_DATASET_BETWEEN_NODES', message);
    this.dataset = dataset;
  }
}

/** A node's context could not be put in its job (a value without a codec, or over the size cap). */
export class ContextEnvelopeError extends DistributedError {
  /** The node whose job could not be built. */
  readonly node: string;

  constructor(code: DistributedErrorCode, message: string, node: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.node = node;
  }
}

/** A job could not be submitted (its payload is over the per-job size limit, or Redis refused it). */
export class JobSubmitError extends DistributedError {
  /** The node whose job was refused. */
  readonly node: string;

  constructor(code: DistributedErrorCode, message: string, node: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.node = node;
  }
}

/**
 * A node's arguments or result could not be written to (or read from) shared storage: a value
 * that cannot be serialized (a function, a class with private state), or a storage failure.
 */
export class NodeDataTransferError extends DistributedError {
  /** The node whose data could not be transferred. */
  readonly node: string;

  constructor(code: DistributedErrorCode, message: string, node: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.node = node;
  }
}

/**
 * A node's job ended without a node error to report: BullMQ failed it (stalled too often, a
 * worker could not run it), or it was removed from Redis while the run waited for it.
 */
export class RemoteJobError extends DistributedError {
  /** The node. */
  readonly node: string;
  /** The BullMQ job id. */
  readonly jobId: string;

  constructor(
    code: DistributedErrorCode,
    message: string,
    node: string,
    jobId: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.node = node;
    this.jobId = jobId;
  }
}

/** A worker was given a job it cannot run (unknown module or export, malformed payload). */
export class WorkerJobError extends DistributedError {}

/** No `weft-worker` is connected to the queue, so a run would wait forever. */
export class NoWorkersError extends DistributedError {}

/** `redis-server` could not be found or started, or did not answer. */
export class RedisServerError extends DistributedError {}

/** A worker process could not be started or exited before it was ready. */
export class WorkerProcessError extends DistributedError {}

/**
 * A node of a group (`groupNodes`) whose job did not run it, or whose result was discarded: a node
 * before it in the same job failed (on the worker, or on the coordinator before the job was
 * submitted or while its results were being saved). The node at fault carries the actual error.
 */
export class GroupNotRunError extends DistributedError {
  /** The node that was not run. */
  readonly node: string;
  /** The node of the same job whose failure kept it from running. */
  readonly blockedBy: string;

  constructor(
    code: DistributedErrorCode,
    message: string,
    node: string,
    blockedBy: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.node = node;
    this.blockedBy = blockedBy;
  }
}
