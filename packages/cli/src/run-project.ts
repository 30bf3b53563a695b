/**
 * `runProject()`: one `weft run`, without the terminal. Loads the project (settings, conf/ YAML,
 * the pipeline registry), picks and filters the pipeline, builds the catalog, starts the runner
 * (and Prefect reporting), runs, and returns the run's record. Usage and configuration problems
 * throw a {@link CliError} (exit 2) before anything runs; a failed run resolves with exit code 1.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  AbstractFileDataset,
  type DataCatalog,
  type Hooks,
  type Node,
  NodeFailedError,
  NodeNotTransferableError,
  type Pipeline,
  PipelineFilterError,
  type PipelineFilterName,
  RunCancelledError,
  RunnerConfigError,
  type RunReport,
  type RunResult,
} from '@weft/runner';
import { describeErrorWithName, describeRunFailure } from '@weft/runner/extend';
import type { RunRecord as RecordedRun } from '@weft/viz';
import { deepMerge, loadConfig, type ProjectConfig } from './config-loader.js';
import { ConfigError, UsageError } from './errors.js';
import { unknownParamKeys } from './option-values.js';
import { type PrefectRequest, type PrefectSession, startPrefect } from './prefect-reporting.js';
import { buildCatalog, checkLoadVersions } from './project-catalog.js';
import {
  findModule,
  listNodeModules,
  loadPipelineRegistry,
  loadSettings,
  type ProjectSettings,
} from './project-modules.js';
import type { DatasetRecord, NodeRecord, RunEvent, RunEventListener, RunRecord } from './run-events.js';
import { createRunRecorder } from './run-recording.js';
import { createProjectRunner, type RunnerKind } from './runner-factory.js';
import { registerTypeScript } from './typescript-loader.js';

/** Options of {@link runProject}: `weft run`'s flags, as values. */
export interface RunProjectOptions {
  /** The project folder; default the working directory. */
  readonly projectDir?: string;
  /** Registered pipelines to run (their union); default `['__default__']`. */
  readonly pipelines?: readonly string[];
  /** Default `sequential` (Kedro's default). */
  readonly runner?: RunnerKind;
  readonly maxWorkers?: number;
  /** Kedro's `--nodes`. */
  readonly nodeNames?: readonly string[];
  readonly fromNodes?: readonly string[];
  readonly toNodes?: readonly string[];
  readonly fromInputs?: readonly string[];
  readonly toOutputs?: readonly string[];
  readonly tags?: readonly string[];
  /** Kedro's `--namespaces`. */
  readonly namespaces?: readonly string[];
  /** Runtime parameters, nested (`--params`): override `parameters*.yml`, feed `${runtime_params:…}`. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** The run environment (`--env`); default `local`. */
  readonly env?: string;
  /** The configuration folder (`--conf-source`); default `conf` in the project (or the settings'). */
  readonly confSource?: string;
  /** Pinned load versions (`--load-versions`). */
  readonly loadVersions?: Readonly<Record<string, string>>;
  readonly onlyMissingOutputs?: boolean;
  /** Report to a Prefect server (`--prefect`). */
  readonly prefect?: PrefectRequest;
  /** `false` runs nodes without the caller's context (`--no-context`). */
  readonly propagateContext?: boolean;
  /**
   * Trace the run with OpenTelemetry (`--otel [endpoint]`): a span for the run and one per node
   * (in worker threads and processes too, in one trace), exported over OTLP/HTTP to `tracesUrl`
   * (e.g. `http://127.0.0.1:4318/v1/traces`). The first traced run of a process sets the
   * exporter up; later runs of the process must use the same URL.
   */
  readonly otel?: { readonly tracesUrl: string; readonly serviceName?: string };
  /** Distributed runner: an existing cluster's Redis and shared storage. */
  readonly redisUrl?: string;
  readonly storage?: string;
  /** More hook objects, after the project's (`settings.ts`) and weft's own. */
  readonly hooks?: readonly Hooks[];
  /** Receives the run's events (a terminal display, a recorder, a viewer). */
  readonly onEvent?: RunEventListener;
  readonly runId?: string;
  /** The command line as typed, kept in the record. */
  readonly command?: string;
  /** Cancels the run. */
  readonly signal?: AbortSignal;
  /** The flow run name (Prefect); default a generated `adjective-animal` name. */
  readonly flowRunName?: string;
  /**
   * Append the run to the project's run history (`.weft/runs/`), which `weft viz` shows live and
   * later. Default true (`weft run --no-history`: false). The run is recorded in memory either way
   * ({@link RunProjectResult.recorded}).
   */
  readonly history?: boolean;
  /**
   * How a failed run is resumed, worded from Kedro's suggested nodes, as the run history and the
   * report show it. Default `weft run --from-nodes "a,b"`.
   */
  readonly resumeHint?: (fromNodes: readonly string[]) => string;
  /**
   * Register tsx in this thread before importing a TypeScript project (as the `weft` command
   * does). Default true; false when the process already loads TypeScript its own way.
   */
  readonly typescript?: boolean;
}

/** What {@link runProject} resolves to. */
export interface RunProjectResult {
  /** 0 when the run completed (and, with `required` Prefect, was reported), 1 otherwise. */
  readonly exitCode: 0 | 1;
  readonly record: RunRecord;
  readonly report: RunReport | undefined;
  /** The free outputs' data. */
  readonly outputs: RunResult;
  /** The run's error (a `NodeFailedError`, …) when it failed. */
  readonly error?: unknown;
  /**
   * The run as `@weft/viz` recorded it (graph, statuses, threads, Prefect task runs, log lines):
   * what `weft viz` and the HTML report (`writeReport` of `@weft/viz`) show.
   */
  readonly recorded: RecordedRun | undefined;
  /** The run's id in the run history (`.weft/runs/<historyId>.jsonl`), when it was written there. */
  readonly historyId?: string;
}

/** A loaded project: what `weft run` (and a viewer) works from. */
export interface LoadedProject {
  readonly dir: string;
  readonly name: string;
  readonly settings: ProjectSettings;
  readonly config: ProjectConfig;
  /** `parameters*.yml` with the runtime parameters merged in. */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly pipelines: Readonly<Record<string, Pipeline>>;
  /** The registry module, as shown (`src/pipeline-registry.ts`). */
  readonly registryFile: string;
  /** Runtime parameter keys that `parameters*.yml` does not have (added, as Kedro does). */
  readonly unknownParams: readonly string[];
}

/** Options of {@link loadProject}. */
export type LoadProjectOptions = Pick<
  RunProjectOptions,
  'projectDir' | 'env' | 'confSource' | 'params' | 'typescript'
>;

async function projectName(dir: string): Promise<string> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
    if (typeof manifest.name === 'string' && manifest.name !== '')
      return manifest.name.replace(/^@[^/]+\//, '');
  } catch {}
  return basename(dir);
}

async function usesPrefectBridge(dir: string): Promise<boolean> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    return ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'].some(
      (k) => manifest[k]?.['@weft/prefect-bridge'] !== undefined,
    );
  } catch {
    return false;
  }
}

/**
 * Loads a project: settings, configuration (with `params` as runtime parameters) and the
 * registered pipelines.
 *
 * @throws {CliError} for a bad configuration or registry (exit 2), with file and line.
 */
export async function loadProject(options: LoadProjectOptions = {}): Promise<LoadedProject> {
  const dir = resolve(options.projectDir ?? process.cwd());
  if (options.typescript !== false) {
    const modules = [await findModule(dir, 'settings'), await findModule(dir, 'pipeline-registry')];
    if (modules.some((m) => m !== undefined && /\.[mc]?ts$/.test(m))) registerTypeScript();
  }
  const { settings } = await loadSettings(dir);
  const confSource =
    options.confSource !== undefined ? resolve(options.confSource) : join(dir, settings.confSource ?? 'conf');
  const params = options.params ?? {};
  const config = await loadConfig({
    confSource,
    env: options.env,
    runtimeParams: params,
    displayRoot: dir,
    ...(settings.mergeStrategy === undefined ? {} : { mergeStrategy: settings.mergeStrategy }),
  });
  const registry = await loadPipelineRegistry(dir);
  return {
    dir,
    name: await projectName(dir),
    settings,
    config,
    parameters: deepMerge(config.parameters, params),
    pipelines: registry.pipelines,
    registryFile: registry.file,
    unknownParams: unknownParamKeys(config.parameters, params),
  };
}

/** The command-line flag of each pipeline filter. */
export const FILTER_FLAGS: Readonly<Record<PipelineFilterName, string>> = {
  tags: '--tags',
  fromNodes: '--from-nodes',
  toNodes: '--to-nodes',
  nodeNames: '--nodes',
  fromInputs: '--from-inputs',
  toOutputs: '--to-outputs',
  nodeNamespaces: '--namespaces',
};

const WHAT: Readonly<Record<PipelineFilterName, string>> = {
  tags: 'tag',
  fromNodes: 'node',
  toNodes: 'node',
  nodeNames: 'node',
  fromInputs: 'dataset',
  toOutputs: 'dataset',
  nodeNamespaces: 'namespace',
};

/**
 * The pipeline to run: the union of the named pipelines, filtered as Kedro's `--tags`, `--nodes`,
 * … do (each filter on the whole pipeline, results intersected).
 *
 * @throws {UsageError} naming an unknown pipeline, node, tag, namespace or dataset, with the valid ones.
 */
export function selectPipeline(project: LoadedProject, options: RunProjectOptions): Pipeline {
  const names =
    options.pipelines === undefined || options.pipelines.length === 0 ? ['__default__'] : options.pipelines;
  const registered = Object.keys(project.pipelines).sort();
  const unknown = names.filter((n) => !Object.hasOwn(project.pipelines, n));
  if (unknown.length > 0) {
    const first = unknown[0] as string;
    throw new UsageError(
      first === '__default__' && options.pipelines === undefined
        ? `${project.registryFile} registers no '__default__' pipeline; name one with --pipeline. Pipelines: ${registered.join(', ') || 'none'}`
        : `--pipeline: no pipeline named ${unknown.map((n) => `'${n}'`).join(', ')} in ${project.registryFile}. Pipelines: ${registered.join(', ') || 'none'}`,
    );
  }
  let pipeline = project.pipelines[names[0] as string] as Pipeline;
  for (const n of names.slice(1)) pipeline = pipeline.add(project.pipelines[n] as Pipeline);
  const filters = {
    ...nonEmpty('tags', options.tags),
    ...nonEmpty('fromNodes', options.fromNodes),
    ...nonEmpty('toNodes', options.toNodes),
    ...nonEmpty('nodeNames', options.nodeNames),
    ...nonEmpty('fromInputs', options.fromInputs),
    ...nonEmpty('toOutputs', options.toOutputs),
    ...nonEmpty('nodeNamespaces', options.namespaces),
  };
  if (Object.keys(filters).length === 0) {
    if (pipeline.nodes.length === 0) throw new UsageError(`pipeline ${names.join(', ')} has no nodes`);
    return pipeline;
  }
  try {
    return pipeline.filter(filters);
  } catch (error) {
    if (!PipelineFilterError.is(error)) throw error;
    if (error.filter !== undefined) {
      const what = WHAT[error.filter];
      const list =
        error.available.length === 0
          ? `the pipeline has no ${what}s`
          : `${what[0]?.toUpperCase()}${what.slice(1)}s: ${shortList(error.available)}`;
      throw new UsageError(
        `${FILTER_FLAGS[error.filter]}: no ${what}${error.unknown.length > 1 ? 's' : ''} named ${error.unknown.map((u) => `'${u}'`).join(', ')} in pipeline ${names.join(', ')}. ${list}`,
        { cause: error },
      );
    }
    const given = Object.entries(error.applied)
      .map(([k, v]) => `${FILTER_FLAGS[k as PipelineFilterName]} ${(v as string[]).join(',')}`)
      .join(' and ');
    throw new UsageError(`${given}: each selects nodes, but no node is selected by all of them`, {
      cause: error,
    });
  }
}

function nonEmpty<K extends PipelineFilterName>(
  key: K,
  value: readonly string[] | undefined,
): Partial<Record<K, readonly string[]>> {
  return value === undefined || value.length === 0 ? {} : ({ [key]: value } as Record<K, readonly string[]>);
}

function shortList(names: readonly string[]): string {
  const shown = names.slice(0, 30);
  return `${shown.join(', ')}${names.length > shown.length ? `, … (${names.length} in all)` : ''}`;
}

function datasetRecords(pipeline: Pipeline, catalog: DataCatalog): DatasetRecord[] {
  return [...pipeline.datasets()].sort().map((name) => {
    const ds = catalog.get(name);
    if (ds === undefined) return { name, type: 'MemoryDataset', versioned: false };
    return {
      name,
      type: ds.constructor.name,
      ...(ds instanceof AbstractFileDataset ? { filepath: ds.filepath } : {}),
      versioned: ds instanceof AbstractFileDataset && ds.versioned,
      ...(ds.metadata === undefined ? {} : { metadata: ds.metadata }),
    };
  });
}

/** Node and dataset hooks that keep the record and emit the events. */
class RunTracker implements Hooks {
  readonly #record: RunRecord;
  readonly #byName: Map<string, NodeRecord>;
  readonly #pendingSaves = new Map<string, number>();
  readonly #started = new Map<string, number>();
  readonly #emit: (event: RunEvent) => void;
  readonly #prefect: PrefectSession | undefined;
  readonly #t0: number;
  readonly #catalog: DataCatalog;
  report: RunReport | undefined;

  constructor(
    record: RunRecord,
    catalog: DataCatalog,
    emit: (event: RunEvent) => void,
    prefect: PrefectSession | undefined,
    t0: number,
  ) {
    this.#record = record;
    this.#byName = new Map(record.nodes.map((n) => [n.name, n]));
    this.#emit = emit;
    this.#prefect = prefect;
    this.#t0 = t0;
    this.#catalog = catalog;
  }

  beforeDatasetLoaded({ node, datasetName }: { node: Node; datasetName: string }): void {
    this.#start(node);
    this.#emit({ type: 'dataset-loaded', dataset: datasetName, node: node.name });
  }

  beforeNodeRun({ node }: { node: Node }): void {
    this.#start(node);
    const n = this.#byName.get(node.name);
    const taskRun = this.#prefect?.currentTaskRun();
    if (n !== undefined && taskRun !== undefined) n.taskRun = taskRun;
  }

  afterNodeRun({ node }: { node: Node }): void {
    if (node.outputs.length === 0 || node.streaming) this.#finish(node.name, 'completed');
  }

  afterDatasetSaved({ node, datasetName }: { node: Node; datasetName: string }): void {
    const ds = this.#catalog.get(datasetName);
    let version: string | undefined;
    if (ds instanceof AbstractFileDataset && ds.versioned) {
      version = ds.resolveSaveVersion() as string;
      if (!this.#record.savedVersions.some((v) => v.dataset === datasetName)) {
        this.#record.savedVersions.push({
          dataset: datasetName,
          version,
          path: join(ds.filepath, version, basename(ds.filepath)),
        });
      }
    }
    this.#emit({
      type: 'dataset-saved',
      dataset: datasetName,
      node: node.name,
      ...(version === undefined ? {} : { version }),
    });
    if (node.streaming) return;
    const left = (this.#pendingSaves.get(node.name) ?? 0) - 1;
    this.#pendingSaves.set(node.name, left);
    if (left === 0) this.#finish(node.name, 'completed');
  }

  onNodeError({ node, error }: { node: Node; error: unknown }): void {
    const n = this.#byName.get(node.name);
    if (n !== undefined) n.error = describeErrorWithName(error);
    this.#finish(node.name, 'failed', error);
  }

  afterPipelineRun({ report }: { report: RunReport }): void {
    this.report = report;
  }

  onPipelineError({ report }: { report: RunReport }): void {
    this.report = report;
  }

  #start(node: Node): void {
    const n = this.#byName.get(node.name);
    if (n === undefined || n.status === 'running') return;
    n.status = 'running';
    const now = performance.now();
    n.startMs = now - this.#t0;
    this.#started.set(node.name, now);
    this.#pendingSaves.set(node.name, node.outputs.length);
    this.#emit({ type: 'node-start', node: n });
  }

  #finish(name: string, status: 'completed' | 'failed', error?: unknown): void {
    const n = this.#byName.get(name);
    if (n === undefined || (n.status !== 'running' && status === 'completed')) return;
    if (n.status === 'failed') return;
    n.status = status;
    const started = this.#started.get(name);
    if (started !== undefined) n.durationMs = performance.now() - started;
    this.#emit({ type: 'node-end', node: n, ...(error === undefined ? {} : { error }) });
  }
}

/**
 * Runs a project as `weft run` does, without the terminal: events go to `onEvent`.
 *
 * @example
 * ```ts
 * const { exitCode, record } = await runProject({ projectDir: '.', runner: 'thread', tags: ['daily'] });
 * ```
 * @throws {CliError} (exit code 2) for a usage or configuration problem, before any node runs.
 */
export async function runProject(options: RunProjectOptions = {}): Promise<RunProjectResult> {
  const listener = options.onEvent;
  const emit = (event: RunEvent) => {
    if (listener === undefined) {
      if (event.type === 'log') process.stderr.write(`${event.text}\n`);
      return;
    }
    try {
      listener(event);
    } catch (error) {
      process.stderr.write(
        `weft: an onEvent listener threw on '${event.type}': ${describeErrorWithName(error)}\n`,
      );
    }
  };
  const log = (text: string, level: 'info' | 'warning' = 'info') => emit({ type: 'log', level, text });

  const project = await loadProject(options);
  for (const key of project.unknownParams) {
    log(`--params: '${key}' is not in the project's parameters; it is added (check the spelling)`, 'warning');
  }
  const pipeline = selectPipeline(project, options);
  const loadVersions = options.loadVersions ?? {};
  const catalog = buildCatalog({
    projectDir: project.dir,
    config: project.config,
    parameters: project.parameters,
    loadVersions,
    datasetTypes: project.settings.datasetTypes ?? {},
  });
  const missing = [...pipeline.inputs()].filter((name) => !catalog.has(name)).sort();
  if (missing.length > 0) {
    const reasons = missing.map((m) => {
      const why = catalog.describeMissingParameter(m);
      return why === undefined ? `'${m}'` : `'${m}' (${why})`;
    });
    throw new ConfigError(
      `the pipeline reads ${reasons.join(', ')}, which nothing provides: no node writes ${missing.length > 1 ? 'them' : 'it'} and the catalog (conf/*/catalog.yml) has no such entry${missing.some((m) => m.startsWith('params:')) ? ' (parameters come from conf/*/parameters*.yml)' : ''}`,
      undefined,
      { code: 'ERR_CLI_MISSING_INPUTS' },
    );
  }
  const written = new Set(pipeline.nodes.flatMap((n) => n.outputs));
  await checkLoadVersions(catalog, loadVersions, written);
  for (const name of Object.keys(loadVersions)) {
    if (written.has(name)) {
      log(
        `--load-versions ${name}:${loadVersions[name]}: this run also writes '${name}'; the nodes after it read the pinned version, not the one this run saves`,
        'warning',
      );
    }
  }

  const runId = options.runId ?? crypto.randomUUID();
  const runnerKind = options.runner ?? 'sequential';
  const propagateContext = options.propagateContext !== false;
  const nodeModules =
    runnerKind === 'parallel' || runnerKind === 'distributed'
      ? await listNodeModules(project.dir, project.settings)
      : [];
  // Before the runner: its worker threads and processes set tracing up from the environment.
  const otel =
    options.otel === undefined
      ? undefined
      : await (await import('./otel-tracing.js')).startOtelTracing({
          tracesUrl: options.otel.tracesUrl,
          serviceName: options.otel.serviceName ?? project.name,
        });
  let runner: Awaited<ReturnType<typeof createProjectRunner>>;
  try {
    runner = await createProjectRunner({
      kind: runnerKind,
      maxWorkers: options.maxWorkers,
      nodeModules,
      redisUrl: options.redisUrl,
      storage: options.storage,
      log: (line) => log(line),
    });
  } catch (error) {
    if (RunnerConfigError.is(error)) {
      throw new ConfigError(`--runner ${runnerKind}: ${error.message}`, undefined, { cause: error });
    }
    throw error;
  }
  let prefect: PrefectSession | undefined;
  try {
    const wantsPrefect = options.prefect !== undefined || (await usesPrefectBridge(project.dir));
    const pipelines =
      options.pipelines === undefined || options.pipelines.length === 0
        ? ['__default__']
        : [...options.pipelines];
    if (wantsPrefect) {
      const { generateRunName } = await import('@weft/prefect-bridge');
      prefect = await startPrefect({
        request: options.prefect,
        flowName: project.name,
        flowRunName: options.flowRunName ?? generateRunName(),
        tags: ['weft', ...pipelines.map((p) => `pipeline:${p}`), `env:${project.config.env}`],
        log: (line) => log(line),
      });
    }
    const t0 = performance.now();
    const record: RunRecord = {
      runId,
      projectDir: project.dir,
      project: project.name,
      pipelines,
      env: project.config.env,
      runner: runnerKind,
      runnerDescription: runner.description,
      propagateContext,
      ...(options.command === undefined ? {} : { command: options.command }),
      status: 'running',
      startedAt: new Date().toISOString(),
      nodes: pipeline.nodes.map((n) => ({
        name: n.name,
        inputs: n.inputs,
        outputs: n.outputs,
        tags: [...n.tags].sort(),
        namespace: n.namespace,
        status: 'pending',
      })),
      datasets: datasetRecords(pipeline, catalog),
      saveVersion: catalog.saveVersion,
      savedVersions: [],
      loadVersions,
      skipped: [],
    };
    const tracker = new RunTracker(record, catalog, emit, prefect, t0);
    // after the Prefect hooks: the recorder reads the flow run and task runs they bind
    const recorder = await createRunRecorder({
      projectDir: project.dir,
      project: project.name,
      pipelines,
      runner: runner.description,
      maxWorkers: options.maxWorkers,
      env: project.config.env,
      command: options.command,
      reportedTo: prefect?.reportedTo,
      history: options.history !== false,
      catalogConfig: project.config.catalog,
      resumeHint: options.resumeHint ?? ((fromNodes) => `weft run --from-nodes "${fromNodes.join(',')}"`),
      warn: (text) => log(text, 'warning'),
    });
    emit({ type: 'run-start', record, pipeline });
    const hooks: Hooks[] = [
      ...(prefect === undefined ? [] : [prefect.hooks]),
      // after the Prefect hooks: the spans carry the flow run and task run ids
      ...(otel?.hooks ?? []),
      tracker,
      recorder,
      ...(project.settings.hooks ?? []),
      ...(options.hooks ?? []),
    ];
    // Kedro's skip lines, under the flow run when there is one (so the run history keeps them too)
    const runnerLine = (level: 'info' | 'warning', message: string) => {
      if (!/^(Skipping|Running \d+ out of)/.test(message)) return;
      if (prefect?.logFlow(runId, level, message) !== true) log(message, level);
    };
    let outputs: RunResult = {};
    let error: unknown;
    try {
      const outcome = await runner.runner.runWithReport(pipeline, catalog, {
        hooks,
        runId,
        onlyMissingOutputs: options.onlyMissingOutputs === true,
        propagateContext,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        logger: {
          // Kedro's skip lines only; progress, completion and the resume hint are the summary's.
          info: (m) => runnerLine('info', m),
          warn: (m) => runnerLine('warning', m),
        },
      });
      outputs = outcome.outputs;
      tracker.report = outcome.report;
    } catch (e) {
      error = e;
    }
    if (NodeNotTransferableError.is(error) || RunnerConfigError.is(error)) {
      throw new ConfigError(
        NodeNotTransferableError.is(error)
          ? `${error.message} (weft gives the ${runnerKind} runner the modules under src/; set nodeModules in src/settings.ts to choose them)`
          : error.message,
        undefined,
        { cause: error },
      );
    }
    const report = tracker.report;
    record.durationMs = report?.durationMs ?? performance.now() - t0;
    record.skipped = [...(report?.skippedNodes ?? [])];
    const skipped = new Set(record.skipped);
    for (const n of record.nodes) if (skipped.has(n.name)) n.status = 'skipped';
    for (const t of report?.nodes ?? []) {
      const n = record.nodes.find((x) => x.name === t.node);
      if (n === undefined) continue;
      n.status = t.status;
      n.startMs = t.startMs;
      n.durationMs = t.durationMs;
    }
    for (const n of record.nodes) if (n.status === 'running' || n.status === 'pending') n.status = 'not-run';
    if (error === undefined) record.status = 'completed';
    else {
      record.status = RunCancelledError.is(error) ? 'cancelled' : 'failed';
      record.error = describeRunFailure(error);
      if (NodeFailedError.is(error) || RunCancelledError.is(error)) {
        record.resume = { fromNodes: [...error.resume.fromNodes], remaining: error.resume.remaining };
      }
    }
    const recorded = recorder.run(runId);
    for (const n of recorded?.nodes ?? []) {
      const own = record.nodes.find((x) => x.name === n.name);
      if (own !== undefined && n.thread !== undefined) own.thread = n.thread;
    }
    const historyId = recorder.historyId(runId);
    if (prefect !== undefined) record.prefect = await prefect.finish(runId, error === undefined);
    if (otel !== undefined) {
      record.trace = { traceId: otel.traceId(), exportedTo: otel.tracesUrl };
      const problem = await otel.flush();
      if (problem !== undefined) record.trace.problem = problem;
    }
    const notReported =
      options.prefect?.required === true && record.prefect !== undefined && !record.prefect.reported;
    emit({ type: 'run-end', record, report, outputs, ...(error === undefined ? {} : { error }) });
    return {
      exitCode: error === undefined && !notReported ? 0 : 1,
      record,
      report,
      outputs,
      ...(error === undefined ? {} : { error }),
      recorded,
      ...(historyId === undefined ? {} : { historyId }),
    };
  } finally {
    await runner.close();
  }
}
