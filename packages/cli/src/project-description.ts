/**
 * A project as `weft viz` shows it: loaded as `weft run` loads it (settings, `conf/` YAML, the
 * pipeline registry, the catalog) and described by `@weft/viz` (graph per pipeline, datasets with
 * their configured type, path and layer, parameters, each node's code location and docstring).
 *
 * `weft viz` describes the project in a child process ({@link describeProjectInChild}), once at
 * start and again after every change: a fresh process imports the project's modules as they are on
 * disk, with none of the previous load's state. Importing a changed module a second time in one
 * process would not do: ES modules are cached by URL (a cache-busting query makes a second copy of
 * every module, leaking the first), and the second copy of a module that declares a propagatable
 * `ContextVar` declares the same name again, which `@weft/contextvars` refuses, rightly (two
 * variables with one name would swap each other's values when a context crosses a thread or a
 * process). The child also keeps the project's import-time side effects (timers, connections,
 * output) out of the viewer's process.
 *
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ProjectDescription } from '@weft/viz';
import { CliError, ConfigError, UsageError } from './errors.js';
import { buildCatalog } from './project-catalog.js';
import { type LoadProjectOptions, loadProject } from './run-project.js';
import { catalogDatasetInfo } from './run-recording.js';

/** What describing needs: the project and how `weft run` would load its configuration. */
export type DescribeRequest = Pick<LoadProjectOptions, 'projectDir' | 'env' | 'confSource' | 'params'>;

/**
 * Loads and describes a project in this process.
 *
 * @throws {CliError} for a bad configuration or registry, as `weft run` reports it.
 */
export async function describeLoadedProject(request: LoadProjectOptions): Promise<ProjectDescription> {
  const project = await loadProject(request);
  const catalog = buildCatalog({
    projectDir: project.dir,
    config: project.config,
    parameters: project.parameters,
    loadVersions: {},
    datasetTypes: project.settings.datasetTypes ?? {},
  });
  const { describeProject } = await import('@weft/viz');
  return describeProject({
    name: project.name,
    pipelines: project.pipelines,
    catalog,
    datasets: catalogDatasetInfo(project.config.catalog),
    parameters: project.parameters,
    projectDir: project.dir,
  });
}

/** What the child sends back. */
export type DescribeReply =
  | { readonly ok: true; readonly project: ProjectDescription }
  | {
      readonly ok: false;
      readonly message: string;
      /** `usage` and `config` are errors of the project (exit 2); `crash` is anything else. */
      readonly kind: 'usage' | 'config' | 'crash';
    };

/** Options of {@link describeProjectInChild}. */
export interface DescribeInChildOptions {
  /** Receives what the project prints while it is imported. */
  readonly output?: (text: string) => void;
  /** Kill the child and fail after this long (default 120 000 ms). */
  readonly timeoutMs?: number;
}

function childCommand(): { script: string; execArgv: string[] } {
  // from the TypeScript sources (tests), the child needs tsx for the CLI's own modules
  const fromSources = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(`./describe-child.${fromSources ? 'ts' : 'js'}`, import.meta.url));
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  if (!fromSources) return { script, execArgv };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { script, execArgv: [...execArgv, '--import', tsx] };
}

/**
 * Loads and describes the project in a fresh Node process (see the module's notes).
 *
 * @throws {UsageError} / {@link ConfigError} when the project cannot be loaded, with the message
 * `weft run` would print; a {@link CliError} when the child crashes or runs past the time limit.
 */
export function describeProjectInChild(
  request: DescribeRequest,
  options: DescribeInChildOptions = {},
): Promise<ProjectDescription> {
  const { script, execArgv } = childCommand();
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = fork(script, [JSON.stringify(request)], {
        execArgv,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'advanced',
      });
    } catch (error) {
      reject(new CliError('ERR_CLI_VIZ', `cannot start a process to load the project: ${String(error)}`));
      return;
    }
    let output = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-8192);
      options.output?.(text);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // the project may keep the child alive (a timer, a connection): it has said all it will
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      fn();
    };
    const timer = setTimeout(
      () =>
        settle(() =>
          reject(
            new CliError(
              'ERR_CLI_VIZ',
              `loading the project took longer than ${timeoutMs / 1000} s (does a module wait for something at import?)`,
            ),
          ),
        ),
      timeoutMs,
    );
    timer.unref();
    child.on('message', (reply: DescribeReply) => {
      settle(() => {
        if (reply.ok) resolve(reply.project);
        else if (reply.kind === 'usage') reject(new UsageError(reply.message));
        else if (reply.kind === 'config') reject(new ConfigError(reply.message));
        else reject(new CliError('ERR_CLI_VIZ', reply.message));
      });
    });
    child.on('error', (error) =>
      settle(() =>
        reject(new CliError('ERR_CLI_VIZ', `the process loading the project failed: ${error.message}`)),
      ),
    );
    child.on('exit', (code, signal) =>
      settle(() =>
        reject(
          new CliError(
            'ERR_CLI_VIZ',
            `the process loading the project exited (${signal ?? `code ${code}`}) without describing it${output === '' ? '' : `:\n${output.trimEnd()}`}`,
          ),
        ),
      ),
    );
  });
}
