/**
 * The run recorder: runner hooks that record each run as plain data (graph, per-node status,
 * timings, Prefect task run, log lines) and append it, event by event, to the project's run
 * history, where a viewer in another process follows it live. Hooks run on the main thread on
 * every runner (DistributedRunner included), so one recorder sees every node wherever it runs.
 *
 * @module
 */
import { hostname } from 'node:os';
import { flowRunVar, taskRunVar } from '@weft/prefect-bridge';
import { bindRunSinks, type LogRecord, type LogSink, sinksFor } from '@weft/prefect-bridge/logging';
import type {
  AfterNodeRunArgs,
  AfterPipelineRunArgs,
  BeforeDatasetLoadedArgs,
  BeforeNodeRunArgs,
  DatasetDataArgs,
  Hooks,
  NodeErrorArgs,
  PipelineErrorArgs,
  PipelineHookArgs,
  RunReport,
} from '@weft/runner';
import { describeRunFailure } from '@weft/runner/extend';
import { type DatasetInfo, describePipeline } from './describe-pipeline.js';
import { VizConfigError } from './errors.js';
import { type RunEvent, RunFolder, type RunStartedEvent, type StoredLogLine } from './run-events.js';
import { RunHistory, type RunWriter } from './run-history.js';
import type { RunRecord } from './run-record.js';

/** Options of {@link RunRecorder}. */
export interface RunRecorderOptions {
  /**
   * The project folder: runs are appended to `<projectDir>/.weft/runs/` (unless `history` says
   * otherwise) and file paths are shown relative to it.
   */
  readonly projectDir?: string;
  /** Where runs are appended; `false` keeps them in memory only. Default: the project's history when `projectDir` is given. */
  readonly history?: RunHistory | false;
  /** Pipeline name shown and stored. Default `__default__`. */
  readonly pipelineName?: string | ((args: PipelineHookArgs) => string);
  /** Project name shown and stored. */
  readonly project?: string;
  /** Runner name shown. Default the runner's class name. */
  readonly runner?: string;
  /** Worker count shown next to the runner. */
  readonly maxWorkers?: number;
  /** Where the flow run was reported (`local`, an API URL). */
  readonly reportedTo?: string;
  /** Context values to show (a tenant, the environment …), read when each run starts. */
  readonly userContext?: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>);
  /** Dataset facts that win over the catalog's (the CLI passes its `catalog.yml` entries). */
  readonly datasets?: Readonly<Record<string, DatasetInfo>>;
  /** How to resume a failed run, as a sentence or command line, from Kedro's suggested nodes. */
  readonly resumeHint?: (fromNodes: readonly string[]) => string;
  /** Bytes of log messages kept per run; later lines are counted as dropped. Default 16 MiB. */
  readonly maxLogBytes?: number;
  /** Longest message kept, in characters (longer ones are cut with a marker). Default 64 KiB. */
  readonly maxMessageChars?: number;
  /**
   * Called with every event of every run, after it is folded into the run's record (progress
   * displays use the `start` and `end` events). Must not throw.
   */
  readonly onEvent?: (event: RunEvent, record: RunRecord) => void;
  /**
   * Called when the run history cannot be written (the run goes on; the in-memory record stays
   * complete). Default: one warning on stderr per run.
   */
  readonly onError?: (error: unknown) => void;
}

interface RunState {
  readonly runId: string;
  readonly folder: RunFolder;
  writer: RunWriter | undefined;
  flowRunId: string | undefined;
  /** Undoes the recorder's addition to the flow run's sinks. */
  unbindSinks: (() => void) | undefined;
  readonly taskToNode: Map<string, string>;
  readonly nodesWithTask: Set<string>;
  readonly nodeNames: Set<string>;
  readonly streaming: Set<string>;
  readonly started: Map<string, number>;
  readonly pendingSaves: Map<string, number>;
  lines: StoredLogLine[];
  linesQueued: boolean;
  logBytes: number;
  dropped: number;
  droppedReported: number;
  warned: boolean;
}

const MAX_ORPHAN_RECORDS = 1000;
const MAX_REMEMBERED_RUNS = 20;
const DEFAULT_MAX_LOG_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_MESSAGE_CHARS = 64 * 1024;

/**
 * Runner hooks recording each run. Put it **after** the Prefect bridge's hooks in the `hooks`
 * array: it reads the flow run and task runs they bind, and adds {@link RunRecorder.logSink} to the
 * flow run's sinks for the run (passing `logSink` among the bridge's `sinks` yourself works too;
 * lines are never recorded twice).
 *
 * @example
 * ```ts
 * const recorder = new RunRecorder({ projectDir, pipelineName: '__default__' });
 * const prefect = prefectHooks({ sinks: [new ConsoleSink(), recorder.logSink] });
 * await runner.run(pipeline, catalog, { hooks: [prefect, recorder] }).catch(() => {});
 * await writeReport(recorder.lastRun!, 'data/08_reporting/run-report.html');
 * ```
 */
export class RunRecorder implements Hooks {
  /**
   * The sink receiving the log lines of recorded runs. The recorder adds it to each flow run's
   * sinks itself; give it to the bridge (`prefectHooks({ sinks })`) to also get records logged
   * before the recorder learns the flow run.
   */
  readonly logSink: LogSink;
  /** Where runs are appended, if anywhere. */
  readonly history: RunHistory | undefined;
  readonly #options: RunRecorderOptions;
  readonly #runs = new Map<string, RunState>();
  readonly #byFlowRun = new Map<string, RunState>();
  readonly #orphans: LogRecord[] = [];
  readonly #maxLogBytes: number;
  readonly #maxMessageChars: number;
  #last: RunState | undefined;

  /** @throws {VizConfigError} for a bad option. */
  constructor(options: RunRecorderOptions = {}) {
    this.#options = options;
    if (
      options.history !== undefined &&
      options.history !== false &&
      !(options.history instanceof RunHistory)
    ) {
      throw new VizConfigError("RunRecorder option 'history' must be a RunHistory or false");
    }
    this.history =
      options.history === false
        ? undefined
        : (options.history ??
          (options.projectDir === undefined ? undefined : RunHistory.forProject(options.projectDir)));
    this.#maxLogBytes = options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES;
    this.#maxMessageChars = options.maxMessageChars ?? DEFAULT_MAX_MESSAGE_CHARS;
    if (!(this.#maxLogBytes >= 0) || !(this.#maxMessageChars >= 1)) {
      throw new VizConfigError(
        "RunRecorder options 'maxLogBytes' and 'maxMessageChars' must be positive numbers",
      );
    }
    this.logSink = { level: 0, write: (record) => this.#record(record) };
  }

  /** The record of a run (while it runs, and for the last runs after). */
  run(runId: string): RunRecord | undefined {
    return this.#runs.get(runId)?.folder.record;
  }

  /** The record of the run started last. */
  get lastRun(): RunRecord | undefined {
    return this.#last?.folder.record;
  }

  /** The run history id of a run (its file name without `.jsonl`), when it is written to a history. */
  historyId(runId: string): string | undefined {
    return this.#runs.get(runId)?.writer?.id;
  }

  /** Records the run's graph and facts, and starts its history file. */
  async beforePipelineRun(args: PipelineHookArgs): Promise<void> {
    const o = this.#options;
    const graph = describePipeline(args.pipeline, {
      catalog: args.catalog,
      ...(o.datasets === undefined ? {} : { datasets: o.datasets }),
      ...(o.projectDir === undefined ? {} : { baseDir: o.projectDir }),
    });
    const pipeline =
      typeof o.pipelineName === 'function' ? o.pipelineName(args) : (o.pipelineName ?? '__default__');
    const userContext = typeof o.userContext === 'function' ? o.userContext() : (o.userContext ?? {});
    const start: RunStartedEvent = {
      e: 'run',
      v: 1,
      runId: args.runId,
      pipeline,
      ...(o.project === undefined ? {} : { project: o.project }),
      startedAt: Date.now(),
      runner: o.runner ?? args.runParams.runner,
      ...(o.maxWorkers === undefined ? {} : { maxWorkers: o.maxWorkers }),
      propagateContext: args.runParams.propagateContext,
      ...(o.reportedTo === undefined ? {} : { reportedTo: o.reportedTo }),
      userContext: { ...userContext },
      pid: process.pid,
      host: hostname(),
      nodes: graph.nodes,
      datasets: graph.datasets,
    };
    const state: RunState = {
      runId: args.runId,
      folder: new RunFolder(),
      writer: undefined,
      flowRunId: undefined,
      unbindSinks: undefined,
      taskToNode: new Map(),
      nodesWithTask: new Set(),
      nodeNames: new Set(graph.nodes.map((n) => n.name)),
      streaming: new Set(args.pipeline.nodes.filter((n) => n.streaming).map((n) => n.name)),
      started: new Map(),
      pendingSaves: new Map(),
      lines: [],
      linesQueued: false,
      logBytes: 0,
      dropped: 0,
      droppedReported: 0,
      warned: false,
    };
    this.#runs.set(args.runId, state);
    this.#last = state;
    if (this.#runs.size > MAX_REMEMBERED_RUNS) {
      const oldest = this.#runs.keys().next().value as string;
      this.#forget(oldest);
    }
    if (this.history !== undefined) {
      try {
        state.writer = await this.history.open(start, { onError: (error) => this.#error(state, error) });
      } catch (error) {
        this.#error(state, error);
      }
    }
    // RunHistory.open wrote the start event already
    this.#apply(state, start, false);
    this.#flowRun(state);
  }

  /** A node starts with its first input load. */
  beforeDatasetLoaded(args: BeforeDatasetLoadedArgs): void {
    const state = this.#runs.get(args.runId);
    if (state !== undefined) this.#start(state, args.node.name, args.node.outputs.length);
  }

  /** A node without inputs starts here; the node's task run is read from its context. */
  beforeNodeRun(args: BeforeNodeRunArgs): undefined {
    const state = this.#runs.get(args.runId);
    if (state === undefined) return undefined;
    this.#start(state, args.node.name, args.node.outputs.length);
    this.#taskRun(state, args.node.name);
    return undefined;
  }

  /** A node without outputs (or a streaming node) is done here; others when their outputs are saved. */
  afterNodeRun(args: AfterNodeRunArgs): void {
    const state = this.#runs.get(args.runId);
    if (state === undefined) return;
    this.#taskRun(state, args.node.name);
    if (args.node.outputs.length === 0 || state.streaming.has(args.node.name)) {
      this.#finish(state, args.node.name, 'completed');
    }
  }

  /** The node is done when its last output is saved. */
  afterDatasetSaved(args: DatasetDataArgs): void {
    const state = this.#runs.get(args.runId);
    if (state === undefined || state.streaming.has(args.node.name)) return;
    const left = (state.pendingSaves.get(args.node.name) ?? 1) - 1;
    state.pendingSaves.set(args.node.name, left);
    if (left <= 0) this.#finish(state, args.node.name, 'completed');
  }

  /** Records the node's failure with its error and phase. */
  onNodeError(args: NodeErrorArgs): void {
    const state = this.#runs.get(args.runId);
    if (state === undefined) return;
    this.#taskRun(state, args.node.name);
    this.#start(state, args.node.name, args.node.outputs.length);
    this.#finish(state, args.node.name, 'failed', describeRunFailure(args.error), args.phase);
  }

  /** Records the outcome with the runner's timings and closes the history file. */
  afterPipelineRun(args: AfterPipelineRunArgs): void {
    this.#done(args.runId, args.report, undefined);
  }

  /** Records the failure (error, where to resume) and closes the history file. */
  onPipelineError(args: PipelineErrorArgs): void {
    this.#done(args.runId, args.report, args.error);
  }

  #emit(state: RunState, event: RunEvent): void {
    if (event.e !== 'logs') this.#flushLines(state);
    this.#apply(state, event);
  }

  #apply(state: RunState, event: RunEvent, write = true): void {
    state.folder.apply(event);
    if (write) state.writer?.append(event);
    const record = state.folder.record;
    if (this.#options.onEvent !== undefined && record !== undefined) this.#options.onEvent(event, record);
  }

  #flowRun(state: RunState): void {
    if (state.flowRunId !== undefined) return;
    const flowRun = flowRunVar.get(undefined);
    if (flowRun === undefined) return;
    state.flowRunId = flowRun.id;
    this.#byFlowRun.set(flowRun.id, state);
    // the flow run's records reach the recorder too, unless its sink was given to the bridge already
    const current = sinksFor(flowRun.id);
    if (!current.includes(this.logSink))
      state.unbindSinks = bindRunSinks(flowRun.id, [...current, this.logSink]);
    this.#emit(state, { e: 'flow', flowRunId: flowRun.id, flowRunName: flowRun.name });
    // records that arrived before the flow run was known
    const waiting = this.#orphans.filter((r) => r.flowRunId === flowRun.id);
    if (waiting.length > 0) {
      for (let i = this.#orphans.length - 1; i >= 0; i--) {
        if (this.#orphans[i]?.flowRunId === flowRun.id) this.#orphans.splice(i, 1);
      }
      for (const r of waiting) this.#record(r);
    }
  }

  #taskRun(state: RunState, node: string): void {
    this.#flowRun(state);
    if (state.nodesWithTask.has(node)) return;
    const taskRun = taskRunVar.get(undefined);
    if (taskRun === undefined || (state.flowRunId !== undefined && taskRun.flowRunId !== state.flowRunId))
      return;
    this.#bindTask(state, node, taskRun.id, taskRun.name);
  }

  #bindTask(state: RunState, node: string, taskRunId: string, taskRunName: string): void {
    state.nodesWithTask.add(node);
    state.taskToNode.set(taskRunId, node);
    this.#emit(state, { e: 'task', node, taskRunId, taskRunName });
  }

  #start(state: RunState, node: string, outputs: number): void {
    if (state.started.has(node)) return;
    state.started.set(node, performance.now());
    state.pendingSaves.set(node, outputs);
    this.#emit(state, { e: 'start', node, t: Date.now() });
  }

  #finish(
    state: RunState,
    node: string,
    status: 'completed' | 'failed',
    error?: string,
    phase?: string,
  ): void {
    const started = state.started.get(node);
    const current = state.folder.node(node)?.status;
    if (status === 'completed' && current !== 'running') return;
    if (status === 'failed' && current === 'failed') return;
    this.#emit(state, {
      e: 'end',
      node,
      status,
      t: Date.now(),
      durationMs: started === undefined ? 0 : performance.now() - started,
      ...(error === undefined ? {} : { error }),
      ...(phase === undefined ? {} : { phase }),
    });
  }

  #done(runId: string, report: RunReport, error: unknown): void {
    const state = this.#runs.get(runId);
    if (state === undefined || state.folder.record?.status !== 'running') return;
    const fromNodes = (error as { resume?: { fromNodes?: unknown } } | null)?.resume?.fromNodes;
    const resume = Array.isArray(fromNodes) ? (fromNodes as string[]) : undefined;
    const hint = resume !== undefined && resume.length > 0 ? this.#options.resumeHint?.(resume) : undefined;
    this.#emit(state, {
      e: 'done',
      status: report.status,
      t: Date.now(),
      durationMs: report.durationMs,
      ...(error === undefined ? {} : { error: describeRunFailure(error) }),
      ...(resume === undefined ? {} : { resumeFromNodes: resume }),
      ...(hint === undefined ? {} : { resumeHint: hint }),
      timings: report.nodes.map((t) => ({ node: t.node, status: t.status, durationMs: t.durationMs })),
      skipped: [...report.skippedNodes],
    });
    state.writer?.close();
    state.unbindSinks?.();
    if (state.flowRunId !== undefined) this.#byFlowRun.delete(state.flowRunId);
  }

  #forget(runId: string): void {
    const state = this.#runs.get(runId);
    if (state === undefined) return;
    this.#runs.delete(runId);
    if (state.flowRunId !== undefined && this.#byFlowRun.get(state.flowRunId) === state) {
      this.#byFlowRun.delete(state.flowRunId);
    }
  }

  /** The log sink's write: a record of a recorded run's flow run joins that run. */
  #record(record: LogRecord): void {
    const flowRunId = record.flowRunId;
    if (flowRunId === null || flowRunId === undefined) return;
    const state = this.#byFlowRun.get(flowRunId);
    if (state === undefined) {
      // the flow run is not known yet (the recorder sits before the bridge's hooks), or not ours
      this.#orphans.push(record);
      if (this.#orphans.length > MAX_ORPHAN_RECORDS) this.#orphans.shift();
      return;
    }
    if (state.folder.record?.status !== 'running') return;
    const taskRunId = record.taskRunId;
    let node: string | undefined;
    if (taskRunId !== null && taskRunId !== undefined) {
      node = state.taskToNode.get(taskRunId);
      if (node === undefined) {
        // the bridge names a node's task run after the node (e.g. a node that failed loading its inputs)
        const named = record.extra?.task_run_name;
        if (typeof named === 'string' && state.nodeNames.has(named) && !state.nodesWithTask.has(named)) {
          this.#bindTask(state, named, taskRunId, named);
          node = named;
        }
      }
    }
    let message = typeof record.message === 'string' ? record.message : String(record.message);
    const size = message.length + 64;
    if (state.logBytes + size > this.#maxLogBytes) {
      state.dropped++;
      this.#queueLines(state);
      return;
    }
    state.logBytes += size;
    if (message.length > this.#maxMessageChars) {
      message = `${message.slice(0, this.#maxMessageChars)}… [${message.length - this.#maxMessageChars} characters cut]`;
    }
    const thread = record.extra?.thread;
    state.lines.push({
      ...(node === undefined ? {} : { node }),
      ...(node === undefined && taskRunId !== null && taskRunId !== undefined ? { task: taskRunId } : {}),
      ts: record.timestamp,
      level: record.level,
      message,
      ...(typeof thread === 'string' ? { thread } : {}),
    });
    this.#queueLines(state);
  }

  #queueLines(state: RunState): void {
    if (state.linesQueued) return;
    state.linesQueued = true;
    queueMicrotask(() => this.#flushLines(state));
  }

  #flushLines(state: RunState): void {
    state.linesQueued = false;
    if (state.lines.length > 0) {
      const lines = state.lines;
      state.lines = [];
      this.#apply(state, { e: 'logs', lines });
    }
    if (state.dropped !== state.droppedReported) {
      state.droppedReported = state.dropped;
      this.#apply(state, { e: 'dropped', count: state.dropped });
    }
  }

  #error(state: RunState, error: unknown): void {
    if (this.#options.onError !== undefined) {
      this.#options.onError(error);
      return;
    }
    if (state.warned) return;
    state.warned = true;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`warning: run ${state.runId} is not recorded in the run history: ${message}\n`);
  }
}

/**
 * The hooks `weft run` adds for the run history and `--report`: a {@link RunRecorder}.
 *
 * @example
 * ```ts
 * const recorder = vizHooks({ projectDir: process.cwd(), pipelineName: 'data_processing' });
 * ```
 */
export function vizHooks(options: RunRecorderOptions = {}): RunRecorder {
  return new RunRecorder(options);
}
