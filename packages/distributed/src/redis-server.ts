/**
 * A throw-away local Redis: `redis-server` (Debian's `redis-server` package, Homebrew's `redis`)
 * on a Unix socket in a temporary folder, no TCP port, no persistence. For local clusters, demos
 * and tests.
 *
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { RedisServerError } from './errors.js';
import { remove } from './shared-storage.js';

/** How to get `redis-server`, for messages. */
export const REDIS_INSTALL_HINT =
  "install Redis: 'sudo apt-get install redis-server' (Debian/Ubuntu), 'brew install redis' (macOS), or put a redis-server binary on PATH";

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** The binary. Default: `redis-server` found on PATH (or in /usr/bin, /usr/sbin, /usr/local/bin). */
  binary?: string;
  /** Milliseconds to wait for the server to answer PING. Default 10000. */
  startTimeoutMs?: number;
}

/** A running local Redis. */
export interface RedisServer {
  /** Path of its Unix socket (give it as the `redis` option). */
  readonly socket: string;
  /** Its temporary folder (removed by `close`). */
  readonly dir: string;
  /** The process id of redis-server. */
  readonly pid: number;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The path of `redis-server`, or undefined when it is not installed. */
export function findRedisServer(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = connect(socket);
    let reply = '';
    const done = (ok: boolean) => {
      conn.destroy();
      resolve(ok);
    };
    conn.setTimeout(500, () => done(false));
    conn.on('error', () => done(false));
    conn.on('connect', () => conn.write('PING\r\n'));
    conn.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `redis-server` on a Unix socket in a new temporary folder (`--port 0`, no RDB, no AOF,
 * `noeviction` as BullMQ requires) and resolves once it answers PING.
 *
 * @throws {RedisServerError} when the binary is missing (with how to install it), exits, or does not answer in time.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = options.binary ?? findRedisServer();
  if (binary === undefined) {
    throw new RedisServerError(
      'ERR_REDIS_NOT_INSTALLED',
      `redis-server was not found on PATH: ${REDIS_INSTALL_HINT}.`,
    );
  }
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const dir = await mkdtemp(join(tmpdir(), 'weft-redis-'));
  const socket = join(dir, 'redis.sock');
  const args = [
    '--port',
    '0',
    '--unixsocket',
    socket,
    '--unixsocketperm',
    '700',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--maxmemory-policy',
    'noeviction',
  ];
  const logfile = join(dir, 'redis.log');
  args.push('--logfile', logfile);
  // A small shell ties redis-server to this process: it stops the server when our end of its stdin
  // closes (also when this process dies without cleaning up), and exits when the server does.
  const keeper =
    'exec 3<&0; "$0" "$@" & pid=$!; echo "$pid"; (read _ignored <&3; kill "$pid" 2>/dev/null) & wait "$pid"';
  let child: ChildProcess;
  try {
    child = spawn('/bin/sh', ['-c', keeper, binary, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    await remove(dir);
    throw new RedisServerError('ERR_REDIS_START', `cannot start ${binary}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let printed = '';
  child.stdout?.on('data', (chunk) => {
    printed = (printed + chunk.toString()).slice(-4000);
  });
  child.stderr?.on('data', (chunk) => {
    printed = (printed + chunk.toString()).slice(-4000);
  });
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });
  const serverPid = () => {
    const pid = Number.parseInt(printed, 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  };
  const output = async () => {
    const log = await readFile(logfile, 'utf8').catch(() => '');
    return `${printed.replace(/^\d+\n/, '')}${log}`.trim().slice(-4000);
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      const timer = setTimeout(() => {
        const pid = serverPid();
        if (pid !== undefined) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        child.kill('SIGKILL');
      }, 5000);
      await exited(child);
      clearTimeout(timer);
    }
    await remove(dir);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError !== undefined || child.exitCode !== null || child.signalCode !== null) {
      const text = await output();
      await stop();
      throw new RedisServerError(
        'ERR_REDIS_START',
        `${binary} exited before it answered PING${spawnError === undefined ? '' : ` (${spawnError.message})`}:\n${text}`,
        { cause: spawnError },
      );
    }
    if (await ping(socket)) break;
    if (Date.now() > deadline) {
      const text = await output();
      await stop();
      throw new RedisServerError(
        'ERR_REDIS_START',
        `${binary} did not answer PING on ${socket} within ${timeoutMs} ms:\n${text}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= stop();
    return closing;
  };
  return { socket, dir, pid: serverPid() ?? (child.pid as number), close, [Symbol.asyncDispose]: close };
}
