/**
 * What one pipeline run looked like, as plain data: the input of the summary table and of the
 * HTML run report, and what tests inspect.
 *
 * @module
 */

/** Status of one node in a run. */
export type NodeStatus = 'completed' | 'failed' | 'running' | 'skipped' | 'not-run';

/** One log line of a node (or of the flow run). */
export interface LogLine {
  /** Emit time, epoch microseconds. */
  readonly timestamp: number;
  /** Numeric level (20 INFO, 30 WARNING, 40 ERROR, ...). */
  readonly level: number;
  /** The message as logged. */
  readonly message: string;
  /** The line exactly as the console printed it (Prefect's format). */
  readonly formatted: string;
}

/** One node of the run. */
export interface NodeRunRecord {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly tags: readonly string[];
  status: NodeStatus;
  /** Start, epoch milliseconds. */
  startedAt?: number;
  /** Wall-clock duration, hooks and dataset I/O included. */
  durationMs?: number;
  /** Where the node function ran: `main` or `worker <threadId>`. */
  thread?: string;
  /** The Prefect task run of the node. */
  taskRunName?: string;
  taskRunId?: string;
  /** The error of a failed node (`Name: message`). */
  error?: string;
  /** The node's log lines, in emit order. */
  readonly logs: LogLine[];
}

/** Kind of a dataset in the catalog. */
export type DatasetKind = 'csv' | 'json' | 'memory' | 'parameters';

/** One dataset of the pipeline. */
export interface DatasetRecord {
  readonly name: string;
  readonly kind: DatasetKind;
  /** File path relative to the demo folder, for file datasets. */
  readonly filepath?: string;
}

/** A whole run. */
export interface RunRecord {
  /** Pipeline (Prefect flow) name. */
  readonly pipeline: string;
  /** The runner's run id. */
  readonly runId: string;
  /** The Prefect flow run. */
  flowRunName?: string;
  flowRunId?: string;
  /** `local` (embedded, ids generated here) or the Prefect API URL reported to. */
  readonly reportedTo: string;
  /** `sequential`, `thread` or `parallel`. */
  readonly runner: string;
  /** Worker count given with `--max-workers`, if any. */
  readonly maxWorkers?: number;
  /** Whether the run context was propagated into nodes. */
  readonly propagateContext: boolean;
  /** User context set before the run (e.g. the tenant), shown in the report. */
  readonly userContext: Readonly<Record<string, string>>;
  status: 'running' | 'completed' | 'failed';
  /** Start, epoch milliseconds. */
  readonly startedAt: number;
  durationMs?: number;
  /** The run's error (`Name: message`). */
  error?: string;
  /** The resume suggestion of a failed run (`--from-nodes "a,b"`). */
  resumeHint?: string;
  /** Nodes in topological order (filtered-out nodes are not listed). */
  readonly nodes: NodeRunRecord[];
  /** Datasets the listed nodes read or write. */
  readonly datasets: readonly DatasetRecord[];
  /** Flow-run level log lines (not belonging to a node). */
  readonly flowLogs: LogLine[];
}
