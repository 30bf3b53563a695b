/**
 * One run of the demo, end to end: raw data on first run, the filtered pipeline on the chosen
 * runner with the Prefect hooks (embedded or against a server), progress on the terminal, the
 * summary table, the HTML run report, and a plain explanation when something fails.
 *
 * @module
 */
import { relative } from 'node:path';
import { DistributedError, startLocalCluster } from '@weft/distributed';
import {
  ConsoleSink,
  ensureLogReceiver,
  flowRunLogger,
  generateRunName,
  type LogRecord,
  type LogSink,
  PrefectApiSink,
  PrefectClient,
  prefectHooks,
} from '@weft/prefect-bridge';
import {
  type AbstractRunner,
  type Hooks,
  NodeFailedError,
  ParallelRunner,
  type Pipeline,
  PipelineError,
  SequentialRunner,
  ThreadRunner,
} from '@weft/runner';
import { formatDuration, type RunRecord, RunRecorder, writeReport } from '@weft/viz';
import type { DemoOptions } from './cli.js';
import { DEMO_WORKER_ENV, failAtVar, tenantVar } from './demo-context.js';
import { NODES_MODULE, NOT_SET, type SpaceflightsReport } from './nodes.js';
import { createCatalog, createPipeline, PIPELINE_NAME } from './pipeline.js';
import { createProgress } from './progress.js';
import { ensureRawData } from './raw-data.js';
import { DEFAULT_CV_EXECUTOR, DEFAULT_MODEL_OPTIONS } from './spaceflights.js';
import { renderSummaryTable } from './summary-table.js';

/** Where the demo writes. */
export interface DemoIO {
  /** Summary table, metrics, report path. Default `process.stdout`. */
  readonly stdout?: { write(text: string): unknown; readonly isTTY?: boolean };
  /** Log lines and progress (Prefect writes its console logs to stderr). Default `process.stderr`. */
  readonly stderr?: { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  /** Folder that relative paths in messages are shown against; default the working directory. */
  readonly cwd?: string;
}

/** What a run gave. */
export interface DemoResult {
  /** 0 on success, 1 when the run failed, 2 for a usage problem. */
  readonly exitCode: number;
  /** The run as the summary table and the report show it. */
  readonly record: RunRecord | undefined;
  /** The JSON report the pipeline produced (when `build_report` ran). */
  readonly report: SpaceflightsReport | undefined;
  /** Where the HTML run report was written. */
  readonly reportPath: string | undefined;
  /** Every log record of the run (DEBUG included). */
  readonly records: readonly LogRecord[];
  /** The run's error, if it failed. */
  readonly error: unknown;
}

/** Keeps every record of the run, for the summary table and the run report. */
class CollectorSink implements LogSink {
  readonly level = 0;
  readonly records: LogRecord[] = [];
  write(record: LogRecord): void {
    this.records.push(record);
  }
}

/** The runner, and how to release what it holds (worker threads; the distributed runner's local cluster). */
async function createRunner(
  options: DemoOptions,
  log: (text: string) => void,
): Promise<{ runner: AbstractRunner; close: () => Promise<void> }> {
  const maxWorkers = options.maxWorkers === undefined ? {} : { maxWorkers: options.maxWorkers };
  switch (options.runner) {
    case 'sequential':
      return { runner: new SequentialRunner(), close: async () => {} };
    case 'thread':
      return { runner: new ThreadRunner(maxWorkers), close: async () => {} };
    case 'parallel': {
      const runner = new ParallelRunner({ module: NODES_MODULE, ...maxWorkers });
      return { runner, close: () => runner.close() };
    }
    case 'distributed': {
      // A local redis-server and weft-worker processes. The nodes' log records come back through
      // the runner's log channel and join the local ones in the console and the report; whatever
      // else the workers print is shown as it is.
      const cluster = await startLocalCluster({
        modules: NODES_MODULE,
        workers: options.maxWorkers ?? 2,
        worker: { stdio: 'pipe', env: { ...process.env, [DEMO_WORKER_ENV]: '1' } },
      });
      for (const w of cluster.workers) {
        for (const stream of [w.child.stdout, w.child.stderr]) {
          stream?.setEncoding('utf8');
          stream?.on('data', (text: string) => log(text));
        }
      }
      return { runner: cluster.runner, close: () => cluster.close() };
    }
  }
}

/** The cause chain of an error, outermost first. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (
    let e: unknown = error;
    e !== undefined && e !== null && !chain.includes(e);
    e = (e as { cause?: unknown }).cause
  ) {
    chain.push(e);
  }
  return chain;
}

/**
 * What a failure means, in words: for `--no-context`, why the node could not log (or read the
 * tenant); otherwise the error and where to resume.
 */
export function explainFailure(error: unknown, options: DemoOptions): string {
  const chain = causes(error);
  const missing = chain.find((e) => (e as { name?: unknown })?.name === 'MissingContextError') as
    | Error
    | undefined;
  const lookup = chain.find((e) => (e as { name?: unknown })?.name === 'LookupError') as Error | undefined;
  const node = error instanceof NodeFailedError ? error.node : undefined;
  const lines: string[] = [];
  if (missing !== undefined) {
    lines.push(
      `getRunLogger() raised MissingContextError in node '${node ?? '?'}': ${missing.message}`,
      '',
      'What breaks with context propagation off (--no-context):',
      `  - work a node hands to an executor runs in an empty context: the cross-validation fits of`,
      `    train_ridge_regression could not tell which flow run and task run their log lines belong`,
      `    to, so getRunLogger() refused to guess. This is Prefect's get_run_logger() inside a`,
      `    ThreadPoolExecutor (PrefectHQ/prefect#8652) and Kedro nodes running outside the caller's`,
      `    context (kedro-org/kedro#4515);`,
      `  - values set before the run do not reach the nodes: the tenant shows as '${NOT_SET}'.`,
      "The nodes' own lines still named their task run: the Prefect hooks bind it inside each node's",
      "own context. Run again without --no-context: the fits log under their node's task run and the",
      'tenant reaches every node, on every runner, worker threads included.',
    );
  } else if (lookup !== undefined) {
    lines.push(
      `Node '${node ?? '?'}' could not read a context variable: ${lookup.message}`,
      '',
      'Without context propagation (--no-context) the values set before the run (here the tenant) do not',
      'reach the nodes. Run again without --no-context.',
    );
  } else if (error instanceof NodeFailedError) {
    const cause =
      error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : String(error.cause);
    lines.push(`Run failed in node '${error.node}': ${cause}`);
  } else {
    lines.push(`Run failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
  if (error instanceof NodeFailedError && options.context) {
    if (error.resume.fromNodes.length > 0) {
      const from = `--from-nodes "${error.resume.fromNodes.join(',')}"`;
      lines.push(
        `${error.resume.remaining} nodes did not run; outputs already saved are kept. To resume, add ${from} to the command:`,
        `  npx pnpm@10.34.9 demo -- ${from}`,
      );
    } else {
      lines.push('No node finished: repeat the command to try again.');
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the demo once. Never throws for a failed pipeline: the result says what happened. */
export async function runDemo(options: DemoOptions, io: DemoIO = {}): Promise<DemoResult> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const cwd = io.cwd ?? process.cwd();
  const colour = stdout.isTTY === true && process.env.NO_COLOR === undefined;
  const show = (path: string) => relative(cwd, path) || '.';

  let pipeline: Pipeline;
  try {
    const full = createPipeline();
    const any = options.fromNodes.length + options.toNodes.length + options.tags.length > 0;
    pipeline = any
      ? full.filter({
          ...(options.fromNodes.length > 0 ? { fromNodes: options.fromNodes } : {}),
          ...(options.toNodes.length > 0 ? { toNodes: options.toNodes } : {}),
          ...(options.tags.length > 0 ? { tags: options.tags } : {}),
        })
      : full;
  } catch (error) {
    if (error instanceof PipelineError) {
      stderr.write(`error: ${error.message}\n`);
      return { exitCode: 2, record: undefined, report: undefined, reportPath: undefined, records: [], error };
    }
    throw error;
  }

  const raw = await ensureRawData(options.dataDir);
  if (raw.generated && raw.rows !== undefined) {
    stderr.write(
      `First run: generated synthetic input data in ${show(options.dataDir)}/01_raw (${raw.rows.companies} companies, ${raw.rows.shuttles} shuttles, ${raw.rows.reviews} reviews)\n`,
    );
  }

  const runId = crypto.randomUUID();

  const progress = createProgress({
    stream: stderr,
    ...(options.live === undefined ? {} : { live: options.live }),
    title: `${PIPELINE_NAME} · ${options.runner} runner`,
  });
  const flowRunName = generateRunName();
  const collector = new CollectorSink();
  const consoleSink = new ConsoleSink({ stream: { write: (text: string) => progress.log(text) } });
  // the run as the summary table and the HTML report show it, recorded by @weft/viz
  const recorder = new RunRecorder({
    history: false,
    projectDir: cwd,
    pipelineName: PIPELINE_NAME,
    runner: options.runner,
    ...(options.maxWorkers === undefined ? {} : { maxWorkers: options.maxWorkers }),
    reportedTo: options.prefectApiUrl ?? 'local (embedded, no server)',
    userContext: { tenant: options.tenant },
    resumeHint: (fromNodes) => `--from-nodes "${fromNodes.join(',')}"`,
    onEvent: (event) => {
      if (event.e === 'start') progress.nodeStarted(event.node);
      else if (event.e === 'end') progress.nodeFinished(event.node, event.status, event.durationMs);
    },
  });
  const client =
    options.prefectApiUrl === undefined ? null : new PrefectClient({ apiUrl: options.prefectApiUrl });
  // with --prefect the records also go to the server (batched, like Prefect's APILogWorker)
  const apiSink = client === null ? undefined : new PrefectApiSink({ client });
  const sinks: LogSink[] = [
    consoleSink,
    collector,
    recorder.logSink,
    ...(apiSink === undefined ? [] : [apiSink]),
  ];
  const hooks: Hooks[] = [
    prefectHooks({
      client,
      sinks,
      flowName: PIPELINE_NAME,
      flowRunName: () => flowRunName,
    }),
    recorder,
  ];
  // Start receiving records from worker threads before any worker exists.
  ensureLogReceiver();
  let runner: AbstractRunner;
  let closeRunner: () => Promise<void>;
  try {
    ({ runner, close: closeRunner } = await createRunner(options, (text) => progress.log(text)));
  } catch (error) {
    if (!(error instanceof DistributedError)) throw error;
    stderr.write(`error: ${error.message}\n`);
    await apiSink?.close();
    return { exitCode: 1, record: undefined, report: undefined, reportPath: undefined, records: [], error };
  }
  // --no-context turns propagation off everywhere the demo controls it: the runner, and the
  // executor train_ridge_regression hands its cross-validation fits to.
  const catalog = createCatalog(options.dataDir, DEFAULT_MODEL_OPTIONS, {
    ...DEFAULT_CV_EXECUTOR,
    propagate_context: options.context,
  });
  let outputs: Record<string, unknown> | undefined;
  let error: unknown;
  progress.start(pipeline.nodes.length);
  try {
    outputs = await tenantVar.run(options.tenant, () =>
      failAtVar.run(options.failAt ?? null, () =>
        runner.run(pipeline, catalog, {
          hooks,
          runId,
          onlyMissingOutputs: options.onlyMissing,
          propagateContext: options.context,
          logger: {
            // "Completed 3 out of 11 tasks" is what the progress display shows; the rest is logged
            info: (message) => {
              if (!/^Completed \d+ out of \d+ tasks$/.test(message))
                runnerLog(recorder.run(runId), 20, message);
            },
            warn: (message) => runnerLog(recorder.run(runId), 30, message),
          },
        }),
      ),
    );
  } catch (e) {
    error = e;
  } finally {
    progress.stop();
    await closeRunner();
    await apiSink?.close();
  }
  const record = recorder.run(runId);
  if (record === undefined) throw error ?? new Error(`The run ${runId} was not recorded`);
  const reportPath = options.reportPath;
  await writeReport(record, reportPath);

  stdout.write(`\n${renderSummaryTable(record, colour)}\n`);
  const jsonReport = outputs?.report as SpaceflightsReport | undefined;
  if (jsonReport !== undefined) {
    for (const [name, m] of Object.entries(jsonReport.models)) {
      stdout.write(
        `${name.padEnd(18)} R²=${m.r2.toFixed(4)}  MAE=${m.mae.toFixed(1)}  RMSE=${m.rmse.toFixed(1)}  (${m.n} test rows)\n`,
      );
    }
    stdout.write(
      `best model: ${jsonReport.best_model} · JSON report: ${show(`${options.dataDir}/08_reporting/report.json`)}\n`,
    );
  }
  const skippedCount = record.nodes.filter((n) => n.status === 'skipped').length;
  stdout.write(
    `${record.status === 'completed' ? 'Completed' : 'FAILED'}: ${record.nodes.filter((n) => n.status === 'completed').length} of ${record.nodes.length} nodes ran${skippedCount ? `, ${skippedCount} skipped (outputs exist)` : ''} in ${formatDuration(record.durationMs)} on the ${options.runner} runner` +
      `${record.flowRunName ? ` · flow run '${record.flowRunName}'` : ''}\n`,
  );
  stdout.write(`Run report: ${show(reportPath)} (open it in a browser: graph, statuses, each node's logs)\n`);
  if (error !== undefined) stderr.write(`\n${explainFailure(error, options)}`);
  return {
    exitCode: error === undefined ? 0 : 1,
    record,
    report: jsonReport,
    reportPath,
    records: collector.records,
    error,
  };
}

/** Runner lines (skips, resume hint, completion) go to the flow-run logger, so they look like the rest. */
function runnerLog(record: RunRecord | undefined, level: number, message: string): void {
  if (record?.flowRunId === undefined) return;
  flowRunLogger({
    id: record.flowRunId,
    name: record.flowRunName ?? PIPELINE_NAME,
    flowName: PIPELINE_NAME,
  }).log(level, message);
}
