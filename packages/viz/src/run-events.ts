/**
 * A run as a stream of events: what the recorder appends to the run history, one JSON object per
 * line, and what the viewer folds, as they arrive, into a {@link RunRecord}. Every event is small
 * and self-describing (`e` names its kind); unknown kinds are ignored by readers, so the format can
 * grow.
 *
 * @module
 */
import type {
  GraphDataset,
  GraphNode,
  NodeRunRecord,
  NodeStatus,
  RunRecord,
  RunStatus,
} from './run-record.js';

/** The run began: its graph and facts. Always the first event of a run. */
export interface RunStartedEvent {
  readonly e: 'run';
  readonly v: 1;
  readonly runId: string;
  readonly pipeline: string;
  readonly project?: string;
  readonly startedAt: number;
  readonly runner: string;
  readonly maxWorkers?: number;
  readonly propagateContext: boolean;
  readonly reportedTo?: string;
  readonly userContext: Readonly<Record<string, string>>;
  readonly pid: number;
  readonly host: string;
  readonly nodes: readonly GraphNode[];
  readonly datasets: readonly GraphDataset[];
}

/** The run's Prefect flow run became known. */
export interface FlowRunEvent {
  readonly e: 'flow';
  readonly flowRunId: string;
  readonly flowRunName: string;
}

/** A node's task started (its first input load, or `beforeNodeRun` when it has no inputs). */
export interface NodeStartedEvent {
  readonly e: 'start';
  readonly node: string;
  /** Epoch milliseconds. */
  readonly t: number;
}

/** A node's Prefect task run became known. */
export interface TaskRunEvent {
  readonly e: 'task';
  readonly node: string;
  readonly taskRunId: string;
  readonly taskRunName: string;
}

/** One log line as stored: `node` when known when it was written, else the task run it belongs to. */
export interface StoredLogLine {
  readonly node?: string;
  readonly task?: string;
  /** Epoch microseconds. */
  readonly ts: number;
  readonly level: number;
  readonly message: string;
  /** `main`, `worker 3`, … (from the record's `extra.thread`). */
  readonly thread?: string;
}

/** Log lines, in arrival order. */
export interface LogsEvent {
  readonly e: 'logs';
  readonly lines: readonly StoredLogLine[];
}

/** A node finished (all outputs saved) or failed. */
export interface NodeFinishedEvent {
  readonly e: 'end';
  readonly node: string;
  readonly status: 'completed' | 'failed';
  /** Epoch milliseconds. */
  readonly t: number;
  readonly durationMs: number;
  readonly error?: string;
  readonly phase?: string;
}

/** Log lines were dropped: the run's log budget is spent. */
export interface LogsDroppedEvent {
  readonly e: 'dropped';
  /** Lines dropped so far (a running total). */
  readonly count: number;
}

/** The run ended. Always the last event of a run that was not interrupted. */
export interface RunFinishedEvent {
  readonly e: 'done';
  readonly status: 'completed' | 'failed' | 'cancelled';
  /** Epoch milliseconds. */
  readonly t: number;
  readonly durationMs: number;
  readonly error?: string;
  readonly resumeFromNodes?: readonly string[];
  readonly resumeHint?: string;
  /** The runner's own timings, which win over the live ones. */
  readonly timings?: readonly { node: string; status: 'completed' | 'failed'; durationMs: number }[];
  /** Nodes skipped because their outputs existed. */
  readonly skipped?: readonly string[];
}

/** Any event of a run. */
export type RunEvent =
  | RunStartedEvent
  | FlowRunEvent
  | NodeStartedEvent
  | TaskRunEvent
  | LogsEvent
  | NodeFinishedEvent
  | LogsDroppedEvent
  | RunFinishedEvent;

/** What one event changed: the viewer pushes exactly this to open pages. */
export interface RunChange {
  /** Run-level fields changed (status, flow run, error, …). */
  run: boolean;
  /** Nodes whose status, timings or context changed. */
  readonly nodes: Set<string>;
  /** Log lines appended, per node (`null`: the run's own lines). */
  readonly logs: Map<string | null, number>;
}

const MAX_PENDING_LINES = 10_000;

/**
 * Folds a run's events into a {@link RunRecord}, one at a time, telling what each changed.
 * Tolerant by design: events of unknown kinds, events naming unknown nodes and a missing first
 * event are ignored, so a reader never fails on a file written by a newer or killed writer.
 *
 * @example
 * ```ts
 * const folder = new RunFolder();
 * for (const event of events) folder.apply(event);
 * const record = folder.record; // undefined until the 'run' event
 * ```
 */
export class RunFolder {
  /** The run so far; undefined until its first event. */
  record: RunRecord | undefined;
  readonly #byName = new Map<string, NodeRunRecord>();
  readonly #nodeOfTask = new Map<string, NodeRunRecord>();
  /** Lines of task runs not yet tied to a node. */
  readonly #pending = new Map<string, StoredLogLine[]>();
  #pendingCount = 0;

  /** A node of the run by name. */
  node(name: string): NodeRunRecord | undefined {
    return this.#byName.get(name);
  }

  /** Applies one event; returns what changed (nothing for an event it cannot use). */
  apply(event: RunEvent): RunChange {
    const change: RunChange = { run: false, nodes: new Set(), logs: new Map() };
    if (event === null || typeof event !== 'object') return change;
    if (event.e === 'run') {
      this.#start(event);
      change.run = true;
      for (const n of event.nodes) change.nodes.add(n.name);
      return change;
    }
    const record = this.record;
    if (record === undefined) return change;
    switch (event.e) {
      case 'flow':
        record.flowRunId = event.flowRunId;
        record.flowRunName = event.flowRunName;
        change.run = true;
        break;
      case 'start': {
        const n = this.#byName.get(event.node);
        if (n === undefined || (n.status !== 'pending' && n.status !== 'not-run')) break;
        n.status = 'running';
        n.startedAt = event.t;
        change.nodes.add(n.name);
        break;
      }
      case 'task': {
        const n = this.#byName.get(event.node);
        if (n === undefined) break;
        n.taskRunId = event.taskRunId;
        n.taskRunName = event.taskRunName;
        this.#nodeOfTask.set(event.taskRunId, n);
        change.nodes.add(n.name);
        const waiting = this.#pending.get(event.taskRunId);
        if (waiting !== undefined) {
          this.#pending.delete(event.taskRunId);
          this.#pendingCount -= waiting.length;
          for (const line of waiting) this.#addLine(n, line, change);
        }
        break;
      }
      case 'logs':
        if (!Array.isArray(event.lines)) break;
        for (const line of event.lines) this.#line(line, change);
        break;
      case 'end': {
        const n = this.#byName.get(event.node);
        if (n === undefined) break;
        // a save failing after the node reported completed turns it failed; never the reverse
        if (n.status === 'failed' && event.status === 'completed') break;
        n.status = event.status;
        n.durationMs = event.durationMs;
        if (n.startedAt === undefined) n.startedAt = event.t - event.durationMs;
        if (event.error !== undefined) n.error = event.error;
        if (event.phase !== undefined) n.errorPhase = event.phase;
        change.nodes.add(n.name);
        break;
      }
      case 'dropped':
        record.droppedLogs = event.count;
        change.run = true;
        break;
      case 'done':
        this.#finish(record, event, change);
        break;
      default:
        break;
    }
    return change;
  }

  #start(event: RunStartedEvent): void {
    this.#byName.clear();
    this.#nodeOfTask.clear();
    const nodes: NodeRunRecord[] = (event.nodes ?? []).map((n) => ({ ...n, status: 'pending', logs: [] }));
    for (const n of nodes) this.#byName.set(n.name, n);
    this.record = {
      version: 1,
      runId: event.runId,
      pipeline: event.pipeline,
      ...(event.project === undefined ? {} : { project: event.project }),
      status: 'running',
      startedAt: event.startedAt,
      runner: event.runner,
      ...(event.maxWorkers === undefined ? {} : { maxWorkers: event.maxWorkers }),
      propagateContext: event.propagateContext,
      ...(event.reportedTo === undefined ? {} : { reportedTo: event.reportedTo }),
      userContext: event.userContext ?? {},
      pid: event.pid,
      host: event.host,
      nodes,
      datasets: event.datasets ?? [],
      flowLogs: [],
      droppedLogs: 0,
    };
  }

  #line(line: StoredLogLine, change: RunChange): void {
    const record = this.record as RunRecord;
    let node = line.node === undefined ? undefined : this.#byName.get(line.node);
    if (node === undefined && line.task !== undefined) {
      node = this.#nodeOfTask.get(line.task);
      if (node === undefined) {
        if (this.#pendingCount >= MAX_PENDING_LINES) return;
        const waiting = this.#pending.get(line.task) ?? [];
        waiting.push(line);
        this.#pending.set(line.task, waiting);
        this.#pendingCount++;
        return;
      }
    }
    if (node === undefined) {
      record.flowLogs.push({ timestamp: line.ts, level: line.level, message: line.message });
      change.logs.set(null, (change.logs.get(null) ?? 0) + 1);
      return;
    }
    this.#addLine(node, line, change);
  }

  #addLine(node: NodeRunRecord, line: StoredLogLine, change: RunChange): void {
    node.logs.push({ timestamp: line.ts, level: line.level, message: line.message });
    change.logs.set(node.name, (change.logs.get(node.name) ?? 0) + 1);
    if (node.thread === undefined && typeof line.thread === 'string') {
      node.thread = line.thread;
      change.nodes.add(node.name);
    }
  }

  #finish(record: RunRecord, event: RunFinishedEvent, change: RunChange): void {
    record.status = event.status;
    record.durationMs = event.durationMs;
    if (event.error !== undefined) record.error = event.error;
    if (event.resumeFromNodes !== undefined) record.resumeFromNodes = event.resumeFromNodes;
    if (event.resumeHint !== undefined) record.resumeHint = event.resumeHint;
    change.run = true;
    for (const t of event.timings ?? []) {
      const n = this.#byName.get(t.node);
      if (n === undefined) continue;
      if (!(n.status === 'failed' && t.status === 'completed')) n.status = t.status;
      n.durationMs = t.durationMs;
      change.nodes.add(n.name);
    }
    const skipped = new Set(event.skipped ?? []);
    for (const n of record.nodes) {
      if (skipped.has(n.name) && (n.status === 'pending' || n.status === 'not-run')) {
        n.status = 'skipped';
        change.nodes.add(n.name);
      } else if (n.status === 'pending' || n.status === 'running') {
        // a node still running when the run was cancelled never finished
        n.status = 'not-run';
        change.nodes.add(n.name);
      }
    }
    // lines of task runs never tied to a node belong to the run
    for (const lines of this.#pending.values()) {
      for (const l of lines) record.flowLogs.push({ timestamp: l.ts, level: l.level, message: l.message });
      change.logs.set(null, (change.logs.get(null) ?? 0) + lines.length);
    }
    this.#pending.clear();
    this.#pendingCount = 0;
  }

  /**
   * Marks a run whose writer is gone without a `done` event as `interrupted`: running nodes become
   * `not-run`. Does nothing to a run that ended.
   */
  markInterrupted(): RunChange {
    const change: RunChange = { run: false, nodes: new Set(), logs: new Map() };
    const record = this.record;
    if (record === undefined || record.status !== 'running') return change;
    record.status = 'interrupted';
    record.error ??= 'The process running this pipeline ended before the run finished (killed or crashed).';
    change.run = true;
    for (const n of record.nodes) {
      if (n.status === 'pending' || n.status === 'running') {
        n.status = 'not-run';
        change.nodes.add(n.name);
      }
    }
    return change;
  }
}

/** Folds a whole list of events into a record (undefined when the list has no `run` event). */
export function foldRunEvents(events: Iterable<RunEvent>): RunRecord | undefined {
  const folder = new RunFolder();
  for (const e of events) folder.apply(e);
  return folder.record;
}

/** Status values of a run that has ended. */
export function isFinished(status: RunStatus | NodeStatus): boolean {
  return status !== 'running' && status !== 'pending';
}
