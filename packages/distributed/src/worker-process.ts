/**
 * Starting `weft-worker` as a child process of this one (local clusters, demos, tests).
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { propagationSetupModules } from '@weft/contextvars';
import { type TypeScriptLoader, typescriptExecArgv } from '@weft/executor';
import { WorkerProcessError } from './errors.js';
import type { StartWorkerOptions } from './worker.js';

/**
 * Options of {@link spawnWorker}: the worker's options as `startWorker` takes them (as
 * `weft-worker` flags, so locations are strings), and how to run the process.
 */
export interface SpawnWorkerOptions
  extends Pick<
    StartWorkerOptions,
    | 'queue'
    | 'prefix'
    | 'concurrency'
    | 'lockDurationMs'
    | 'stalledIntervalMs'
    | 'maxStalledCount'
    | 'maxEnvelopeBytes'
    | 'codeVersion'
    | 'logFlushMs'
    | 'name'
  > {
  /** `redis://` URL or Unix socket path. */
  redis: string;
  /** Shared storage folder. */
  storage: string;
  /** Module URLs (or absolute paths) the worker serves. */
  modules: readonly string[];
  /** On SIGTERM, how long running jobs may finish before they are handed back (`--shutdown-grace`). */
  shutdownGraceMs?: number;
  /** Keep node log records in the worker process instead of sending them to the coordinator (`--local-logs`). */
  localLogs?: boolean;
  /**
   * Modules the worker imports first (`--import`), e.g. OpenTelemetry set-up. The set-up module of
   * this process's propagator (`setGlobalPropagator(p, { setupModule })` of `@weft/contextvars`)
   * comes first without being listed here, so the worker extracts what the runner injects.
   */
  imports?: readonly string[];
  /**
   * The TypeScript loader of the process, for `.ts` modules: `'auto'` (default) gives it tsx when
   * this process runs under tsx, `'tsx'` always, `false` never (as `WorkerThreadExecutor`'s option).
   */
  typescript?: TypeScriptLoader;
  /** Environment of the process. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Where its stdout and stderr go: this process's (`inherit`, default), nowhere, or collected (`pipe`, see `output()`). */
  stdio?: 'inherit' | 'ignore' | 'pipe';
  /** Milliseconds to wait for `ready`. Default 30000. */
  readyTimeoutMs?: number;
}

/** A `weft-worker` child process. */
export interface WorkerProcess {
  /** Process id. */
  readonly pid: number;
  /** Worker name (as stored on the jobs it runs). */
  readonly name: string;
  /** The child process. */
  readonly child: ChildProcess;
  /** What it printed so far (with `stdio: 'pipe'`; the last 64 KiB). */
  output(): string;
  /** Resolves when it has exited. */
  readonly exited: Promise<void>;
  /**
   * Asks it to stop (SIGTERM: no new jobs, running ones finish or are handed back after its
   * shutdown grace), then kills it after `timeoutMs` (default 10000).
   */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * The command that runs `weft-worker` from this package: its compiled `dist/worker-cli.js` with
 * plain node (plus tsx when `typescript` asks for it, for `.ts` modules), or, when this package
 * runs from its TypeScript sources (the monorepo's tests), the `.ts` file through tsx with the
 * `@weft/source` condition.
 *
 * @throws {WorkerProcessError} `ERR_WORKER_SPAWN` when tsx is needed and not installed.
 */
export function workerCommand(typescript: TypeScriptLoader = 'auto'): { execPath: string; args: string[] } {
  const fromSources = import.meta.url.endsWith('.ts');
  const cli = fileURLToPath(new URL(`./worker-cli.${fromSources ? 'ts' : 'js'}`, import.meta.url));
  let loader: string[];
  try {
    loader = fromSources
      ? [...typescriptExecArgv('tsx'), '--conditions=@weft/source']
      : typescriptExecArgv(typescript);
  } catch (cause) {
    throw new WorkerProcessError(
      'ERR_WORKER_SPAWN',
      `Running weft-worker ${fromSources ? 'from TypeScript sources' : 'on TypeScript modules'} needs the tsx package, which was not found.`,
      { cause },
    );
  }
  return { execPath: process.execPath, args: [...loader, cli] };
}

/** Starts a `weft-worker` process and resolves once it takes jobs. */
export async function spawnWorker(options: SpawnWorkerOptions): Promise<WorkerProcess> {
  const { execPath, args } = workerCommand(options.typescript);
  const cliArgs = ['--redis', options.redis, '--storage', options.storage];
  for (const m of options.modules) cliArgs.push('--module', m);
  const imports = [...propagationSetupModules(), ...(options.imports ?? [])];
  for (const m of new Set(imports)) cliArgs.push('--import', m);
  const flags: [string, string | number | undefined][] = [
    ['--queue', options.queue],
    ['--prefix', options.prefix],
    ['--concurrency', options.concurrency],
    ['--lock-duration', options.lockDurationMs],
    ['--stalled-interval', options.stalledIntervalMs],
    ['--max-stalled-count', options.maxStalledCount],
    ['--max-envelope-bytes', options.maxEnvelopeBytes],
    ['--shutdown-grace', options.shutdownGraceMs],
    ['--log-flush', options.logFlushMs],
    ['--code-version', options.codeVersion],
    ['--name', options.name],
  ];
  for (const [flag, value] of flags) if (value !== undefined) cliArgs.push(flag, String(value));
  if (options.localLogs === true) cliArgs.push('--local-logs');
  const stdio = options.stdio ?? 'inherit';
  const child = spawn(execPath, [...args, ...cliArgs], {
    stdio: ['ignore', stdio, stdio, 'ipc'],
    env: options.env ?? process.env,
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const name = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGKILL');
      reject(
        new WorkerProcessError(
          'ERR_WORKER_START',
          `weft-worker did not become ready within ${timeoutMs} ms${output === '' ? '' : `:\n${output.trim()}`}`,
        ),
      );
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      const m = message as { type?: unknown; name?: unknown } | null;
      if (m?.type !== 'ready') return;
      cleanup();
      resolve(String(m.name));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      reject(
        new WorkerProcessError(
          'ERR_WORKER_START',
          `weft-worker exited (${signal ?? `code ${code}`}) before it was ready${output === '' ? '' : `:\n${output.trim()}`}`,
        ),
      );
    };
    const onError = (error: Error) => {
      cleanup();
      reject(
        new WorkerProcessError('ERR_WORKER_SPAWN', `cannot start weft-worker: ${error.message}`, {
          cause: error,
        }),
      );
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.on('error', onError);
  });
  const stop = async (stopTimeoutMs = 10_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    }
  };
  return { pid: child.pid as number, name, child, output: () => output, exited, stop };
}
