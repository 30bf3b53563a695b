/**
 * A pipeline run as plain JSON data: its graph (nodes, datasets), each node's status, timings,
 * thread, Prefect task run and log lines, and the run's own outcome. This is what the run report
 * draws, what the viewer shows (live, folded from the run's events), and what tests inspect.
 *
 * @module
 */

/**
 * Status of one node: `pending` (not started yet, the run goes on), `running`, `completed`,
 * `failed`, `skipped` (its outputs existed: `onlyMissingOutputs`) or `not-run` (the run ended
 * without starting it).
 */
export type NodeStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'not-run';

/**
 * Status of a run. `interrupted`: the process that ran it ended without recording an outcome
 * (killed, crashed).
 */
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

/** One log line of a node or of the run. */
export interface LogLine {
  /** Emit time, epoch microseconds. */
  readonly timestamp: number;
  /** Numeric level (10 DEBUG, 20 INFO, 30 WARNING, 40 ERROR, 50 CRITICAL). */
  readonly level: number;
  /** The message as logged (stack traces included). */
  readonly message: string;
}

/** Where a node function is defined, and its leading comment. */
export interface CodeLocation {
  /** Source file, relative to the project folder when inside it (else absolute), `/`-separated. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** The function's name (`fn.name`), if any. */
  readonly functionName?: string;
}

/** A node of a pipeline graph. */
export interface GraphNode {
  /** Full (namespace-prefixed) node name. */
  readonly name: string;
  /** Namespace (`a.b`), if any. */
  readonly namespace?: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Sorted. */
  readonly tags: readonly string[];
  /** Where the node function is defined (project descriptions; runs may omit it). */
  readonly code?: CodeLocation;
  /** The function's JSDoc or leading comment, without comment markers. */
  readonly doc?: string;
}

/** What kind of box a dataset is drawn as. */
export type DatasetKind = 'file' | 'memory' | 'parameters' | 'other';

/** A dataset of a pipeline graph. */
export interface GraphDataset {
  readonly name: string;
  /** Dataset type: the catalog's `type` as configured, else the dataset class name (`CSVDataset`). */
  readonly type: string;
  readonly kind: DatasetKind;
  /** File path, for file datasets (relative to the project folder when inside it). */
  readonly filepath?: string;
  /** Kedro-Viz style layer (`01_raw` …), when the catalog says so. */
  readonly layer?: string;
}

/** A pipeline as a graph: nodes in topological order, and the datasets they read or write. */
export interface PipelineGraph {
  readonly nodes: readonly GraphNode[];
  readonly datasets: readonly GraphDataset[];
}

/** One node of a run. */
export interface NodeRunRecord extends GraphNode {
  status: NodeStatus;
  /** Start, epoch milliseconds. */
  startedAt?: number;
  /** Wall-clock duration of the node's task (loads, hooks, function, saves). */
  durationMs?: number;
  /** Where the node function ran, as its log records say (`main`, `worker 3`, …). */
  thread?: string;
  /** The Prefect task run of the node (when the Prefect bridge's hooks run). */
  taskRunName?: string;
  taskRunId?: string;
  /** The error of a failed node (`Name: message`). */
  error?: string;
  /** Where it failed: `load`, `beforeNodeRun`, `run`, `save` or `confirm`. */
  errorPhase?: string;
  /** The node's log lines, in arrival order. */
  logs: LogLine[];
}

/** A whole run. */
export interface RunRecord {
  /** Format version of the record (and of the events it is folded from). */
  readonly version: 1;
  /** The runner's run id. */
  readonly runId: string;
  /** Pipeline name (`__default__`, `data_processing`, …). */
  readonly pipeline: string;
  /** Project name, when known. */
  readonly project?: string;
  status: RunStatus;
  /** Start, epoch milliseconds. */
  readonly startedAt: number;
  durationMs?: number;
  /** Runner class name (`ThreadRunner`, `DistributedRunner`, …) or what the caller called it. */
  readonly runner: string;
  readonly maxWorkers?: number;
  /** Whether nodes ran in a copy of the caller's context. */
  readonly propagateContext: boolean;
  /** Where the Prefect flow run was reported (`local` or the API URL). */
  readonly reportedTo?: string;
  /** Context values worth showing (a tenant, the environment, …). */
  readonly userContext: Readonly<Record<string, string>>;
  /** The Prefect flow run. */
  flowRunId?: string;
  flowRunName?: string;
  /** The run's error (`Name: message`). */
  error?: string;
  /** For a failed run: the nodes to resume from (Kedro's suggestion). */
  resumeFromNodes?: readonly string[];
  /** For a failed run: how to resume, as the caller words it (a command line). */
  resumeHint?: string;
  /** Process that ran it, and its host (for telling a running run from an interrupted one). */
  readonly pid?: number;
  readonly host?: string;
  /** Nodes in topological order. */
  readonly nodes: NodeRunRecord[];
  readonly datasets: readonly GraphDataset[];
  /** Log lines of the run that belong to no node (flow-run lines, runner messages). */
  readonly flowLogs: LogLine[];
  /** Log lines not kept because the run's log budget was spent. */
  droppedLogs: number;
}

/** The level name of a numeric level. */
export function levelName(level: number): string {
  if (level >= 50) return 'CRITICAL';
  if (level >= 40) return 'ERROR';
  if (level >= 30) return 'WARNING';
  if (level >= 20) return 'INFO';
  return 'DEBUG';
}

/** `1234` → `1.23 s`, `56.7` → `57 ms`, `undefined` → `–`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms - m * 60_000) / 1000)} s`;
}
