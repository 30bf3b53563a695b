/**
 * `weft viz`: the project's pipelines and its runs in a browser, as Kedro-Viz shows a Kedro
 * project, plus what Kedro-Viz cannot: runs of `weft run` (in another terminal, on any runner)
 * followed live. `@weft/viz` serves the page on a loopback port; the project is described in a child
 * process (see `project-description.ts`) and again whenever `src/` or the configuration changes.
 *
 * @module
 */
import { type FSWatcher, watch } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describeError } from '@weft/runner/extend';
import type { ProjectDescription, Viewer } from '@weft/viz';
import { type Command, InvalidArgumentError } from 'commander';
import { CliError, UsageError } from './errors.js';
import { parseParams } from './option-values.js';
import { type DescribeRequest, describeProjectInChild } from './project-description.js';
import type { CliIO } from './run-command.js';

/** The flags of `weft viz`, as commander gives them. */
export interface VizFlags {
  port: number;
  host: string;
  open?: boolean;
  reload: boolean;
  env?: string;
  confSource?: string;
  params?: string[];
}

/** The port Kedro-Viz uses, so a habit carries over. */
export const DEFAULT_VIZ_PORT = 4141;

/** The addresses `weft viz` listens on: loopback only. */
export const LOOPBACK_HOSTS = ['127.0.0.1', '::1', 'localhost'] as const;

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > 65_535) {
    throw new InvalidArgumentError('must be a port number (0 picks a free one).');
  }
  return n;
}

function repeat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Defines `weft viz` on `program`. */
export function defineVizCommand(program: Command, onViz: (flags: VizFlags) => Promise<void>): Command {
  return program
    .command('viz')
    .summary("show the project's pipelines and runs, live, in a browser (Kedro-Viz)")
    .description(
      "Serves the project's pipelines on a loopback port: the graph of each registered pipeline " +
        '(namespaces collapsible), datasets with type and file path, parameters, tags, search and tag ' +
        "filter, each node's code location and docstring; and the run history of weft run, with runs " +
        'in progress followed live (any runner). The project is reloaded when src/ or the configuration ' +
        'changes. Prints the URL; stops on Ctrl-C.',
    )
    .option('--port <n>', `port to listen on (0 picks a free one)`, port, DEFAULT_VIZ_PORT)
    .option('--host <address>', `loopback address to listen on: ${LOOPBACK_HOSTS.join(', ')}`, '127.0.0.1')
    .option('--open', 'open the page in the default browser')
    .option('--no-reload', 'do not reload the project when src/ or the configuration changes')
    .option('-e, --env <name>', "configuration environment overlaying conf/base (default 'local')")
    .option('--conf-source <folder>', 'configuration folder (default conf/ in the project)')
    .option(
      '--params <key=value,...>',
      'override parameters, as weft run does (shown with the params: datasets; repeatable)',
      repeat,
    )
    .helpOption('-h, --help', 'show this help')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  weft viz                       # http://127.0.0.1:4141/\n' +
        '  weft viz --port 0 --open       # a free port, opened in the browser\n' +
        '  weft viz --env prod\n' +
        'Runs of weft run (recorded in .weft/runs/) show on the page as they happen.\n',
    )
    .allowExcessArguments(false)
    .action(async (flags: VizFlags) => {
      await onViz(flags);
    });
}

/** Whether a file-system event is worth a reload (editors' swap and backup files are not). */
function relevant(file: string | null): boolean {
  if (file === null) return true;
  const name = file.split(/[\\/]/).pop() ?? file;
  return !(name.startsWith('.') || name.endsWith('~') || /^\d+$/.test(name) || name.endsWith('.swp'));
}

/** Runs `weft viz` until `io.signal` aborts; returns the exit status. */
export async function executeViz(flags: VizFlags, io: CliIO): Promise<number> {
  if (!(LOOPBACK_HOSTS as readonly string[]).includes(flags.host)) {
    throw new UsageError(
      `--host ${flags.host}: weft viz listens on a loopback address only (${LOOPBACK_HOSTS.join(', ')}): the page shows the project's code, parameters and logs to whoever reaches it`,
    );
  }
  const projectDir = resolve(io.cwd);
  const confDir =
    flags.confSource === undefined ? join(projectDir, 'conf') : resolve(io.cwd, flags.confSource);
  const request: DescribeRequest = {
    projectDir,
    ...(flags.env === undefined ? {} : { env: flags.env }),
    ...(flags.confSource === undefined ? {} : { confSource: confDir }),
    ...(flags.params === undefined ? {} : { params: parseParams(flags.params) }),
  };
  const output = (text: string) => {
    io.stderr.write(text);
  };
  let current: ProjectDescription = await describeProjectInChild(request, { output });

  const viz = await import('@weft/viz');
  let viewer: Viewer;
  try {
    viewer = await viz.startViewer({
      projectDir,
      project: () => current,
      host: flags.host,
      port: flags.port,
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EADDRINUSE') {
      throw new UsageError(
        `--port ${flags.port}: the port is in use on ${flags.host} (another weft viz?); pick another with --port, or --port 0 for a free one`,
        { cause: error },
      );
    }
    throw new CliError('ERR_CLI_VIZ', `cannot start the viewer: ${describeError(error)}`, { cause: error });
  }

  const show = (path: string) => {
    const r = relative(projectDir, path);
    return r.startsWith('..') ? path : `${r.split(sep).join('/')}/`;
  };
  const pipelines = current.pipelines.map((p) => p.name).join(', ');
  io.stdout.write(
    `Weft viewer for '${current.name}': ${viewer.url}\n` +
      `Pipelines: ${pipelines || 'none'} · runs of weft run from .weft/runs/, live` +
      `${flags.reload ? ` · reloads when ${show(join(projectDir, 'src'))} or ${show(confDir)} change` : ''}` +
      ' · Ctrl-C stops it\n',
  );
  if (flags.open === true) {
    try {
      const { default: open } = await import('open');
      await open(viewer.url);
    } catch (error) {
      io.stderr.write(`weft viz: could not open a browser (${describeError(error)}); open ${viewer.url}\n`);
    }
  }

  // reload: one description at a time; a change during one asks for one more after it
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> | undefined;
  let again = false;
  let changed = new Set<string>();
  let closed = false;
  const reload = async () => {
    do {
      again = false;
      const what = [...changed].slice(0, 3).join(', ');
      changed = new Set();
      try {
        current = await describeProjectInChild(request, { output });
        if (closed) return;
        await viewer.refreshProject();
        io.stderr.write(`weft viz: reloaded the project (${what || 'files'} changed)\n`);
      } catch (error) {
        if (closed) return;
        io.stderr.write(
          `weft viz: the project does not load any more; the page keeps showing it as it was:\n  ${describeError(error).replace(/\n/g, '\n  ')}\n`,
        );
      }
    } while (again && !closed);
  };
  const schedule = (file: string) => {
    changed.add(file);
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (reloading !== undefined) {
        again = true;
        return;
      }
      reloading = reload().finally(() => {
        reloading = undefined;
      });
    }, 250);
  };
  if (flags.reload) {
    for (const dir of [join(projectDir, 'src'), confDir]) {
      try {
        const watcher = watch(dir, { recursive: true }, (_event, file) => {
          const name = file === null ? null : String(file);
          if (relevant(name))
            schedule(name === null ? show(dir) : `${show(dir)}${name.split(sep).join('/')}`);
        });
        watcher.on('error', () => {});
        watchers.push(watcher);
      } catch (error) {
        io.stderr.write(`weft viz: not watching ${show(dir)} for changes: ${describeError(error)}\n`);
      }
    }
  }

  await new Promise<void>((resolveStop) => {
    if (io.signal === undefined) return; // runs until the process ends
    if (io.signal.aborted) resolveStop();
    else io.signal.addEventListener('abort', () => resolveStop(), { once: true });
  });
  closed = true;
  if (timer !== undefined) clearTimeout(timer);
  for (const w of watchers) w.close();
  await reloading;
  await viewer.close();
  io.stderr.write('weft viz: stopped\n');
  return 0;
}
