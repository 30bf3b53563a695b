/**
 * Test support shared by the packages' tests: running a real command in a project folder and
 * collecting what it printed (the cli's and the starter's end-to-end tests).
 *
 * @module
 */

import { spawn } from 'node:child_process';

/** What a command did: its exit code (`null` when killed by a signal) and what it printed. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runInFolder}. */
export interface RunInFolderOptions {
  /** The environment of the command (default this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Kill the command and fail after this many milliseconds. */
  readonly timeoutMs: number;
  /**
   * Called with all the command printed on stderr so far, each time it prints there, and a way to
   * send it a signal (e.g. Ctrl-C once it says it started).
   */
  readonly onStderr?: (stderrSoFar: string, kill: (signal: NodeJS.Signals) => void) => void;
}

/**
 * Runs `command …args` in `cwd` (no shell, stdin closed, output piped so never a TTY) and resolves
 * with its exit code and output, whatever the code. Rejects, after a SIGKILL, when it runs past
 * `timeoutMs` (the message names the command and holds its output), or when it cannot start.
 *
 * @example
 * ```ts
 * const { code, stdout } = await runInFolder('npm', ['test'], project.dir, { timeoutMs: 120_000 });
 * ```
 */
export function runInFolder(
  command: string,
  args: readonly string[],
  cwd: string,
  options: RunInFolderOptions,
): Promise<CommandResult> {
  const { timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      stdout += t;
    });
    const kill = (signal: NodeJS.Signals) => child.kill(signal);
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      stderr += t;
      options.onStderr?.(stderr, kill);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
