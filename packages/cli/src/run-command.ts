/**
 * `weft run`: Kedro's `kedro run` flags plus Weft's own, parsed with commander, then
 * {@link runProject} with the terminal display, the summary and, after a failure, the command
 * that resumes the run.
 *
 * @module
 */
import { constants } from 'node:fs';
import { access, mkdir, realpath, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeFailedError, RunCancelledError, RunnerError } from '@weft/runner';
import { describeErrorWithName } from '@weft/runner/extend';
import type { RunRecord as RecordedRun } from '@weft/viz';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { explainContextFailure, NO_CONTEXT_NOTE } from './context-explanation.js';
import { errorStack } from './error-text.js';
import { UsageError } from './errors.js';
import { parseLoadVersions, parseParams, splitList } from './option-values.js';
import { DEFAULT_OTLP_ENDPOINT, otlpTracesUrl } from './otel-endpoint.js';
import { createProgressDisplay } from './progress-display.js';
import type { RunEvent, RunRecord } from './run-events.js';
import { type RunProjectOptions, runProject } from './run-project.js';
import { renderResume, renderSummary, resumeCommand, showPath } from './run-summary.js';
import { RUNNER_KINDS, type RunnerKind } from './runner-factory.js';

/** Where `weft` writes, and the environment it reads. */
export interface CliIO {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted to stop the run (the bin aborts it on the first Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** The flags of `weft run`, as commander gives them. */
interface RunFlags {
  runner?: string;
  maxWorkers?: number;
  pipeline?: string[];
  pipelines?: string[];
  nodes?: string[];
  fromNodes?: string[];
  toNodes?: string[];
  fromInputs?: string[];
  toOutputs?: string[];
  tags?: string[];
  namespace?: string[];
  namespaces?: string[];
  params?: string[];
  env?: string;
  confSource?: string;
  loadVersions?: string[];
  onlyMissingOutputs?: boolean;
  prefect?: string | boolean;
  prefectRequired?: boolean;
  context: boolean;
  history: boolean;
  report?: string;
  otel?: string | boolean;
  redisUrl?: string;
  storage?: string;
}

const KEDRO_RUNNERS: Readonly<Record<string, RunnerKind>> = {
  sequentialrunner: 'sequential',
  threadrunner: 'thread',
  parallelrunner: 'parallel',
  distributedrunner: 'distributed',
};

function runnerKind(value: string): RunnerKind {
  const v = value.trim();
  if ((RUNNER_KINDS as readonly string[]).includes(v)) return v as RunnerKind;
  const kedro = KEDRO_RUNNERS[v.toLowerCase()];
  if (kedro !== undefined) return kedro;
  throw new InvalidArgumentError(
    `use one of ${RUNNER_KINDS.join(', ')} (or Kedro's SequentialRunner, ThreadRunner, ParallelRunner).`,
  );
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('must be a positive integer.');
  }
  return n;
}

function list(value: string, previous: string[] = []): string[] {
  return [...previous, ...splitList(value)];
}

function repeat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Defines `weft run` on `program`; `onRun` receives the parsed flags and the raw arguments. */
export function defineRunCommand(
  program: Command,
  onRun: (flags: RunFlags, args: string[]) => Promise<void>,
): Command {
  const command = program
    .command('run')
    .summary("run the project's pipeline (Kedro's kedro run)")
    .description(
      "Runs the project's pipeline: conf/base overlaid by conf/local (or --env), the pipelines of " +
        'src/pipeline-registry.ts, versioned datasets as Kedro keeps them. Exit status: 0 the run ' +
        'completed, 1 it failed (the command that resumes it is printed), 2 a usage or configuration error.',
    )
    .optionsGroup('What to run:')
    .option(
      '-p, --pipeline <names>',
      "registered pipeline(s) to run (comma-separated; default '__default__')",
      list,
    )
    .addOption(new Option('--pipelines <names>').argParser(list).hideHelp())
    .option('-n, --nodes <names>', 'only these nodes (comma-separated)', list)
    .option('--from-nodes <names>', 'these nodes and everything downstream of them', list)
    .option('--to-nodes <names>', 'these nodes and everything upstream of them', list)
    .option('--from-inputs <datasets>', 'the nodes reading these datasets, and everything downstream', list)
    .option('--to-outputs <datasets>', 'the nodes writing these datasets, and everything upstream', list)
    .option('-t, --tags <tags>', 'only nodes with any of these tags (comma-separated; repeatable)', list)
    .option('--namespaces <names>', 'only nodes in these namespaces (and below)', list)
    .addOption(new Option('--namespace <names>').argParser(list).hideHelp())
    .option('--only-missing-outputs', "skip nodes whose persisted outputs all exist (Kedro's rules)")
    .optionsGroup('Configuration:')
    .option('-e, --env <name>', "configuration environment overlaying conf/base (default 'local')")
    .option('--conf-source <folder>', 'configuration folder (default conf/ in the project)')
    .option(
      '--params <key=value,...>',
      'override parameters (values typed as YAML: 0.5, true, [1, 2]; dots for nested keys: model.alpha=0.1; repeatable)',
      repeat,
    )
    .option(
      '--load-versions <dataset:version,...>',
      'load these versions of versioned datasets (repeatable)',
      repeat,
    )
    .optionsGroup('How to run:')
    .addOption(
      new Option(
        '-r, --runner <kind>',
        'sequential (default), thread (async, one thread), parallel (worker threads), distributed (worker processes over Redis)',
      ).argParser(runnerKind),
    )
    .option(
      '-w, --max-workers <n>',
      'most nodes at once (thread, parallel); worker processes (distributed, default 2)',
      positiveInt,
    )
    .option('--no-context', "run nodes without the caller's context (to see what breaks without propagation)")
    .option(
      '--redis-url <url>',
      'distributed: use the workers serving this Redis instead of starting local ones',
    )
    .option('--storage <folder>', "distributed with --redis-url: the workers' shared storage folder")
    .optionsGroup('Reporting:')
    .option(
      '--prefect [url]',
      'report the run to a Prefect server (default $PREFECT_API_URL, else http://127.0.0.1:4200/api)',
    )
    .option(
      '--prefect-required',
      'with --prefect: do not run when the server cannot be reached; fail when the run was not reported',
    )
    .option(
      '--otel [endpoint]',
      `export the run's OpenTelemetry trace over OTLP/HTTP (default $OTEL_EXPORTER_OTLP_ENDPOINT, else ${DEFAULT_OTLP_ENDPOINT})`,
    )
    .option(
      '--report <path>',
      'write the run: <path>.html a self-contained report (graph, statuses, each node’s logs), <path>.json the run record (nodes, statuses, durations, versions, Prefect links)',
    )
    .option(
      '--no-history',
      "do not record the run in the project's run history (.weft/runs/, what weft viz shows)",
    )
    .helpOption('-h, --help', 'show this help')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  weft run\n' +
        '  weft run --runner parallel --max-workers 4\n' +
        '  weft run --pipeline data_science --tags training --params model.alpha=0.1\n' +
        '  weft run --env prod --load-versions companies:2026-12-01T09.00.00.000Z\n' +
        '  weft run --from-nodes split_data --only-missing-outputs\n' +
        '  weft run --prefect http://127.0.0.1:4200/api\n' +
        '  weft run --report data/08_reporting/run-report.html\n' +
        '  weft run --runner parallel --otel http://127.0.0.1:4318\n',
    )
    .allowExcessArguments(false)
    .action(async (flags: RunFlags, cmd: Command) => {
      await onRun(flags, cmd.parent === null ? [] : rawRunArgs(cmd));
    });
  return command;
}

/** The arguments given after `run`, as typed. */
function rawRunArgs(cmd: Command): string[] {
  const raw = (cmd.parent as Command & { rawArgs?: string[] }).rawArgs ?? [];
  const at = raw.indexOf('run');
  return at === -1 ? [] : raw.slice(at + 1);
}

/** Turns `weft run`'s flags into {@link RunProjectOptions}. @throws {UsageError} */
export function toRunOptions(flags: RunFlags, io: CliIO): RunProjectOptions & { reportPath?: string } {
  if (flags.prefectRequired && flags.prefect === undefined) {
    throw new UsageError('--prefect-required goes with --prefect');
  }
  if (flags.report !== undefined && !/\.(json|html?)$/i.test(flags.report)) {
    throw new UsageError(
      `--report ${flags.report}: name a .html file (the run report) or a .json file (the run record)`,
    );
  }
  const pipelines = [...(flags.pipeline ?? []), ...(flags.pipelines ?? [])];
  const namespaces = [...(flags.namespaces ?? []), ...(flags.namespace ?? [])];
  const opt = <K extends keyof RunProjectOptions>(key: K, value: RunProjectOptions[K] | undefined) =>
    value === undefined ? {} : ({ [key]: value } as Pick<RunProjectOptions, K>);
  return {
    projectDir: io.cwd,
    ...opt('pipelines', pipelines.length > 0 ? pipelines : undefined),
    ...opt('runner', flags.runner as RunnerKind | undefined),
    ...opt('maxWorkers', flags.maxWorkers),
    ...opt('nodeNames', flags.nodes),
    ...opt('fromNodes', flags.fromNodes),
    ...opt('toNodes', flags.toNodes),
    ...opt('fromInputs', flags.fromInputs),
    ...opt('toOutputs', flags.toOutputs),
    ...opt('tags', flags.tags),
    ...opt('namespaces', namespaces.length > 0 ? namespaces : undefined),
    ...opt('params', flags.params === undefined ? undefined : parseParams(flags.params)),
    ...opt('env', flags.env),
    ...opt('confSource', flags.confSource === undefined ? undefined : resolve(io.cwd, flags.confSource)),
    ...opt(
      'loadVersions',
      flags.loadVersions === undefined ? undefined : parseLoadVersions(flags.loadVersions),
    ),
    ...opt('onlyMissingOutputs', flags.onlyMissingOutputs),
    ...opt(
      'prefect',
      flags.prefect === undefined
        ? undefined
        : {
            ...(typeof flags.prefect === 'string' ? { apiUrl: flags.prefect } : {}),
            required: flags.prefectRequired === true,
          },
    ),
    propagateContext: flags.context,
    ...(flags.history === false ? { history: false } : {}),
    ...opt('redisUrl', flags.redisUrl),
    ...opt('storage', flags.storage === undefined ? undefined : resolve(io.cwd, flags.storage)),
    ...(flags.report === undefined ? {} : { reportPath: resolve(io.cwd, flags.report) }),
    ...(flags.otel === undefined || flags.otel === false
      ? {}
      : { otel: { tracesUrl: otlpTracesUrl(flags.otel === true ? undefined : flags.otel, io.env) } }),
  };
}

/**
 * How to type `weft` here: `weft` when the one on PATH is this one, else `npx weft` (which finds
 * the project's own).
 */
export async function programName(env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const self = await realpath(fileURLToPath(new URL('../bin/weft.js', import.meta.url))).catch(
    () => undefined,
  );
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'weft');
    try {
      await access(candidate, constants.X_OK);
      const real = await realpath(candidate);
      if (self !== undefined && real === self) return 'weft';
      return 'npx weft';
    } catch {}
  }
  return 'npx weft';
}

/** Runs `weft run` with parsed flags; returns the exit status. */
export async function executeRun(flags: RunFlags, args: readonly string[], io: CliIO): Promise<number> {
  const options = toRunOptions(flags, io);
  const colour = io.stdout.isTTY === true && io.env.NO_COLOR === undefined;
  const display = createProgressDisplay(io.stderr, {
    colour: io.stderr.isTTY === true && io.env.NO_COLOR === undefined,
  });
  const command = `weft run${args.length > 0 ? ` ${args.join(' ')}` : ''}`;
  const program = await programName(io.env);
  let result: Awaited<ReturnType<typeof runProject>>;
  const onAbort = () =>
    display.handle({
      type: 'log',
      level: 'warning',
      text: 'weft: stopping the run (Ctrl-C again to quit at once)',
    });
  io.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    result = await runProject({
      ...options,
      command,
      resumeHint: (fromNodes) => resumeCommand(`${program} run`, args, fromNodes),
      onEvent: (event: RunEvent) => display.handle(event),
      ...(io.signal === undefined ? {} : { signal: io.signal }),
    });
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
    display.stop();
  }
  const { record, error } = result;
  io.stdout.write(`\n${renderSummary(record, { colour, cwd: io.cwd })}`);
  let reportFailed = false;
  if (options.reportPath !== undefined) {
    try {
      await writeReport(options.reportPath, result, io);
    } catch (problem) {
      reportFailed = true;
      const cause = (problem as { cause?: unknown }).cause;
      io.stderr.write(
        `weft: error: cannot write ${showPath(options.reportPath, io.cwd)}: ${describeErrorWithName(cause ?? problem)}\n`,
      );
    }
  }
  if (error === undefined && !record.propagateContext) io.stderr.write(`\n${NO_CONTEXT_NOTE}`);
  if (error !== undefined) {
    if (NodeFailedError.is(error)) {
      // A dataset or runner error says all in its message; the node's own error gets its stack.
      const cause = RunnerError.is(error.cause)
        ? describeErrorWithName(error.cause)
        : errorStack(error.cause);
      io.stderr.write(`\nError in node '${error.node}': ${indentRest(cause)}\n`);
      for (const other of error.otherFailures) {
        io.stderr.write(
          `Also failed while the run was stopping: node '${other.node}': ${describeErrorWithName(other.error)}\n`,
        );
      }
    } else if (RunCancelledError.is(error)) {
      const running =
        error.abandonedNodes.length > 0 ? ` (left running: ${error.abandonedNodes.join(', ')})` : '';
      io.stderr.write(`\nThe run was stopped${running}.\n`);
    } else {
      io.stderr.write(`\nThe run failed: ${indentRest(errorStack(error))}\n`);
    }
    const explained = explainContextFailure(error, {
      propagateContext: record.propagateContext,
      node: NodeFailedError.is(error) ? error.node : undefined,
    });
    if (explained !== undefined) io.stderr.write(`\n${explained}`);
    const resume =
      record.resume !== undefined && record.resume.fromNodes.length > 0
        ? resumeCommand(`${program} run`, args, record.resume.fromNodes)
        : undefined;
    const text = renderResume(record, resume);
    if (text !== '') io.stderr.write(`\n${text}`);
  } else if (result.exitCode !== 0 && record.prefect !== undefined) {
    io.stderr.write('\n--prefect-required: the run completed but was not reported to Prefect (see above).\n');
  }
  return reportFailed ? 1 : result.exitCode;
}

function indentRest(text: string): string {
  return text.replace(/\n/g, '\n  ');
}

async function writeReport(
  path: string,
  result: { readonly record: RunRecord; readonly recorded: RecordedRun | undefined },
  io: CliIO,
): Promise<void> {
  if (/\.json$/i.test(path)) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(result.record, null, 2)}\n`);
    io.stdout.write(`Run record: ${showPath(path, io.cwd)}\n`);
    return;
  }
  if (result.recorded === undefined) {
    io.stderr.write(
      `weft: no run report: the run was not recorded (${showPath(path, io.cwd)} not written)\n`,
    );
    return;
  }
  const viz = await import('@weft/viz');
  await viz.writeReport(result.recorded, path);
  io.stdout.write(
    `Run report: ${showPath(path, io.cwd)} (open it in a browser: graph, statuses, each node's logs)\n`,
  );
}

export type { RunFlags };
