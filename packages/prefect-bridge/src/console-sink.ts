/**
 * A sink that prints records in Prefect's console format.
 *
 * @module
 */
import { defaultLevelFromEnv, levelName } from './levels.js';
import type { LogRecord, LogSink, SinkOptions } from './log-record.js';
import { formatConsoleTime } from './timestamps.js';

/**
 * Where the console sink writes: anything with a `write(text)` method.
 *
 * @since 0.1.0
 */
export interface TextStream {
  write(text: string): unknown;
}

/**
 * Options of {@link ConsoleSink}.
 *
 * @since 0.1.0
 */
export interface ConsoleSinkOptions extends SinkOptions {
  /** Destination; default `process.stderr` (where Prefect's console handler writes). */
  readonly stream?: TextStream;
}

/**
 * Formats a record the way Prefect's `PrefectFormatter` does:
 * `12:00:01.123 | INFO    | Task run 'load' - message` for task-run loggers,
 * `... | Flow run 'brave-otter' - message` for flow-run loggers, `... | name - message` otherwise.
 *
 * @since 0.1.0
 */
export function formatConsoleRecord(record: LogRecord): string {
  const head = `${formatConsoleTime(record.timestamp)} | ${levelName(record.level).padEnd(7)} | `;
  if (record.name === 'prefect.task_runs' || record.name.startsWith('prefect.task_runs.')) {
    return `${head}Task run ${pyRepr(String(record.extra.task_run_name ?? '<unknown>'))} - ${record.message}`;
  }
  if (record.name === 'prefect.flow_runs' || record.name.startsWith('prefect.flow_runs.')) {
    return `${head}Flow run ${pyRepr(String(record.extra.flow_run_name ?? '<unknown>'))} - ${record.message}`;
  }
  return `${head}${record.name} - ${record.message}`;
}

/** Python's `repr()` of a string (how Prefect quotes run names). */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of text) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/**
 * Writes each record, formatted like Prefect's console handler, to a stream (stderr by default).
 *
 * @since 0.1.0
 */
export class ConsoleSink implements LogSink {
  /** Minimum level printed; default `PREFECT_LOGGING_LEVEL` or INFO. */
  readonly level: number;
  readonly #stream: TextStream;

  /** @param options Level and destination stream. */
  constructor(options: ConsoleSinkOptions = {}) {
    this.level = options.level ?? defaultLevelFromEnv();
    this.#stream = options.stream ?? process.stderr;
  }

  /** Prints one record. */
  write(record: LogRecord): void {
    this.#stream.write(`${formatConsoleRecord(record)}\n`);
  }

  /** Nothing is buffered: resolves immediately. */
  async flush(): Promise<void> {}
}
