/**
 * The coordinator's end of the log channel: reads a finished job's log list, decides which
 * attempts count, and hands their records, node by node and in order, to the log bridge.
 *
 * Execution is at-least-once, so a job may have been tried more than once. An attempt that ended
 * (its node returned or threw; it carries an end entry) is delivered: the records of a try that
 * threw and was retried explain that failure, as in Prefect's own task retries. An attempt that did
 * not end (its worker died or lost the job's lock mid-node, or handed the job back when it was
 * stopped), or that completed after losing the job's lock to another attempt, ran the same work
 * again: its records are dropped, so the sinks (the Prefect API) receive each record of the work
 * once. When no attempt ended (the job failed after its worker
 * died too often), the records the last attempt had flushed are delivered. Either way what was
 * dropped or lost is reported.
 *
 * @module
 */
import type { LogRecordLike } from './log-bridge.js';
import type { AttemptEnd } from './worker-logs.js';

/** Records of one attempt. */
interface Attempt {
  readonly id: string;
  readonly records: { member: number; record: LogRecordLike }[];
  end: AttemptEnd | undefined;
  count: readonly number[] | undefined;
}

/** What to deliver for a job, and what to report. */
export interface JobLogs {
  /** Records per node of the job, in order. */
  readonly byMember: readonly (readonly LogRecordLike[])[];
  /** Records of attempts that were lost and re-run (dropped: the later attempt's are delivered). */
  readonly dropped: number;
  /** Attempts that did not end (the worker died, lost the lock, or handed the job back). */
  readonly lostAttempts: readonly string[];
  /** Records counted by an end entry but not found (Redis refused them): lost in transit. */
  readonly missing: number;
  /** True when no attempt ended and the last lost attempt's flushed records were delivered. */
  readonly partial: boolean;
  /** Entries that could not be parsed. */
  readonly unreadable: number;
}

/**
 * Sorts a job's log entries into attempts and picks what to deliver.
 *
 * `finishedBy` (`<worker>#<attempt>#`, from the completed job's summary) names the attempt BullMQ
 * completed: another attempt that also says it completed had lost the job's lock (its worker was
 * stalled, the job ran again elsewhere) and counts as lost, so its records are not delivered twice.
 */
export function sortJobLogs(entries: readonly string[], members: number, finishedBy?: string): JobLogs {
  const attempts = new Map<string, Attempt>();
  let unreadable = 0;
  for (const text of entries) {
    let entry: unknown;
    try {
      entry = JSON.parse(text);
    } catch {
      unreadable++;
      continue;
    }
    if (entry === null || typeof entry !== 'object') {
      unreadable++;
      continue;
    }
    const { a, n, r, end, count } = entry as {
      a?: unknown;
      n?: unknown;
      r?: unknown;
      end?: unknown;
      count?: unknown;
    };
    if (typeof a !== 'string') {
      unreadable++;
      continue;
    }
    let attempt = attempts.get(a);
    if (attempt === undefined) {
      attempt = { id: a, records: [], end: undefined, count: undefined };
      attempts.set(a, attempt);
    }
    if (end === 'completed' || end === 'failed' || end === 'handed-back') {
      attempt.end = end;
      attempt.count = Array.isArray(count) ? (count as number[]) : undefined;
    } else if (
      typeof n === 'number' &&
      Number.isInteger(n) &&
      n >= 0 &&
      n < members &&
      r !== null &&
      typeof r === 'object'
    ) {
      attempt.records.push({ member: n, record: r as LogRecordLike });
    } else {
      unreadable++;
    }
  }
  const all = [...attempts.values()];
  // A handed-back attempt was given back unfinished: it counts as lost.
  const superseded = (x: Attempt) =>
    x.end === 'completed' && finishedBy !== undefined && !x.id.startsWith(finishedBy);
  const ended = all.filter((x) => (x.end === 'completed' || x.end === 'failed') && !superseded(x));
  const lost = all.filter((x) => x.end === undefined || x.end === 'handed-back' || superseded(x));
  let deliver: Attempt[] = ended;
  let partial = false;
  if (ended.length === 0 && lost.length > 0) {
    deliver = [lost[lost.length - 1] as Attempt];
    partial = true;
  }
  const byMember: LogRecordLike[][] = Array.from({ length: members }, () => []);
  let missing = 0;
  for (const attempt of deliver) {
    for (const { member, record } of attempt.records) (byMember[member] as LogRecordLike[]).push(record);
    if (attempt.count !== undefined) {
      let counted = 0;
      for (const c of attempt.count) counted += typeof c === 'number' ? c : 0;
      missing += Math.max(0, counted - attempt.records.length);
    }
  }
  let dropped = 0;
  for (const attempt of lost) if (!deliver.includes(attempt)) dropped += attempt.records.length;
  return {
    byMember,
    dropped,
    lostAttempts: lost.map((x) => x.id),
    missing,
    partial,
    unreadable,
  };
}

/** The worker named in an attempt id (`<worker>#<attempt>#<random>`). */
export function workerOfAttempt(id: string): string {
  const parts = id.split('#');
  return parts.length >= 3 ? parts.slice(0, -2).join('#') : id;
}
