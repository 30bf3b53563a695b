/**
 * `AbstractRunner`: the run lifecycle shared by every runner. It validates the run's options,
 * prepares the runner's {@link Execution}, calls the pipeline hooks, filters `onlyMissingOutputs`,
 * warms the catalog up, hands the run to the {@link Scheduler} and reports. Runners differ only in
 * how many nodes run at once and how a node's task and function are executed.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { type Context, copyContext } from '@weft/contextvars';
import type { DataCatalog } from './data-catalog.js';
import { NodeFailedError, RunCancelledError, RunnerConfigError } from './errors.js';
import type { Execution, RunSetup } from './execution.js';
import { HookManager, type RunParams } from './hooks.js';
import { filterMissingOutputs } from './only-missing-outputs.js';
import type { Pipeline } from './pipeline.js';
import type { NodeTiming, RunOptions, RunOutcome, RunOutputs, RunReport, RunResult } from './run-types.js';
import { Scheduler } from './scheduler.js';
import { warmUp } from './warm-up.js';

/**
 * Base class of the runners. Subclasses implement {@link AbstractRunner._prepare} to say how many
 * nodes run at once and how a node is executed.
 * @since 0.1.0
 */
export abstract class AbstractRunner {
  /**
   * Runs `pipeline` against `catalog` and resolves to the free outputs' data.
   *
   * @throws {MissingInputsError} when a free input is not in the catalog.
   * @throws {NodeFailedError} when a node fails (names it; `cause` is the original error).
   * @throws {RunCancelledError} / {RunTimeoutError} when cancelled or timed out.
   */
  async run<T extends RunResult = RunResult>(
    pipeline: Pipeline<T>,
    catalog: DataCatalog,
    options: RunOptions = {},
  ): Promise<RunOutputs<T>> {
    return (await this.runWithReport(pipeline, catalog, options)).outputs;
  }

  /** Like {@link run}, and also returns the run's report (per-run and per-node timings). */
  runWithReport<T extends RunResult = RunResult>(
    pipeline: Pipeline<T>,
    catalog: DataCatalog,
    options: RunOptions = {},
  ): Promise<RunOutcome<T>> {
    // The caller's context, snapshotted now; the pipeline hooks run (and may set values) in it.
    const runCtx = copyContext();
    // Outputs are whatever the nodes saved: typed only as far as the node functions are.
    return runCtx.run(() => this.#run(runCtx, pipeline, catalog, options)) as Promise<RunOutcome<T>>;
  }

  /** Prepares execution for one run (validate nodes, create executors). Called before any hook. */
  protected abstract _prepare(setup: RunSetup): Promise<Execution> | Execution;

  async #run(
    runCtx: Context,
    pipeline: Pipeline,
    catalog: DataCatalog,
    options: RunOptions,
  ): Promise<RunOutcome> {
    const t0 = performance.now();
    const runId = options.runId ?? randomUUID();
    const hooks = new HookManager(options.hooks);
    const propagateContext = options.propagateContext !== false;
    if (options.timeoutMs !== undefined && !(options.timeoutMs >= 0)) {
      throw new RunnerConfigError(
        'ERR_RUNNER_OPTIONS',
        `'timeoutMs' must be a non-negative number, got ${options.timeoutMs}.`,
      );
    }
    const runner = this.constructor.name;
    const runParams: RunParams = {
      runId,
      runner,
      onlyMissingOutputs: options.onlyMissingOutputs === true,
      propagateContext,
    };
    const execution = await this._prepare({ pipeline, catalog, runId, options, propagateContext });
    const base = { runId, runParams, pipeline, catalog };
    let skipped: string[] = [];
    let sched: Scheduler | undefined;
    const report = (status: RunReport['status']): RunReport => {
      const source = sched;
      let nodes: NodeTiming[] | undefined;
      return {
        runId,
        runner,
        status,
        durationMs: performance.now() - t0,
        totalNodes: pipeline.nodes.length,
        completedNodes: source?.completed ?? 0,
        skippedNodes: skipped,
        // Built on first read: a run does not allocate one object per node for its report.
        get nodes(): NodeTiming[] {
          nodes ??= source?.timings() ?? [];
          return nodes;
        },
      };
    };
    let closed = false;
    try {
      await hooks.call('beforePipelineRun', base);
      let toRun = pipeline;
      if (options.onlyMissingOutputs) {
        const filtered = await filterMissingOutputs(pipeline, catalog, options.logger);
        toRun = filtered.pipeline;
        skipped = filtered.skipped;
      }
      warmUp(toRun, catalog);
      await execution.begin?.(toRun);
      const outputs: RunResult = {};
      const current = new Scheduler({
        pipeline: toRun,
        catalog,
        hooks,
        runId,
        runCtx,
        propagateContext,
        execution,
        options,
        t0,
        outputs,
      });
      sched = current;
      let failed = true;
      try {
        await current.done;
        failed = false;
      } finally {
        closed = true;
        await execution.close?.(current.abandoned, failed);
      }
      const finalReport = report('completed');
      options.logger?.info(
        `Pipeline execution completed successfully in ${(finalReport.durationMs / 1000).toFixed(1)} sec.`,
      );
      await hooks.call('afterPipelineRun', { ...base, runResult: outputs, report: finalReport });
      return { outputs, report: finalReport };
    } catch (error) {
      if (!closed) await execution.close?.(false, true);
      const status = RunCancelledError.is(error) ? 'cancelled' : 'failed';
      if (NodeFailedError.is(error) || RunCancelledError.is(error)) {
        options.logger?.warn(error.resume.message);
      }
      await hooks.call('onPipelineError', { ...base, error, report: report(status) });
      throw error;
    }
  }
}
