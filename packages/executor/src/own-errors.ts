/**
 * The error classes of this package by name, for `decodeThrown`: an error of ours thrown in a
 * worker thread is rebuilt as the same class on the main thread. Derived from what `errors.ts`
 * exports, so a new error class is rebuilt without being listed anywhere.
 *
 * @module
 */
import * as errors from './errors.js';
import { ExecutorError } from './errors.js';
import type { ErrorClassRegistry } from './thrown-value.js';

type ErrorClass = new (...args: never[]) => Error;

function isOwnErrorClass(value: unknown): value is ErrorClass {
  return typeof value === 'function' && (value === ExecutorError || value.prototype instanceof ExecutorError);
}

/** Every error class of `@weft/executor`, by class name. */
export const OWN_ERRORS: ErrorClassRegistry = new Map(
  Object.values(errors)
    .filter(isOwnErrorClass)
    .map((errorClass) => [errorClass.name, errorClass] as const),
);
