/**
 * Errors of @weft/distributed: one base class ({@link DistributedError}) with a string `code`, and
 * a subclass per kind of failure. Messages are fixed and name the node, dataset, variable or
 * option at fault.
 *
 * @module
 */

/** Base class of every error thrown by @weft/distributed. */
export class DistributedError extends Error {
  /** A stable, machine-readable code such as `ERR_DISTRIBUTED_OPTIONS`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

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

  constructor(code: string, message: string, node: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.node = node;
  }
}

/** A job could not be submitted (its payload is over the per-job size limit, or Redis refused it). */
export class JobSubmitError extends DistributedError {
  /** The node whose job was refused. */
  readonly node: string;

  constructor(code: string, message: string, node: string, options?: { cause?: unknown }) {
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

  constructor(code: string, message: string, node: string, options?: { cause?: unknown }) {
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

  constructor(code: string, message: string, node: string, jobId: string, options?: { cause?: unknown }) {
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

  constructor(code: string, message: string, node: string, blockedBy: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.node = node;
    this.blockedBy = blockedBy;
  }
}
