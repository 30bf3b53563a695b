/**
 * @weft/distributed: run Weft pipeline nodes as BullMQ jobs on worker processes across machines,
 * with each node's context (context variables, W3C trace context) carried in its job.
 *
 * @packageDocumentation
 */
export {
  type ContextEnvelope,
  DEFAULT_MAX_CONTEXT_BYTES,
  DEFAULT_MAX_ENVELOPE_BYTES,
  ENVELOPE_VERSION,
} from './context-envelope.js';
export {
  DEFAULT_INLINE_DATA_BYTES,
  DistributedRunner,
  type DistributedRunnerOptions,
  type RetryPolicy,
} from './distributed-runner.js';
export {
  ContextEnvelopeError,
  DistributedConfigError,
  DistributedError,
  type DistributedErrorCode,
  GroupNotRunError,
  JobSubmitError,
  MemoryDatasetBetweenNodesError,
  NodeDataTransferError,
  NoWorkersError,
  RedisServerError,
  RemoteJobError,
  WorkerJobError,
  WorkerProcessError,
} from './errors.js';
export type { AutoGrouping, GroupNodesOption } from './group-plan.js';
export { GroupInput } from './job-input.js';
export { type LocalCluster, type LocalClusterOptions, startLocalCluster } from './local-cluster.js';
export type {
  Capture,
  ChannelSink,
  LogBridge,
  LogRecordLike,
} from './log-bridge.js';
export { type ArgLink, JOB_VERSION, type JobNode, type NodeJobData } from './node-job.js';
export type { RedisLocation } from './redis-connection.js';
export type { OutageLogger } from './redis-outage.js';
export {
  findRedisServer,
  REDIS_INSTALL_HINT,
  type RedisServer,
  type RedisServerOptions,
  startRedisServer,
} from './redis-server.js';
export { StorageDataset, type StorageDatasetOptions } from './storage-dataset.js';
export {
  type CloseWorkerOptions,
  type JobSummary,
  type StartWorkerOptions,
  startWorker,
  type WeftWorker,
  type WorkerHealth,
} from './worker.js';
export { type SpawnWorkerOptions, spawnWorker, type WorkerProcess, workerCommand } from './worker-process.js';
