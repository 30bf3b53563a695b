/**
 * Running the child processes a release check needs (pnpm, npm, node, tsc) with a time limit and
 * an environment free of the calling package manager's per-project settings.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { CommandFailedError } from './errors.js';

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Working directory of the child. */
  cwd: string;
  /** Environment of the child; defaults to {@link isolatedEnv}`()`. */
  env?: NodeJS.ProcessEnv;
  /** Kill the child and fail after this many milliseconds (default 300 000). */
  timeoutMs?: number;
}

/** What a successful child printed. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/**
 * npm settings that describe the machine (registry, cache, proxy, certificates) rather than the
 * project a package manager was started in; only these survive {@link isolatedEnv}.
 */
const MACHINE_NPM_SETTINGS = new Set([
  'npm_config_registry',
  'npm_config_cache',
  'npm_config_userconfig',
  'npm_config_globalconfig',
  'npm_config_cafile',
  'npm_config_ca',
  'npm_config_strict_ssl',
  'npm_config_proxy',
  'npm_config_https_proxy',
  'npm_config_noproxy',
]);

/**
 * The current environment without what `pnpm run` / `npm run` injects for the project they run in
 * (`npm_package_*`, `npm_lifecycle_*`, `npm_config_local_prefix`, `INIT_CWD`, `PNPM_*`, ...) and
 * without `NODE_OPTIONS`, so a child behaves as it would in a fresh shell. Machine-level npm
 * settings (registry, cache, proxy, certificates) are kept.
 */
export function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    const injected =
      (lower.startsWith('npm_') && !MACHINE_NPM_SETTINGS.has(lower)) ||
      lower.startsWith('pnpm_') ||
      key === 'INIT_CWD' ||
      key === 'NODE_OPTIONS' ||
      key === 'VITEST' ||
      key.startsWith('VITEST_');
    if (!injected) env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Runs `file args...` without a shell and resolves with its output; rejects with a
 * {@link CommandFailedError} naming the command, its directory and its last output lines when it
 * exits non-zero, is killed, or runs past `timeoutMs`.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunCommandOptions,
): Promise<CommandOutput> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const command = [file, ...args].map(quoteForDisplay).join(' ');
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? isolatedEnv(),
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        const exitCode = typeof error.code === 'number' ? error.code : null;
        const reason =
          error.killed && exitCode === null
            ? `was killed after ${timeoutMs} ms`
            : exitCode !== null
              ? `exited with code ${exitCode}`
              : `could not run: ${error.message}`;
        reject(
          new CommandFailedError(
            command,
            options.cwd,
            exitCode,
            { stdout, stderr, reason },
            { cause: error },
          ),
        );
      },
    );
  });
}

function quoteForDisplay(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
