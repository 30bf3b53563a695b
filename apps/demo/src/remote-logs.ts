/**
 * Log records of nodes that run in `weft-worker` processes (`--runner distributed`), brought back
 * to the demo: inside a worker, records are written to stdout as marked JSON lines; the demo reads
 * its workers' stdout and dispatches each record to the same sinks as local records (console,
 * run report, Prefect API), with the flow-run and task-run ids the worker logged them with.
 *
 * @module
 */
import { dispatchRecord, type LogRecord, type LogSink, setDefaultSinks } from '@weft/prefect-bridge';

/** Environment variable that tells the demo's node module it runs in a demo worker process. */
export const REMOTE_LOGS_ENV = 'WEFT_DEMO_REMOTE_LOGS';

const MARKER = '\u0001weft-log ';

/** Writes each record to stdout as one marked JSON line (synchronously, so none is lost at exit). */
class StdoutRecordSink implements LogSink {
  readonly level = 0;
  write(record: LogRecord): void {
    process.stdout.write(`${MARKER}${JSON.stringify(record)}\n`);
  }
}

/** In a demo worker process, sends this process's run-logger records to the demo (a no-op elsewhere). */
export function forwardLogsIfRemote(): void {
  if (process.env[REMOTE_LOGS_ENV] === '1') setDefaultSinks([new StdoutRecordSink()]);
}

/**
 * Splits a worker's output into lines: marked lines are dispatched as log records, anything else
 * goes to `other` (plain output of the worker process).
 */
export function remoteLogReader(other: (text: string) => void): (chunk: string) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.startsWith(MARKER)) dispatchRecord(JSON.parse(line.slice(MARKER.length)) as LogRecord);
      else if (line !== '') other(`${line}\n`);
      newline = pending.indexOf('\n');
    }
  };
}
