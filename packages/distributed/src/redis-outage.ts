/**
 * One warning per Redis outage. While Redis is unreachable, ioredis reconnects every few hundred
 * milliseconds and every connection (the coordinator's, BullMQ's event reader, a worker's blocking
 * one) reports each failed attempt: left alone, that is a raw stack trace per attempt. This keeps
 * the first (one warning naming where Redis was expected), counts the rest, probes Redis until it
 * answers again, then says it is back and after how long.
 *
 * @module
 */
import { Redis, type RedisOptions } from 'ioredis';

/** Where warnings go: `console`, a run logger, or anything with `warn` (and optionally `info`). */
export interface OutageLogger {
  warn(message: string): void;
  info?(message: string): void;
}

/** Writes each message as one line on stderr. */
export const STDERR_LOGGER: OutageLogger = {
  warn: (message) => process.stderr.write(`${message}\n`),
  info: (message) => process.stderr.write(`${message}\n`),
};

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOENT',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Whether `error` says that Redis cannot be reached (rather than that a command failed). */
export function isConnectionError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, message, name } = error as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  if (name === 'MaxRetriesPerRequestError') return true;
  return (
    typeof message === 'string' &&
    /Connection is closed|Stream isn't writeable|Socket closed unexpectedly|connect E[A-Z]+/.test(message)
  );
}

/** After Redis is back, connection errors for this long are stragglers of the same outage. */
const GRACE_MS = 5000;

/** Options of {@link RedisOutageWatch}. */
export interface RedisOutageWatchOptions {
  /** Who speaks, e.g. `DistributedRunner` or `weft-worker host:123`. */
  readonly who: string;
  /** Where Redis is, for messages. */
  readonly where: string;
  /** Connection options used to probe Redis during an outage. */
  readonly connection: RedisOptions & { url?: string };
  readonly logger: OutageLogger;
  /** Errors that are not about the connection. */
  readonly onOtherError: (error: Error) => void;
}

/** Turns the connection errors of all of one process's Redis clients into one warning per outage. */
export class RedisOutageWatch {
  readonly #options: RedisOutageWatchOptions;
  #down = false;
  #since = 0;
  #backAt = Number.NEGATIVE_INFINITY;
  #hidden = 0;
  #probe: Redis | undefined;
  #closed = false;
  /** Outages seen so far. */
  outages = 0;

  constructor(options: RedisOutageWatchOptions) {
    this.#options = options;
  }

  /** Whether Redis is currently taken to be unreachable. */
  get down(): boolean {
    return this.#down;
  }

  /** Handles an error emitted by a Redis client, a BullMQ queue, event reader or worker. */
  readonly handle = (error: unknown): void => {
    if (this.#closed) return;
    if (!isConnectionError(error)) {
      this.#options.onOtherError(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.#down || performance.now() - this.#backAt < GRACE_MS) {
      this.#hidden++;
      return;
    }
    this.#down = true;
    this.outages++;
    this.#since = performance.now();
    this.#hidden = 0;
    const { who, where, logger } = this.#options;
    const reason = (error as { message?: unknown }).message;
    logger.warn(
      `${who}: lost Redis at ${where} (${typeof reason === 'string' ? reason : 'connection error'}); ` +
        'retrying until it answers again (work waits meanwhile; further connection errors of this outage are not shown).',
    );
    this.#startProbe();
  };

  #startProbe(): void {
    const { url, ...rest } = this.#options.connection;
    const options: RedisOptions = { ...rest, maxRetriesPerRequest: null, lazyConnect: false };
    const probe = url === undefined ? new Redis(options) : new Redis(url, options);
    this.#probe = probe;
    probe.on('error', () => {});
    probe.ping().then(
      () => this.#back(probe),
      () => {
        // Closed (by close()) or refused for good: nothing more to say.
      },
    );
  }

  #back(probe: Redis): void {
    probe.disconnect();
    if (this.#probe === probe) this.#probe = undefined;
    if (this.#closed || !this.#down) return;
    this.#down = false;
    this.#backAt = performance.now();
    const seconds = ((this.#backAt - this.#since) / 1000).toFixed(1);
    const { who, where, logger } = this.#options;
    (logger.info ?? logger.warn).call(
      logger,
      `${who}: Redis at ${where} answers again after ${seconds} s (${this.#hidden} further connection errors not shown).`,
    );
  }

  /** Stops probing. */
  close(): void {
    this.#closed = true;
    this.#probe?.disconnect();
    this.#probe = undefined;
  }
}
