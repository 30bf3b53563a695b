/**
 * `@weft/prefect-bridge/logging`: the generic logging under the run logger, with nothing of
 * Prefect's API in it: log records and levels, sinks (console, JSON lines, memory), and routing
 * (the default sinks of a thread, sinks bound to one run, records of worker threads forwarded to
 * the thread that owns the sinks, flushing). Write a sink, route records from another process
 * (`@weft/distributed`'s log channel does), or test what a node logged.
 *
 * The Prefect API sink joins the default sinks when `PREFECT_API_URL` is set and the main entry
 * (`@weft/prefect-bridge`) is loaded; this entry alone never talks to a Prefect server.
 *
 * @packageDocumentation
 */
export {
  ConsoleSink,
  type ConsoleSinkOptions,
  formatConsoleRecord,
  type TextStream,
} from './console-sink.js';
export {
  JsonLinesFileSink,
  type JsonLinesFileSinkOptions,
  type JsonLogLine,
  toJsonLogLine,
} from './json-lines-sink.js';
export { type LevelLike, type LevelName, LogLevel, levelName, parseLevel } from './levels.js';
export type { LogExtra, LogRecord, LogSink, SinkOptions } from './log-record.js';
export {
  bindRunSinks,
  dispatchRecord,
  ensureLogReceiver,
  flushLogs,
  getDefaultSinks,
  isForwardingThread,
  setDefaultSinks,
  sinksFor,
  WorkerForwardSink,
  waitForWorkerLogs,
} from './log-routing.js';
export { MemorySink } from './memory-sink.js';
export { formatTimestamp, nowMicros } from './timestamps.js';
