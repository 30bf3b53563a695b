/**
 * The log record every sink receives, and the sink interface.
 *
 * @module
 */

/**
 * Extra fields bound to a logger or passed with one call (Python's `extra=`).
 *
 * @since 0.1.0
 */
export type LogExtra = Readonly<Record<string, unknown>>;

/**
 * One log event. Records are plain structured-cloneable objects (when their `extra` values are),
 * so records emitted in a worker thread travel to the main thread unchanged.
 *
 * @since 0.1.0
 */
export interface LogRecord {
  /** Logger name: `prefect.task_runs`, `prefect.flow_runs`, or one of their children. */
  readonly name: string;
  /** Numeric level (10 DEBUG, 20 INFO, 30 WARNING, 40 ERROR, 50 CRITICAL). */
  readonly level: number;
  /** The message, including any appended stack trace. */
  readonly message: string;
  /** Emit time in integer epoch microseconds, strictly increasing per thread. */
  readonly timestamp: number;
  /** Flow run the record belongs to, or `null`. */
  readonly flowRunId: string | null;
  /** Task run the record belongs to, or `null` for flow-level logs. */
  readonly taskRunId: string | null;
  /**
   * Bound and per-call extra fields (Prefect's `flow_run_name`, `task_run_name`, `task_name`,
   * `flow_name`, ... plus anything the caller added). `send_to_api: false` keeps a record away from
   * the API sink.
   */
  readonly extra: LogExtra;
}

/**
 * Options every sink may take.
 *
 * @since 0.1.0
 */
export interface SinkOptions {
  /** Records below this level are not written to the sink. */
  readonly level?: number;
}

/**
 * Something that receives log records.
 *
 * @since 0.1.0
 */
export interface LogSink {
  /** Minimum level this sink accepts (records below it are not passed to `write`). */
  readonly level: number;
  /** Receives one record. Must not block; may buffer. */
  write(record: LogRecord): void;
  /** Resolves once every record written so far has been delivered (or given up on). */
  flush?(): Promise<void>;
  /** Flushes and releases resources; later writes are ignored. Never rejects. */
  close?(options?: { timeoutMs?: number }): Promise<void>;
}
