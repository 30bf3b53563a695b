/**
 * A sink that appends one JSON object per record to a file (JSON Lines).
 *
 * @module
 */
import { closeSync, write as fsWrite, openSync } from 'node:fs';
import { PrefectConfigError } from './errors.js';
import { levelName } from './levels.js';
import type { LogRecord, LogSink, SinkOptions } from './log-record.js';
import { formatTimestamp } from './timestamps.js';

/**
 * The JSON object written per record.
 *
 * @since 0.1.0
 */
export interface JsonLogLine {
  timestamp: string;
  level: number;
  level_name: string;
  name: string;
  message: string;
  flow_run_id: string | null;
  task_run_id: string | null;
  extra: Record<string, unknown>;
}

/**
 * Converts a record to the object {@link JsonLinesFileSink} writes.
 *
 * @since 0.1.0
 */
export function toJsonLogLine(record: LogRecord): JsonLogLine {
  return {
    timestamp: formatTimestamp(record.timestamp),
    level: record.level,
    level_name: levelName(record.level),
    name: record.name,
    message: record.message,
    flow_run_id: record.flowRunId,
    task_run_id: record.taskRunId,
    extra: { ...record.extra },
  };
}

/**
 * Options of {@link JsonLinesFileSink}.
 *
 * @since 0.1.0
 */
export interface JsonLinesFileSinkOptions extends SinkOptions {
  /** Called once with a description when writing fails; default prints to stderr. */
  readonly onError?: (message: string) => void;
}

/**
 * Appends records to a file as JSON Lines. Writes are batched and asynchronous; `flush()` resolves
 * when everything written so far is on disk (handed to the OS). Values in `extra` that JSON cannot
 * represent (BigInt, cycles) are written as strings.
 *
 * @since 0.1.0
 */
export class JsonLinesFileSink implements LogSink {
  /** Minimum level written; default 0 (everything). */
  readonly level: number;
  /** The file being appended to. */
  readonly path: string;
  #fd: number | undefined;
  #pending: string[] = [];
  #writing: Promise<void> | undefined;
  #failed = false;
  readonly #onError: (message: string) => void;

  /**
   * Opens (creates or appends to) the file now, so a bad path fails here.
   *
   * @param path File to append to.
   * @param options Level and error reporter.
   * @throws {PrefectConfigError} naming the path when it cannot be opened.
   */
  constructor(path: string, options: JsonLinesFileSinkOptions = {}) {
    this.path = path;
    this.level = options.level ?? 0;
    this.#onError =
      options.onError ?? ((message) => process.stderr.write(`--- Error writing logs ---\n${message}\n`));
    try {
      this.#fd = openSync(path, 'a');
    } catch (error) {
      throw new PrefectConfigError(`Cannot open JSON lines log file ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Queues one line; it is written on the next turn of the event loop. */
  write(record: LogRecord): void {
    if (this.#fd === undefined) return;
    this.#pending.push(`${safeStringify(toJsonLogLine(record))}\n`);
    if (this.#writing === undefined) this.#writing = this.#drain();
  }

  /** Resolves when every line queued so far has been written. */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  /** Flushes and closes the file. Later writes are ignored. */
  async close(): Promise<void> {
    await this.flush();
    if (this.#fd !== undefined) {
      const fd = this.#fd;
      this.#fd = undefined;
      closeSync(fd);
    }
  }

  async #drain(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.#pending.length > 0 && this.#fd !== undefined) {
        const chunk = this.#pending.join('');
        this.#pending = [];
        await writeAll(this.#fd, Buffer.from(chunk, 'utf8'));
      }
    } catch (error) {
      this.#pending = [];
      if (!this.#failed) {
        this.#failed = true;
        this.#onError(`Cannot write to ${this.path}: ${(error as Error).message}`);
      }
    } finally {
      this.#writing = undefined;
    }
  }
}

function writeAll(fd: number, buffer: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (offset: number) => {
      fsWrite(fd, buffer, offset, buffer.length - offset, null, (error, written) => {
        if (error) reject(error);
        else if (offset + written < buffer.length) step(offset + written);
        else resolve();
      });
    };
    step(0);
  });
}

/** `JSON.stringify` that never throws: BigInts and cycles become strings. */
export function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
      }
      return v;
    });
  }
}
