/**
 * Test support: temporary copies of a fixture project with `node_modules/@weft/*` linked to this
 * workspace's packages (as an install would), and the real `weft` bin run in them.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CommandResult, runInFolder } from '../../../../test-support/run-command.js';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The `weft` command as installed: `packages/cli/bin/weft.js`. */
export const WEFT_BIN = join(REPO_ROOT, 'packages/cli/bin/weft.js');

/** Generous bound for a test that starts Node processes (never a speed test). */
export const SLOW = 120_000;

const PACKAGES = ['cli', 'runner', 'contextvars', 'executor', 'prefect-bridge', 'distributed'];

/** A temporary project. */
export interface TempProject {
  readonly dir: string;
  /** Writes (or replaces) a file of the project. */
  write(path: string, text: string): Promise<void>;
  /** Reads a file of the project. */
  read(path: string): Promise<string>;
  /** Reads a JSON file of the project. */
  json<T = unknown>(path: string): Promise<T>;
  remove(): Promise<void>;
}

/** Copies `test/fixtures/<name>` into a temporary folder and links the workspace packages. */
export async function copyProject(name = 'spaceflights'): Promise<TempProject> {
  const dir = await mkdtemp(join(tmpdir(), `weft-cli-${name}-`));
  await cp(fileURLToPath(new URL(`../fixtures/${name}/`, import.meta.url)), dir, { recursive: true });
  await mkdir(join(dir, 'node_modules', '@weft'), { recursive: true });
  for (const p of PACKAGES) {
    await symlink(join(REPO_ROOT, 'packages', p), join(dir, 'node_modules', '@weft', p), 'dir');
  }
  return {
    dir,
    write: async (path, text) => {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    },
    read: (path) => readFile(join(dir, path), 'utf8'),
    json: async (path) => JSON.parse(await readFile(join(dir, path), 'utf8')),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** What a `weft` process did. */
export type WeftResult = CommandResult;

/** The environment for `weft`: this one without CI-only or Prefect settings that would leak in. */
export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const key of Object.keys(env)) {
    if (key.startsWith('PREFECT_') || key.startsWith('WEFT_TEST_') || key === 'NODE_OPTIONS') delete env[key];
  }
  return { ...env, ...extra };
}

/** Runs `node bin/weft.js …args` in `dir` (stdin closed, output collected, never a TTY). */
export function weft(
  dir: string,
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<WeftResult> {
  return runCommand(process.execPath, [WEFT_BIN, ...args], dir, baseEnv(options.env), options.timeoutMs);
}

/**
 * Runs `weft …args` in this process (`main()` with captured output): the same command line as the
 * bin, for the many usage-error cases that need no child process.
 */
export async function weftInProcess(
  dir: string,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<WeftResult> {
  const { main } = await import('../../src/main.js');
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    cwd: dir,
    env: baseEnv(env),
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

/**
 * Starts `weft …args` in `dir` and sends it SIGINT (Ctrl-C) once its stderr contains `when`.
 */
export async function weftInterrupted(
  dir: string,
  args: readonly string[],
  when: string,
  env: Record<string, string | undefined> = {},
): Promise<WeftResult & { interruptedAfterMs: number; exitedAfterMs: number }> {
  const started = performance.now();
  let interruptedAt: number | undefined;
  const result = await runInFolder(process.execPath, [WEFT_BIN, ...args], dir, {
    env: baseEnv(env),
    timeoutMs: 90_000,
    onStderr: (stderr, kill) => {
      if (interruptedAt === undefined && stderr.includes(when)) {
        interruptedAt = performance.now();
        kill('SIGINT');
      }
    },
  });
  const end = performance.now();
  return {
    ...result,
    interruptedAfterMs: (interruptedAt ?? end) - started,
    exitedAfterMs: end - (interruptedAt ?? started),
  };
}

/** Runs a shell command line in `dir` (to paste what weft printed). */
export function shell(
  dir: string,
  line: string,
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<WeftResult> {
  return runCommand('/bin/sh', ['-c', line], dir, baseEnv(options.env), options.timeoutMs);
}

function runCommand(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 90_000,
): Promise<WeftResult> {
  return runInFolder(command, args, cwd, { env, timeoutMs });
}

/** A running `weft viz` (the real bin, in its own process). */
export interface RunningViz {
  /** The page's address, as printed. */
  readonly url: string;
  /** What it printed so far. */
  output(): { stdout: string; stderr: string };
  /** Waits until its stderr contains `text` (or fails after `timeoutMs`). */
  waitForStderr(text: string, timeoutMs?: number): Promise<void>;
  /** Ctrl-C, then its exit. */
  stop(): Promise<WeftResult>;
}

/** Starts `weft viz --port 0 …args` in `dir` and resolves once it printed its URL. */
export function startViz(
  dir: string,
  args: readonly string[] = [],
  env: Record<string, string | undefined> = {},
): Promise<RunningViz> {
  const child = spawn(process.execPath, [WEFT_BIN, 'viz', '--port', '0', ...args], {
    cwd: dir,
    env: baseEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (t: string) => {
    stdout += t;
    for (const w of waiters) w();
  });
  child.stderr.setEncoding('utf8').on('data', (t: string) => {
    stderr += t;
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const until = (ok: () => boolean, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!ok()) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`weft viz: ${what} did not come within ${timeoutMs} ms\n${stdout}\n${stderr}`));
      }, timeoutMs);
      waiters.add(check);
      check();
      void exited.then(() => {
        if (waiters.has(check)) {
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`weft viz exited before ${what}\n${stdout}\n${stderr}`));
        }
      });
    });
  return until(() => /http:\/\/\S+\//.test(stdout), 'its URL', 60_000).then(() => ({
    url: /http:\/\/\S+\//.exec(stdout)?.[0] as string,
    output: () => ({ stdout, stderr }),
    waitForStderr: (text, timeoutMs = 60_000) => until(() => stderr.includes(text), `'${text}'`, timeoutMs),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return { code, stdout, stderr };
    },
  }));
}
