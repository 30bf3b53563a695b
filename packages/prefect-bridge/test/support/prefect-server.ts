/**
 * Test support: a real Prefect 3 server for the integration tests.
 *
 * - Installs the pinned `prefect` once into `<repo>/.cache/prefect-venv-<version>` (gitignored;
 *   reused while it imports the right version; pip's wheel cache makes reinstalls quick).
 * - Starts `prefect server start --no-services --no-ui --analytics-off` on a free loopback port,
 *   with `PREFECT_HOME` in a fresh temp folder and telemetry off, and waits for `/api/health`.
 * - Stops it by killing its process group, leaving nothing running.
 *
 * Without Python (or when the install fails) it throws a message saying what is missing. Setting
 * `WEFT_SKIP_PREFECT_SERVER=1` skips the server tests instead, except under `CI=true`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pinned Prefect version the integration tests run against. */
export const PREFECT_VERSION = '3.9.1';

/** Repository root (this file is packages/prefect-bridge/test/support/prefect-server.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Where the virtual environment lives. */
export const VENV_DIR = join(REPO_ROOT, '.cache', `prefect-venv-${PREFECT_VERSION}`);

const SKIP_VAR = 'WEFT_SKIP_PREFECT_SERVER';

/** Whether the server tests are skipped, and why. Never skipped under CI=true. */
export function prefectServerSkip(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const wanted = env[SKIP_VAR] === '1' || env[SKIP_VAR] === 'true';
  if (!wanted) return undefined;
  if (env.CI === 'true' || env.CI === '1') {
    throw new Error(`${SKIP_VAR} is set, but the Prefect server tests cannot be skipped when CI=true`);
  }
  return `${SKIP_VAR}=${env[SKIP_VAR]}: Prefect server integration tests skipped`;
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

async function findPython(): Promise<string> {
  const candidates = [process.env.PYTHON, 'python3', 'python'].filter((c): c is string => !!c);
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
    problems.push(`${candidate}: Python ${r.stdout.trim()} (prefect ${PREFECT_VERSION} needs 3.10–3.14)`);
  }
  throw new Error(
    `The Prefect integration tests need Python 3.10–3.14 to install prefect==${PREFECT_VERSION}, and none was found:\n  ${problems.join('\n  ')}\n` +
      `Install Python 3 with venv support (Debian: apt-get install python3 python3-venv), or set PYTHON=/path/to/python3. ` +
      `Outside CI you may skip these tests with ${SKIP_VAR}=1.`,
  );
}

const venvPython = () => join(VENV_DIR, 'bin', 'python');
/** The `prefect` executable inside the virtual environment. */
export const prefectBin = () => join(VENV_DIR, 'bin', 'prefect');

async function installedVersion(): Promise<string | undefined> {
  if (!existsSync(venvPython()) || !existsSync(prefectBin())) return undefined;
  const r = await run(venvPython(), ['-c', 'import prefect; print(prefect.__version__)'], {
    timeoutMs: 120_000,
  });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = `${VENV_DIR}.lock`;
  await mkdir(join(REPO_ROOT, '.cache'), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await import('node:fs/promises')
        .then((fs) => fs.readFile(join(lock, 'pid'), 'utf8'))
        .catch(() => '');
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
      if (Date.now() > deadline) throw new Error(`Timed out waiting for the install lock ${lock}`);
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
 * Makes sure `prefect==PREFECT_VERSION` is installed in {@link VENV_DIR}; returns the path of the
 * `prefect` executable.
 */
export async function ensurePrefectInstalled(log: (line: string) => void = () => {}): Promise<string> {
  if ((await installedVersion()) === PREFECT_VERSION) return prefectBin();
  return withLock(async () => {
    if ((await installedVersion()) === PREFECT_VERSION) return prefectBin();
    const python = await findPython();
    log(`installing prefect==${PREFECT_VERSION} into ${VENV_DIR} (once) ...`);
    await rm(VENV_DIR, { recursive: true, force: true });
    const venv = await run(python, ['-m', 'venv', VENV_DIR], { timeoutMs: 300_000 });
    if (venv.code !== 0) {
      throw new Error(
        `Could not create a Python virtual environment at ${VENV_DIR} with ${python}:\n${tail(venv.stderr || venv.stdout)}\n` +
          `On Debian install python3-venv. Outside CI you may skip these tests with ${SKIP_VAR}=1.`,
      );
    }
    const pip = await run(
      venvPython(),
      [
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--no-input',
        '--quiet',
        `prefect==${PREFECT_VERSION}`,
      ],
      { timeoutMs: 900_000, env: { ...process.env, PIP_NO_INPUT: '1' } },
    );
    if (pip.code !== 0) {
      throw new Error(
        `pip could not install prefect==${PREFECT_VERSION} into ${VENV_DIR}:\n${tail(pip.stderr || pip.stdout)}\n` +
          `Check access to PyPI. Outside CI you may skip these tests with ${SKIP_VAR}=1.`,
      );
    }
    const version = await installedVersion();
    if (version !== PREFECT_VERSION) {
      throw new Error(`prefect installed into ${VENV_DIR} but importing it gave version ${String(version)}`);
    }
    log(`prefect ${version} installed`);
    return prefectBin();
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not get a free port'));
      });
    });
  });
}

/** A running Prefect server. */
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

/** Options of {@link startPrefectServer}. */
export interface StartOptions {
  /** Extra environment for the server, e.g. `PREFECT_SERVER_API_AUTH_STRING`. */
  readonly env?: Record<string, string>;
  /** How long to wait for `/api/health`. Default 120 s. */
  readonly timeoutMs?: number;
}

/** Installs Prefect if needed, starts a server on a free loopback port and waits until it is healthy. */
export async function startPrefectServer(options: StartOptions = {}): Promise<PrefectServer> {
  const bin = await ensurePrefectInstalled((line) => process.stderr.write(`[prefect-server] ${line}\n`));
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
  if (pid === undefined) throw new Error(`Could not start ${bin}`);
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

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(
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
      throw new Error(
        `The Prefect server did not answer ${apiUrl}/health within ${(options.timeoutMs ?? 120_000) / 1000} s. Its output:\n${tail(out, 60)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { apiUrl, port, home, output: () => out, running: () => !exited, stop };
}
