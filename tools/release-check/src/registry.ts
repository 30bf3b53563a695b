/**
 * A throwaway npm registry for release tests: Verdaccio in a child process on a free loopback port,
 * with its storage and htpasswd file in a folder the caller owns, no uplinks (it proxies nothing),
 * and only one scope served. Publishing needs a user, which {@link LocalRegistry.addUser} creates.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RegistryError } from './errors.js';
import { isolatedEnv } from './run-command.js';

/** Options of {@link startLocalRegistry}. */
export interface LocalRegistryOptions {
  /** An empty folder for the registry's configuration, storage, htpasswd file and log. */
  dir: string;
  /** The only scope the registry serves, e.g. `@weft`; every other package name is refused. */
  scope: string;
  /** How long Verdaccio may take to start listening (default 60 000 ms). */
  startTimeoutMs?: number;
}

/** What the registry holds for one package name (the parts the release tests read). */
export interface Packument {
  name: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, { version: string; dist: { tarball: string } } & Record<string, unknown>>;
}

/** A running throwaway registry. */
export interface LocalRegistry {
  /** Its address, with a trailing slash: `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** The `.npmrc` key its auth token goes under: `//127.0.0.1:<port>/:_authToken`. */
  readonly authKey: string;
  /** Registers a user in the htpasswd file (as `npm adduser` would) and resolves with its token. */
  addUser(name: string, password: string): Promise<string>;
  /** The registry's document for a package name, or `undefined` when it has none (404). */
  packument(name: string): Promise<Packument | undefined>;
  /** The HTTP status the registry answers a GET of `pathname` with (no auth). */
  status(pathname: string): Promise<number>;
  /** Everything Verdaccio logged so far. */
  log(): string;
  /** Stops Verdaccio; resolves once the process has exited. */
  close(): Promise<void>;
}

/**
 * The Verdaccio configuration of {@link startLocalRegistry}, as an object (JSON is YAML, so it is
 * written as is): storage and htpasswd in `dir`, at most one registered user, no uplinks, the
 * scope readable by anyone and publishable by that user, nothing else served, no web UI, and
 * `http`-level logs in `dir/verdaccio.log`.
 */
export function verdaccioConfig(dir: string, scope: string): Record<string, unknown> {
  return {
    storage: path.join(dir, 'storage'),
    auth: { htpasswd: { file: path.join(dir, 'htpasswd'), max_users: 1 } },
    uplinks: {},
    packages: {
      [`${scope}/*`]: { access: '$all', publish: '$authenticated', unpublish: '$authenticated' },
    },
    web: { enable: false },
    log: { type: 'file', path: path.join(dir, 'verdaccio.log'), format: 'json', level: 'http' },
  };
}

/**
 * Starts Verdaccio (the version this package pins) on `127.0.0.1` at a port the system picks, and
 * resolves once it answers. Rejects with a {@link RegistryError} carrying Verdaccio's output when it
 * exits or stays silent past `startTimeoutMs`.
 *
 * @example
 * const registry = await startLocalRegistry({ dir: mkdtempSync(...), scope: '@weft' });
 * const token = await registry.addUser('release-test', 'secret');
 * // .npmrc: `@weft:registry=${registry.url}` and `${registry.authKey}=${token}`
 * await registry.close();
 */
export async function startLocalRegistry(options: LocalRegistryOptions): Promise<LocalRegistry> {
  const { dir, scope } = options;
  if (!/^@[a-z0-9][\w.-]*$/.test(scope)) throw new RegistryError(`"${scope}" is not an npm scope (@name)`);
  mkdirSync(path.join(dir, 'storage'), { recursive: true });
  const configFile = path.join(dir, 'config.yaml');
  writeFileSync(configFile, `${JSON.stringify(verdaccioConfig(dir, scope), null, 2)}\n`);
  const logFile = path.join(dir, 'verdaccio.log');

  let output = '';
  const child = spawn(...childCommand(configFile), {
    cwd: dir,
    env: isolatedEnv(),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');

  const port = await new Promise<number>((resolve, reject) => {
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new RegistryError(`Verdaccio did not start listening within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message?.type === 'listening' && typeof message.port === 'number') {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new RegistryError(`Verdaccio could not be started: ${error.message}`, { cause: error }));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new RegistryError(
          `Verdaccio exited (${signal ?? `code ${code}`}) before listening:\n${output}\n${log()}`,
        ),
      );
    });
  });

  const url = `http://127.0.0.1:${port}/`;
  const request = async (pathname: string, init?: RequestInit) => {
    try {
      return await fetch(new URL(pathname, url), { ...init, signal: AbortSignal.timeout(30_000) });
    } catch (cause) {
      throw new RegistryError(`${init?.method ?? 'GET'} ${url}${pathname} failed: ${cause}`, { cause });
    }
  };

  return {
    url,
    authKey: `//127.0.0.1:${port}/:_authToken`,
    async addUser(name, password) {
      const response = await request(`-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [] }),
      });
      const body = (await response.json().catch(() => ({}))) as { token?: string; error?: string };
      if (response.status !== 201 || typeof body.token !== 'string') {
        throw new RegistryError(
          `registering ${name} at ${url} answered ${response.status}: ${body.error ?? JSON.stringify(body)}`,
        );
      }
      return body.token;
    },
    async packument(name) {
      const response = await request(name.replace('/', '%2f'));
      if (response.status === 404) return undefined;
      if (!response.ok) throw new RegistryError(`GET ${url}${name} answered ${response.status}`);
      return (await response.json()) as Packument;
    },
    async status(pathname) {
      const response = await request(pathname);
      await response.arrayBuffer();
      return response.status;
    },
    log,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}

/** `node verdaccio-process.js <config>`, or the `.ts` through tsx when this module runs from sources. */
function childCommand(configFile: string): [string, string[]] {
  const fromSources = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(`./verdaccio-process.${fromSources ? 'ts' : 'js'}`, import.meta.url));
  if (!fromSources) return [process.execPath, [script, configFile]];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return [process.execPath, ['--import', tsx, script, configFile]];
}
