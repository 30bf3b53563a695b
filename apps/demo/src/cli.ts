/**
 * The command line of the demo (commander): options, their validation and `--help`.
 *
 * @module
 */
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DemoUsageError } from './errors.js';

/** Runner kinds. */
export const RUNNER_KINDS = ['sequential', 'thread', 'parallel', 'distributed'] as const;

/** A runner kind. */
export type RunnerKind = (typeof RUNNER_KINDS)[number];

/** Everything the demo needs to know about one invocation. */
export interface DemoOptions {
  readonly runner: RunnerKind;
  /** Worker limit of the thread and parallel runners (default: the runner's). */
  readonly maxWorkers: number | undefined;
  readonly fromNodes: readonly string[];
  readonly toNodes: readonly string[];
  readonly tags: readonly string[];
  readonly onlyMissing: boolean;
  /** False with `--no-context`: nodes run without the caller's context. */
  readonly context: boolean;
  /** Report to the Prefect server at `PREFECT_API_URL`. */
  readonly prefect: boolean;
  /** `PREFECT_API_URL` when `--prefect` is given. */
  readonly prefectApiUrl: string | undefined;
  /** Folder of the datasets (absolute). */
  readonly dataDir: string;
  /** Where the HTML run report goes (absolute). */
  readonly reportPath: string;
  /** Value of the user context variable `demo.tenant`, set before the run. */
  readonly tenant: string;
  /** A node to make fail on purpose (to see a failed run and its resume hint). */
  readonly failAt: string | undefined;
  /** Live progress: `true`/`false` forces it, `undefined` means "when stderr is a TTY". */
  readonly live: boolean | undefined;
}

/** What parsing the command line gave: options to run, or text to print and an exit code. */
export type CliOutcome =
  | { readonly kind: 'run'; readonly options: DemoOptions }
  | { readonly kind: 'exit'; readonly exitCode: number; readonly output: string };

function list(value: string, previous: readonly string[] = []): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return [...previous, ...items];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('must be a positive integer.');
  }
  return n;
}

/** Builds the commander program (without parsing). `nodeNames` are listed in `--help`. */
export function buildProgram(nodeNames: readonly string[], appDir: string): Command {
  const program = new Command('weft-demo')
    .description(
      'Runs a spaceflights-style pipeline (synthetic data, cleaning, model-input table, split, two ' +
        'regressions, metrics, JSON report). Every node logs through getRunLogger(), and each console ' +
        'line names its flow run and task run, on every runner, worker threads included. Writes an ' +
        'HTML run report (graph, statuses, durations, each node’s logs).',
    )
    .addOption(
      new Option(
        '-r, --runner <kind>',
        'runner: in order, async concurrency in one thread, worker threads, or BullMQ worker processes (starts a local redis-server and 2 weft-workers)',
      )
        .choices(RUNNER_KINDS)
        .default('thread'),
    )
    .addOption(
      new Option(
        '-w, --max-workers <n>',
        'most nodes running at once (thread and parallel runners; worker processes of the distributed runner)',
      ).argParser(positiveInt),
    )
    .option(
      '--from-nodes <names>',
      'run these nodes and everything downstream of them (comma-separated)',
      list,
    )
    .option('--to-nodes <names>', 'run these nodes and everything upstream of them (comma-separated)', list)
    .option('--tags <tags>', 'run only nodes with any of these tags (comma-separated)', list)
    .option('--only-missing', 'skip nodes whose persistent outputs already exist on disk', false)
    .option(
      '--no-context',
      "run nodes WITHOUT the caller's context, to see what breaks: getRunLogger() raises MissingContextError",
    )
    .option(
      '--prefect',
      'report the flow run, task runs and logs to the Prefect server at PREFECT_API_URL',
      false,
    )
    .option(
      '--tenant <id>',
      'value of the user context variable demo.tenant, read inside a node',
      'acme-space',
    )
    .option(
      '--fail-at <node>',
      'make this node fail on purpose (shows the failed summary and the resume hint)',
    )
    .option('--data-dir <path>', 'folder of the datasets', resolve(appDir, 'data'))
    .option(
      '--report <path>',
      'where to write the HTML run report (default: <data-dir>/08_reporting/run-report.html)',
    )
    .addOption(new Option('--live', 'force the live progress display (default: when stderr is a TTY)'))
    .addOption(new Option('--no-live', 'plain progress lines even on a TTY'))
    .helpOption('-h, --help', 'show this help')
    .addHelpText(
      'after',
      `\nNodes: ${nodeNames.join(', ')}\nTags: data_processing, data_science, reporting, linear, ridge\n\n` +
        'Examples (from the repository root; pnpm passes everything after "--" to the demo):\n' +
        '  npx pnpm@10.34.9 demo\n' +
        '  npx pnpm@10.34.9 demo -- --runner parallel --max-workers 2\n' +
        '  npx pnpm@10.34.9 demo -- --runner distributed\n' +
        '  npx pnpm@10.34.9 demo -- --from-nodes split_data --only-missing\n' +
        '  npx pnpm@10.34.9 demo -- --no-context\n' +
        '  PREFECT_API_URL=http://127.0.0.1:4200/api npx pnpm@10.34.9 demo -- --prefect\n',
    )
    .showHelpAfterError('(run with --help for the options)')
    .allowExcessArguments(false);
  return program;
}

/**
 * Parses `args` (without `node` and the script path). A leading `--` (as some package managers
 * pass it) is ignored. Never exits the process: help, version and errors come back as
 * `{ kind: 'exit' }`. `env` supplies `PREFECT_API_URL` for `--prefect`.
 */
export function parseCli(
  args: readonly string[],
  nodeNames: readonly string[],
  appDir: string,
  env: NodeJS.ProcessEnv = process.env,
): CliOutcome {
  const program = buildProgram(nodeNames, appDir);
  let output = '';
  program.exitOverride().configureOutput({
    writeOut: (s) => {
      output += s;
    },
    writeErr: (s) => {
      output += s;
    },
  });
  const argv = args[0] === '--' ? args.slice(1) : [...args];
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return { kind: 'exit', exitCode: error.exitCode, output };
    }
    throw error;
  }
  const o = program.opts<{
    runner: RunnerKind;
    maxWorkers?: number;
    fromNodes?: string[];
    toNodes?: string[];
    tags?: string[];
    onlyMissing: boolean;
    context: boolean;
    prefect: boolean;
    tenant: string;
    failAt?: string;
    dataDir: string;
    report?: string;
    live?: boolean;
  }>();
  try {
    const known = new Set(nodeNames);
    for (const [flag, names] of [
      ['--from-nodes', o.fromNodes ?? []],
      ['--to-nodes', o.toNodes ?? []],
      ['--fail-at', o.failAt === undefined ? [] : [o.failAt]],
    ] as const) {
      const unknown = names.filter((n) => !known.has(n));
      if (unknown.length > 0) {
        throw new DemoUsageError(
          `${flag}: unknown node${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}. Nodes: ${nodeNames.join(', ')}`,
        );
      }
    }
    if (o.runner === 'sequential' && o.maxWorkers !== undefined) {
      throw new DemoUsageError(
        '--max-workers: the sequential runner runs one node at a time; use --runner thread or parallel',
      );
    }
    if (o.prefect && (env.PREFECT_API_URL ?? '').trim() === '') {
      throw new DemoUsageError(
        '--prefect: PREFECT_API_URL is not set. Start a server (prefect server start) and set PREFECT_API_URL=http://127.0.0.1:4200/api',
      );
    }
    if (o.tenant.trim() === '') throw new DemoUsageError('--tenant: must not be empty');
  } catch (error) {
    if (error instanceof DemoUsageError) {
      return { kind: 'exit', exitCode: 2, output: `error: ${error.message}\n` };
    }
    throw error;
  }
  const dataDir = resolve(o.dataDir);
  return {
    kind: 'run',
    options: {
      runner: o.runner,
      maxWorkers: o.maxWorkers,
      fromNodes: o.fromNodes ?? [],
      toNodes: o.toNodes ?? [],
      tags: o.tags ?? [],
      onlyMissing: o.onlyMissing,
      context: o.context,
      prefect: o.prefect,
      prefectApiUrl: o.prefect ? (env.PREFECT_API_URL ?? '').trim() : undefined,
      dataDir,
      reportPath: resolve(o.report ?? resolve(dataDir, '08_reporting', 'run-report.html')),
      tenant: o.tenant,
      failAt: o.failAt,
      live: o.live,
    },
  };
}
