/**
 * A sink that keeps records in memory, for tests and inspection.
 *
 * @module
 */
import type { LogRecord, LogSink, SinkOptions } from './log-record.js';

/**
 * Keeps every record it receives in {@link MemorySink.records}, in arrival order.
 *
 * @since 0.1.0
 */
export class MemorySink implements LogSink {
  /** Minimum level kept; default 0 (everything, DEBUG included). */
  readonly level: number;
  /** The records received, oldest first. */
  readonly records: LogRecord[] = [];

  /** @param options Minimum level. */
  constructor(options: SinkOptions = {}) {
    this.level = options.level ?? 0;
  }

  /** Appends the record. */
  write(record: LogRecord): void {
    this.records.push(record);
  }

  /** The messages received, oldest first. */
  messages(): string[] {
    return this.records.map((r) => r.message);
  }

  /** Records whose message contains `text`. */
  find(text: string): LogRecord[] {
    return this.records.filter((r) => r.message.includes(text));
  }

  /** Forgets every record. */
  clear(): void {
    this.records.length = 0;
  }

  /** Nothing is buffered: resolves immediately. */
  async flush(): Promise<void> {}
}
