/**
 * Reading the columns of loaded rows: CSV rows hold text (`$1,325.0`, `90%`, `t`), JSON rows hold
 * typed values; both are read here, and a bad value fails with the dataset, row and column named.
 *
 * @module
 */
import { DataError } from './errors.js';

/** A row as loaded: column → text (CSV) or a typed value (JSON). */
export type Row = Readonly<Record<string, unknown>>;

/** Reads a column as text, failing with the dataset, row and column named. */
export function text(row: Row, column: string, dataset: string, index: number): string {
  const value = row[column];
  if (value === undefined || value === null) {
    throw new DataError(`Dataset '${dataset}' row ${index + 1} has no column '${column}'`);
  }
  return String(value);
}

/** Reads a column as a finite number (after stripping `$`, `,` and `%`), or `undefined` when blank. */
export function optionalNumber(row: Row, column: string, dataset: string, index: number): number | undefined {
  const raw = text(row, column, dataset, index).trim();
  if (raw === '') return undefined;
  const value = Number(raw.replace(/[$,%]/g, ''));
  if (!Number.isFinite(value)) {
    throw new DataError(`Dataset '${dataset}' row ${index + 1} column '${column}': '${raw}' is not a number`);
  }
  return value;
}

/** Reads a column as a finite number; blank is an error. */
export function requiredNumber(row: Row, column: string, dataset: string, index: number): number {
  const value = optionalNumber(row, column, dataset, index);
  if (value === undefined)
    throw new DataError(`Dataset '${dataset}' row ${index + 1} column '${column}' is blank`);
  return value;
}

/** Reads `t`/`f`/`true`/`false`/`1`/`0` as a boolean. */
export function bool(row: Row, column: string, dataset: string, index: number): boolean {
  const raw = text(row, column, dataset, index).trim().toLowerCase();
  if (raw === 't' || raw === 'true' || raw === '1') return true;
  if (raw === 'f' || raw === 'false' || raw === '0') return false;
  throw new DataError(`Dataset '${dataset}' row ${index + 1} column '${column}': '${raw}' is not a boolean`);
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** `value` rounded to `digits` decimals. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
