/**
 * `@weft/prefect-bridge/testing`: a real, throwaway Prefect 3 server for integration tests and
 * benchmarks (the TypeScript counterpart of Prefect's `prefect_test_harness()`).
 *
 * - Installs the pinned `prefect` once into a virtual environment (default
 *   `<cwd>/.cache/prefect-venv-<version>`), reused while it imports the right version; pip's wheel
 *   cache makes a reinstall quick.
 * - Starts `prefect server start --no-services --no-ui --analytics-off` on a free loopback port,
 *   with `PREFECT_HOME` in a fresh temp folder and telemetry off, and waits for `/api/health`.
 * - Stops it by killing its process group, leaving nothing running.
 *
 * Without a suitable Python (or when the install fails) it throws a {@link PrefectServerError}
 * saying what is missing.
 *
 * @module
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PrefectServerError } from './errors.js';

/**
 * The Prefect version installed by default (pinned: the API shapes the bridge targets).
 *
 * @since 0.1.0
 */
export const PREFECT_VERSION = '3.9.1';

/**
 * Where the virtual environment for `version` lives by default: `<cwd>/.cache/prefect-venv-<version>`.
 *
 * @since 0.1.0
 */
export function defaultVenvDir(version: string = PREFECT_VERSION): string {
  return join(process.cwd(), '.cache', `prefect-venv-${version}`);
}

/**
 * Options of {@link ensurePrefectInstalled} and {@link startPrefectServer}.
 *
 * @since 0.1.0
 */
export interface PrefectInstallOptions {
  /** Prefect version to install; default {@link PREFECT_VERSION}. */
  readonly version?: string;
  /** Virtual environment folder; default {@link defaultVenvDir}. */
  readonly venvDir?: string;
  /** Python 3.10–3.14 to create it with; default `PYTHON`, then `python3`, then `python`. */
  readonly python?: string;
  /** Progress lines (installing, installed); default silent. */
  readonly log?: (line: string) => void;
  /** Appended to error messages, e.g. how to skip the tests that need the server. */
  readonly hint?: string;
}

function run(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code =
          error && typeof (error as { code?: unknown }).code === 'number'
            ? (error as { code: number }).code
            : error
              ? null
              : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), ...(error ? { error } : {}) });
      },
    );
  });
}

const tail = (text: string, n = 40) => text.trim().split('\n').slice(-n).join('\n');

interface Install {
  readonly version: string;
  readonly venvDir: string;
  readonly python: string | undefined;
  readonly log: (line: string) => void;
  readonly hint: string;
}

function resolveInstall(options: PrefectInstallOptions): Install {
  const version = options.version ?? PREFECT_VERSION;
  return {
    version,
    venvDir: options.venvDir ?? defaultVenvDir(version),
    python: options.python,
    log: options.log ?? (() => {}),
    hint: options.hint ? ` ${options.hint}` : '',
  };
}

async function findPython(install: Install): Promise<string> {
  const candidates = [install.python, process.env.PYTHON, 'python3', 'python'].filter(
    (c): c is string => !!c,
  );
  const problems: string[] = [];
  for (const candidate of candidates) {
    const r = await run(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
      timeoutMs: 20_000,
    });
    if (r.code !== 0) {
      problems.push(`${candidate}: ${r.error?.message ?? tail(r.stderr, 3)}`);
      continue;
    }
    const [major, minor] = r.stdout.trim().split('.').map(Number);
    if (major === 3 && minor !== undefined && minor >= 10 && minor <= 14) return candidate;
    problems.push(`${candidate}: Python ${r.stdout.trim()} (prefect ${install.version} needs 3.10–3.14)`);
  }
  throw new PrefectServerError(
    `A Prefect server needs Python 3.10–3.14 to install prefect==${install.version}, and none was found:\n  ${problems.join('\n  ')}\n` +
      `Install Python 3 with venv support (Debian: apt-get install python3 python3-venv), or set PYTHON=/path/to/python3.${install.hint}`,
  );
}

const binDir = (venvDir: string) => join(venvDir, process.platform === 'win32' ? 'Scripts' : 'bin');

async function installedVersion(venvDir: string): Promise<string | undefined> {
  const python = join(binDir(venvDir), 'python');
  if (!existsSync(python) || !existsSync(join(binDir(venvDir), 'prefect'))) return undefined;
  const r = await run(python, ['-c', 'import prefect; print(prefect.__version__)'], { timeoutMs: 120_000 });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

async function withLock<T>(venvDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${venvDir}.lock`;
  await mkdir(dirname(venvDir), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readFile(join(lock, 'pid'), 'utf8').catch(() => '');
      const pid = Number(holder);
      let alive = false;
      if (pid > 0) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch {
          alive = false;
        }
      }
      if (!alive && holder !== '') await rm(lock, { recursive: true, force: true });
      if (Date.now() > deadline)
        throw new PrefectServerError(`Timed out waiting for the install lock ${lock}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * Makes sure `prefect==<version>` is installed in the virtual environment (creating it with pip
 * when missing or broken); returns the path of its `prefect` executable.
 *
 * @throws {PrefectServerError} without a suitable Python, or when venv or pip fail.
 *
 * @since 0.1.0
 */
export async function ensurePrefectInstalled(options: PrefectInstallOptions = {}): Promise<string> {
  const install = resolveInstall(options);
  const { version, venvDir, hint } = install;
  const prefect = join(binDir(venvDir), 'prefect');
  if ((await installedVersion(venvDir)) === version) return prefect;
  return withLock(venvDir, async () => {
    if ((await installedVersion(venvDir)) === version) return prefect;
    const python = await findPython(install);
    install.log(`installing prefect==${version} into ${venvDir} (once) ...`);
    await rm(venvDir, { recursive: true, force: true });
    const venv = await run(python, ['-m', 'venv', venvDir], { timeoutMs: 300_000 });
    if (venv.code !== 0) {
      throw new PrefectServerError(
        `Could not create a Python virtual environment at ${venvDir} with ${python}:\n${tail(venv.stderr || venv.stdout)}\n` +
          `On Debian install python3-venv.${hint}`,
      );
    }
    const pip = await run(
      join(binDir(venvDir), 'python'),
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet', `prefect==${version}`],
      { timeoutMs: 900_000, env: { ...process.env, PIP_NO_INPUT: '1' } },
    );
    if (pip.code !== 0) {
      throw new PrefectServerError(
        `pip could not install prefect==${version} into ${venvDir}:\n${tail(pip.stderr || pip.stdout)}\nCheck access to PyPI.${hint}`,
      );
    }
    const installed = await installedVersion(venvDir);
    if (installed !== version) {
      throw new PrefectServerError(
        `prefect was installed into ${venvDir} but importing it gave version ${String(installed)}, not ${version}`,
      );
    }
    install.log(`prefect ${installed} installed`);
    return prefect;
  });
}

/**
 * A free TCP port on 127.0.0.1.
 *
 * @since 0.1.0
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new PrefectServerError('could not get a free port'));
      });
    });
  });
}

/**
 * A running Prefect server.
 *
 * @since 0.1.0
 */
export interface PrefectServer {
  /** `http://127.0.0.1:<port>/api`. */
  readonly apiUrl: string;
  readonly port: number;
  /** The server's PREFECT_HOME (a temp folder, removed on stop). */
  readonly home: string;
  /** Server output so far (last 256 KB). */
  output(): string;
  /** Whether the server process is still running. */
  running(): boolean;
  /** Stops the server (SIGTERM to its process group, SIGKILL after 10 s) and removes its home. */
  stop(): Promise<void>;
  /**
   * Kills the server at once (SIGKILL to its process group, as a crash or the OOM killer would),
   * resolving once it has exited; `stop()` afterwards still removes its home.
   */
  kill(): Promise<void>;
}

const liveGroups = new Set<number>();
let exitHook = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Options of {@link startPrefectServer}.
 *
 * @since 0.1.0
 */
export interface PrefectServerOptions extends PrefectInstallOptions {
  /** Extra environment for the server, e.g. `PREFECT_SERVER_API_AUTH_STRING`. */
  readonly env?: Record<string, string>;
  /** How long to wait for `/api/health`. Default 120 s. */
  readonly timeoutMs?: number;
}

/**
 * Installs Prefect if needed, starts a server on a free loopback port and waits until it is healthy.
 *
 * @since 0.1.0
 */
export async function startPrefectServer(options: PrefectServerOptions = {}): Promise<PrefectServer> {
  const bin = await ensurePrefectInstalled(options);
  const port = await freePort();
  const home = await mkdtemp(join(tmpdir(), 'weft-prefect-home-'));
  const apiUrl = `http://127.0.0.1:${port}/api`;
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PREFECT_')) env[key] = value;
  }
  Object.assign(env, {
    PREFECT_HOME: home,
    PREFECT_API_URL: apiUrl,
    PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
    PREFECT_SERVER_UI_ENABLED: 'false',
    PREFECT_UI_ENABLED: 'false',
    DO_NOT_TRACK: '1',
    PREFECT_SERVER_REGISTER_BLOCKS_ON_START: 'false',
    PREFECT_SERVER_LOGGING_LEVEL: 'WARNING',
    PREFECT_CLI_PROMPT: 'false',
    PYTHONUNBUFFERED: '1',
    ...options.env,
  });
  const child: ChildProcess = spawn(
    bin,
    [
      'server',
      'start',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--no-services',
      '--no-ui',
      '--analytics-off',
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const pid = child.pid;
  if (pid === undefined) throw new PrefectServerError(`Could not start ${bin}`);
  liveGroups.add(pid);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const g of liveGroups) killGroup(g, 'SIGKILL');
    });
  }
  let out = '';
  const append = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (out.length > 256 * 1024) out = out.slice(-256 * 1024);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.on('exit', () => {
      exited = true;
      resolve();
    });
  });

  const stop = async () => {
    if (!liveGroups.has(pid)) return;
    killGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 10_000);
    await exitedPromise;
    clearTimeout(timer);
    killGroup(pid, 'SIGKILL'); // anything left in the group (uvicorn workers)
    liveGroups.delete(pid);
    await rm(home, { recursive: true, force: true });
  };

  const kill = async () => {
    if (!liveGroups.has(pid)) return;
    killGroup(pid, 'SIGKILL');
    await exitedPromise;
  };

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new PrefectServerError(
        `The Prefect server exited before becoming healthy (${apiUrl}). Its output:\n${tail(out, 60)}`,
      );
    }
    try {
      const response = await fetch(`${apiUrl}/health`, { signal: AbortSignal.timeout(2000) });
      if (response.ok && (await response.text()).trim() === 'true') break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new PrefectServerError(
        `The Prefect server did not answer ${apiUrl}/health within ${(options.timeoutMs ?? 120_000) / 1000} s. Its output:\n${tail(out, 60)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { apiUrl, port, home, output: () => out, running: () => !exited, stop, kill };
}
