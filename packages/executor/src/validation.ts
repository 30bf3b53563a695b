/**
 * Argument checks shared by futures and executors, each failing with an
 * {@link InvalidArgumentError} that names the option and the value received.
 *
 * @internal
 * @module
 */
import { inspect } from 'node:util';
import { InvalidArgumentError } from './errors.js';

/** A short, single-line rendering of a bad value for error messages. */
export function show(value: unknown): string {
  return inspect(value, { depth: 1, breakLength: Infinity, maxArrayLength: 5, maxStringLength: 80 });
}

/**
 * Checks a `timeoutMs` option: `undefined` (wait forever), `Infinity` (the same), or a number
 * `>= 0` (`0` polls). Returns `undefined` for "forever".
 */
export function checkTimeout(timeoutMs: unknown, where: string): number | undefined {
  if (timeoutMs === undefined || timeoutMs === Number.POSITIVE_INFINITY) return undefined;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new InvalidArgumentError(
      `${where}: timeoutMs must be a number >= 0 or undefined (wait forever), got ${show(timeoutMs)}`,
    );
  }
  return timeoutMs;
}

/** Checks `maxWorkers`: an integer >= 1 (Python: "max_workers must be greater than 0"). */
export function checkMaxWorkers(maxWorkers: unknown, fallback: number, where: string): number {
  if (maxWorkers === undefined) return fallback;
  if (typeof maxWorkers !== 'number' || !Number.isInteger(maxWorkers) || maxWorkers < 1) {
    throw new InvalidArgumentError(
      `${where}: maxWorkers must be an integer greater than 0, got ${show(maxWorkers)}`,
    );
  }
  return maxWorkers;
}

/** Checks an optional boolean option. */
export function checkBoolean(value: unknown, fallback: boolean, name: string, where: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError(`${where}: ${name} must be a boolean, got ${show(value)}`);
  }
  return value;
}

/** Checks an optional object option. */
export function checkObject<T extends object>(value: unknown, name: string, where: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) {
    throw new InvalidArgumentError(`${where}: ${name} must be an object, got ${show(value)}`);
  }
  return value as T;
}
