/**
 * Log timestamps: epoch microseconds, strictly increasing within a thread, formatted as ISO-8601
 * UTC with microsecond precision (what the Prefect server stores and sorts by).
 *
 * @module
 */

let last = 0;

/**
 * Current time as integer epoch microseconds, strictly greater than the previous value returned
 * in this thread (the Prefect server sorts logs by timestamp with no tiebreaker, so equal stamps
 * could come back out of emit order).
 *
 * @since 0.1.0
 */
export function nowMicros(): number {
  const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  last = now > last ? now : last + 1;
  return last;
}

/**
 * Formats epoch microseconds as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
 *
 * @since 0.1.0
 */
export function formatTimestamp(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // ...SS.mmmZ
  const us = String(micros - ms * 1000).padStart(3, '0');
  return `${iso.slice(0, -1)}${us}Z`;
}

/** Formats epoch microseconds as local `HH:MM:SS.mmm`, the time part of Prefect's console format. */
export function formatConsoleTime(micros: number): string {
  const d = new Date(Math.floor(micros / 1000));
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
