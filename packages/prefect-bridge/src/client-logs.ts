/**
 * Logs: `POST /logs/` and `POST /logs/filter`, and the one place the `LogCreate` body is made
 * (the client's `createLogs` and the API sink both send what this module builds).
 *
 * @module
 */
import type { Log, LogCreate, LogQuery } from './api-types.js';
import { pageLimit, readAllPages } from './client-pages.js';
import { type ClientTransport, RawJson, type RequestOptions } from './client-transport.js';
import type { LogRecord } from './log-record.js';

/**
 * The fields of a `LogCreate`, in the order sent. The server answers 422 to any other key, so
 * exactly these are sent.
 */
const LOG_CREATE_FIELDS = [
  'name',
  'level',
  'message',
  'timestamp',
  'flow_run_id',
  'task_run_id',
] as const satisfies readonly (keyof LogCreate)[];

// Compile-time check: every field of LogCreate is in LOG_CREATE_FIELDS.
type MissingField = Exclude<keyof LogCreate, (typeof LOG_CREATE_FIELDS)[number]>;
const everyField: [MissingField] extends [never] ? true : MissingField = true;
void everyField;

/** The `LogCreate` body of a record, stamped with `timestamp` (ISO-8601 UTC). */
export function logCreateOf(
  record: Pick<LogRecord, 'name' | 'level' | 'message' | 'flowRunId' | 'taskRunId'>,
  timestamp: string,
): LogCreate {
  return {
    name: record.name,
    level: record.level,
    message: record.message,
    timestamp,
    flow_run_id: record.flowRunId,
    task_run_id: record.taskRunId,
  };
}

/** `POST /logs/` with a JSON array; only `LogCreate` fields are sent. */
export async function createLogs(
  transport: ClientTransport,
  logs: readonly LogCreate[],
  options?: RequestOptions,
): Promise<void> {
  await transport.request<void>(
    'POST',
    '/logs/',
    new RawJson(JSON.stringify(logs, [...LOG_CREATE_FIELDS])),
    options,
  );
}

/** `POST /logs/` with an already-serialized JSON array of `LogCreate` objects. */
export async function createLogsRaw(
  transport: ClientTransport,
  jsonArray: string,
  options?: RequestOptions,
): Promise<void> {
  await transport.request<void>('POST', '/logs/', new RawJson(jsonArray), options);
}

/** One page of `POST /logs/filter`. */
export async function readLogs(
  transport: ClientTransport,
  query: LogQuery,
  options?: RequestOptions,
): Promise<Log[]> {
  const limit = pageLimit('readLogs', query.limit);
  return transport.request<Log[]>(
    'POST',
    '/logs/filter',
    { logs: logFilter(query), sort: query.sort ?? 'TIMESTAMP_ASC', limit, offset: query.offset ?? 0 },
    options,
  );
}

/** Every log matching the query, following `offset` pagination (`query.limit` is the page size). */
export async function readAllLogs(
  transport: ClientTransport,
  query: Omit<LogQuery, 'offset'>,
  options?: RequestOptions,
): Promise<Log[]> {
  const limit = pageLimit('readLogs', query.limit);
  return readAllPages(limit, (offset) => readLogs(transport, { ...query, limit, offset }, options));
}

function logFilter(query: LogQuery): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (query.flowRunId !== undefined) {
    filter.flow_run_id = {
      any_: typeof query.flowRunId === 'string' ? [query.flowRunId] : [...query.flowRunId],
    };
  }
  if (query.taskRunId === null) filter.task_run_id = { is_null_: true };
  else if (query.taskRunId !== undefined) {
    filter.task_run_id = {
      any_: typeof query.taskRunId === 'string' ? [query.taskRunId] : [...query.taskRunId],
    };
  }
  if (query.levelGe !== undefined || query.levelLe !== undefined) {
    const level: Record<string, number> = {};
    if (query.levelGe !== undefined) level.ge_ = query.levelGe;
    if (query.levelLe !== undefined) level.le_ = query.levelLe;
    filter.level = level;
  }
  if (query.text !== undefined) filter.text = { query: query.text };
  return filter;
}
