/**
 * Runner hooks that report a Weft pipeline run to Prefect: the run becomes a flow run, each node a
 * task run, and the node's task-run context is bound in `beforeNodeRun` so `getRunLogger()` inside
 * the node (in a worker thread too) logs to that node's task run.
 *
 * @module
 */
import type {
  AfterNodeRunArgs,
  AfterPipelineRunArgs,
  BeforeNodeRunArgs,
  Hooks,
  NodeErrorArgs,
  PipelineErrorArgs,
  PipelineHookArgs,
} from '@weft/runner';
import { PrefectClient } from './client.js';
import { ConsoleSink } from './console-sink.js';
import { PrefectBridgeError } from './errors.js';
import type { LogSink } from './log-record.js';
import { bindRunSinks, ensureLogReceiver, flushLogs, sinksFor, waitForWorkerLogs } from './log-routing.js';
import { PrefectApiSink } from './prefect-api-sink.js';
import { type FlowRunInfo, flowRunVar, type TaskRunInfo, taskRunVar } from './run-context.js';
import { type RunDelivery, reportDelivery, trackDelivery } from './run-delivery.js';
import { flowRunLogger, taskRunLogger } from './run-logger.js';
import {
  flowFailureMessage,
  type RunOutcome,
  type RunTracker,
  resolveTracker,
  taskFailureMessage,
} from './run-tracker.js';

/**
 * Options of {@link prefectHooks}.
 *
 * @since 0.1.0
 */
export interface PrefectHooksOptions {
  /**
   * Client of the Prefect server to report to. Default: one from `PREFECT_API_URL` when set;
   * `null` (or no URL) reports nothing and uses locally generated ids (the embedded default).
   */
  readonly client?: PrefectClient | null;
  /**
   * Sinks for the records of each run (instead of the default sinks). Default: with an explicit
   * `client`, a console sink plus a {@link PrefectApiSink} to that client (shared by the runs of
   * these hooks); otherwise the default sinks (console, plus the API when `PREFECT_API_URL` is set).
   */
  readonly sinks?: readonly LogSink[];
  /** Flow name, or a function of the pipeline hook argument. Default `weft-pipeline`. */
  readonly flowName?: string | ((args: PipelineHookArgs) => string);
  /** Flow run name. Default the run id. */
  readonly flowRunName?: (args: PipelineHookArgs) => string;
  /** Tags of each flow run. */
  readonly tags?: readonly string[];
  /** Log Prefect's lifecycle lines ("Beginning flow run …", "Finished in state …"). Default true. */
  readonly logLifecycle?: boolean;
  /**
   * How long the hooks wait for logs still travelling from worker threads (at the end of each
   * node), and at most for the whole flush at the end of the run (worker threads and sinks: a sink
   * still sending then carries on in the background). Default 5000 ms.
   */
  readonly flushTimeoutMs?: number;
}

interface RunState {
  readonly flowRun: FlowRunInfo;
  readonly sinks: readonly LogSink[];
  /** The API sinks among them, counting what of this run they do not deliver. */
  readonly apiSinks: readonly PrefectApiSink[];
  readonly unbind: () => void;
  readonly taskRuns: Map<string, TaskRunInfo>;
  readonly completed: Set<string>;
  readonly dynamicKeys: Map<string, number>;
}

const MAX_REMEMBERED_RUNS = 1000;

/**
 * Runner hooks reporting pipeline runs to Prefect (see {@link prefectHooks}). Keeps per-run state
 * keyed by run id, so one instance may serve concurrent runs. Put it first in the `hooks` array so
 * the other hooks already see the task-run context.
 *
 * @since 0.1.0
 */
export class PrefectHooks implements Hooks {
  /** Creates runs and sets their states (API or local). */
  readonly tracker: RunTracker;
  /** Flow run of each run id (the most recent {@link MAX_REMEMBERED_RUNS} runs). */
  readonly flowRuns = new Map<string, FlowRunInfo>();
  readonly #deliveries = new Map<string, RunDelivery>();
  readonly #options: PrefectHooksOptions;
  readonly #sinks: readonly LogSink[] | undefined;
  readonly #runs = new Map<string, RunState>();
  readonly #ownedSinks: readonly LogSink[] | undefined;

  /** @param options See {@link PrefectHooksOptions}. */
  constructor(options: PrefectHooksOptions = {}) {
    if (
      options.client !== undefined &&
      options.client !== null &&
      !(options.client instanceof PrefectClient)
    ) {
      throw new PrefectBridgeError(
        'INVALID_ARGUMENT',
        'prefectHooks: client must be a PrefectClient or null',
      );
    }
    this.#options = options;
    this.tracker = resolveTracker(options.client);
    if (options.sinks === undefined && options.client instanceof PrefectClient) {
      this.#ownedSinks = [new ConsoleSink(), new PrefectApiSink({ client: options.client })];
    }
    this.#sinks = options.sinks ?? this.#ownedSinks;
    // worker threads spawned from now on forward their logs here
    ensureLogReceiver();
  }

  /**
   * Closes the sinks these hooks created themselves (the API sink made for an explicit `client`),
   * sending what is still queued within `timeoutMs` (default 5000). Sinks you passed are yours to
   * close. Never rejects.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    await Promise.all((this.#ownedSinks ?? []).map((sink) => sink.close?.(options)));
  }

  /**
   * What of a finished run did not reach the Prefect server (logs not sent or still waiting, task
   * runs and state changes not reported), for the last {@link MAX_REMEMBERED_RUNS} runs that lost
   * something; `undefined` when everything arrived. The same figures end the run's log as one
   * WARNING line.
   */
  deliveryFor(runId: string): RunDelivery | undefined {
    return this.#deliveries.get(runId);
  }

  /** The flow run of a run id, while the run is in progress or among the last ones remembered. */
  flowRunFor(runId: string): FlowRunInfo | undefined {
    return this.#runs.get(runId)?.flowRun ?? this.flowRuns.get(runId);
  }

  /** Creates the flow run (PENDING → RUNNING) and binds it in the run's context. */
  async beforePipelineRun(args: PipelineHookArgs): Promise<void> {
    const { flowName: nameOption, flowRunName, tags } = this.#options;
    const flowName = typeof nameOption === 'function' ? nameOption(args) : (nameOption ?? 'weft-pipeline');
    const flowRun = await this.tracker.startFlowRun({
      flowName,
      runName: flowRunName ? flowRunName(args) : args.runId,
      ...(tags === undefined ? {} : { tags }),
    });
    const unbind = this.#sinks ? bindRunSinks(flowRun.id, this.#sinks) : () => {};
    const sinks = sinksFor(flowRun.id);
    this.#runs.set(args.runId, {
      flowRun,
      sinks,
      apiSinks: trackDelivery(flowRun.id, sinks),
      unbind,
      taskRuns: new Map(),
      completed: new Set(),
      dynamicKeys: new Map(),
    });
    this.flowRuns.set(args.runId, flowRun);
    if (this.flowRuns.size > MAX_REMEMBERED_RUNS) {
      this.flowRuns.delete(this.flowRuns.keys().next().value as string);
    }
    // pipeline hooks run in the run's context: every node's context is copied from it
    flowRunVar.set(flowRun);
    if (this.#lifecycle) {
      flowRunLogger(flowRun).info(`Beginning flow run '${flowRun.name}' for flow '${flowName}'`);
    }
  }

  /** Creates the node's task run (RUNNING) and binds it in the node's context. */
  async beforeNodeRun(args: BeforeNodeRunArgs): Promise<undefined> {
    const run = this.#runs.get(args.runId);
    if (run === undefined) return undefined;
    const taskRun = await this.#startTask(run, args.node.name, args.node.tags);
    // node hooks run in the node's context: the node function (in a worker thread too) sees this
    taskRunVar.set(taskRun);
    return undefined;
  }

  /** Sets the node's task run COMPLETED. */
  async afterNodeRun(args: AfterNodeRunArgs): Promise<void> {
    const run = this.#runs.get(args.runId);
    const taskRun = run?.taskRuns.get(args.node.name);
    if (run === undefined || taskRun === undefined) return;
    // a node in a worker thread: let its records arrive first, so they precede the closing line
    await waitForWorkerLogs(this.#options.flushTimeoutMs ?? 5000);
    if (this.#lifecycle) taskRunLogger(taskRun, run.flowRun).info('Finished in state Completed()');
    run.completed.add(args.node.name);
    await this.tracker.finishTaskRun(taskRun, { ok: true });
  }

  /**
   * Sets the node's task run FAILED with the error (creating the task run when the node failed
   * before `beforeNodeRun`, e.g. loading inputs) and logs the error with its stack under it.
   */
  async onNodeError(args: NodeErrorArgs): Promise<void> {
    const run = this.#runs.get(args.runId);
    if (run === undefined) return;
    let taskRun = run.taskRuns.get(args.node.name);
    if (taskRun === undefined) taskRun = await this.#startTask(run, args.node.name, args.node.tags);
    await waitForWorkerLogs(this.#options.flushTimeoutMs ?? 5000);
    const logger = taskRunLogger(taskRun, run.flowRun);
    const { error } = args;
    const summary = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    logger.exception(error, `Task run failed with exception (${args.phase}): ${summary}`);
    if (this.#lifecycle) logger.error(`Finished in state Failed('${taskFailureMessage(error)}')`);
    // a save that fails after afterNodeRun reported COMPLETED overrides it
    const force = run.completed.has(args.node.name);
    await this.tracker.finishTaskRun(taskRun, { ok: false, error }, { force });
  }

  /** Flushes the run's logs (worker threads included), then sets the flow run COMPLETED. */
  async afterPipelineRun(args: AfterPipelineRunArgs): Promise<void> {
    await this.#finish(args.runId, { ok: true });
  }

  /** Flushes the run's logs, then sets the flow run FAILED (CANCELLED for a cancelled or timed-out run). */
  async onPipelineError(args: PipelineErrorArgs): Promise<void> {
    const name = (args.error as { name?: unknown } | null)?.name;
    const cancelled = name === 'RunCancelledError' || name === 'RunTimeoutError';
    await this.#finish(args.runId, { ok: false, error: args.error, ...(cancelled ? { cancelled } : {}) });
  }

  get #lifecycle(): boolean {
    return this.#options.logLifecycle ?? true;
  }

  async #startTask(
    run: RunState,
    nodeName: string,
    tags: Iterable<string> | undefined,
  ): Promise<TaskRunInfo> {
    const taskKey = `${run.flowRun.flowName}.${nodeName}`;
    const n = run.dynamicKeys.get(taskKey) ?? 0;
    run.dynamicKeys.set(taskKey, n + 1);
    const tagList = tags === undefined ? [] : [...tags];
    const taskRun = await this.tracker.startTaskRun({
      flowRun: run.flowRun,
      taskName: nodeName,
      name: nodeName,
      taskKey,
      dynamicKey: String(n),
      ...(tagList.length > 0 ? { tags: tagList } : {}),
    });
    run.taskRuns.set(nodeName, taskRun);
    return taskRun;
  }

  async #finish(runId: string, outcome: RunOutcome): Promise<void> {
    const run = this.#runs.get(runId);
    if (run === undefined) return;
    this.#runs.delete(runId);
    try {
      const logger = flowRunLogger(run.flowRun);
      if (this.#lifecycle) {
        if (outcome.ok) logger.info('Finished in state Completed()');
        else if (outcome.cancelled === true) logger.warning('Finished in state Cancelled()');
        else logger.error(`Finished in state Failed('${flowFailureMessage(outcome.error)}')`);
      }
      await flushLogs({ sinks: run.sinks, timeoutMs: this.#options.flushTimeoutMs ?? 5000 });
      await this.tracker.finishFlowRun(run.flowRun, outcome);
      const delivery = reportDelivery(run.flowRun, run.apiSinks, this.tracker);
      if (delivery !== undefined) {
        this.#deliveries.set(runId, delivery);
        if (this.#deliveries.size > MAX_REMEMBERED_RUNS) {
          this.#deliveries.delete(this.#deliveries.keys().next().value as string);
        }
      }
    } finally {
      run.unbind();
    }
  }
}

/**
 * Runner hooks reporting each pipeline run to Prefect: a flow run per run (PENDING → RUNNING →
 * COMPLETED/FAILED), a task run per node (RUNNING → COMPLETED/FAILED with the error message), and
 * the node's task-run context bound in `beforeNodeRun`, so `getRunLogger()` in the node logs to its
 * task run on SequentialRunner, ThreadRunner and ParallelRunner (worker threads) alike. Without a
 * server the same happens with local ids and local sinks.
 *
 * @example
 * ```ts
 * const hooks = prefectHooks({ client: new PrefectClient() }); // PREFECT_API_URL
 * await new SequentialRunner().run(pipe, catalog, { hooks: [hooks] });
 * ```
 *
 * @since 0.1.0
 */
export function prefectHooks(options: PrefectHooksOptions = {}): PrefectHooks {
  return new PrefectHooks(options);
}
