import { describe, expect, it } from 'vitest';
import { importSecondCopy } from '../../../test-support/second-copy.js';
import * as errors from '../src/errors.js';
import {
  CancelledError,
  ExecutorError,
  TaskLeftoverError,
  ThrownValueError,
  TimeoutError,
} from '../src/errors.js';
import { OWN_ERRORS } from '../src/own-errors.js';

/** A second, physically distinct copy of the errors module (as in a duplicated install). */
async function otherCopy(): Promise<typeof errors> {
  return importSecondCopy<typeof errors>(new URL('../src/errors.ts', import.meta.url));
}

describe('ExecutorError.is', () => {
  it('recognizes errors of this class and its subclasses, not of sibling classes', () => {
    const cancelled = new CancelledError('cancelled');
    expect(CancelledError.is(cancelled)).toBe(true);
    expect(ExecutorError.is(cancelled)).toBe(true);
    expect(TimeoutError.is(cancelled)).toBe(false);
    expect(TaskLeftoverError.is(new TaskLeftoverError('left', 'task'))).toBe(true);
  });

  it('recognizes errors made by another copy of the package, where instanceof fails', async () => {
    const copy = await otherCopy();
    const foreign = new copy.TimeoutError('timed out');
    expect(foreign).not.toBeInstanceOf(TimeoutError);
    expect(TimeoutError.is(foreign)).toBe(true);
    expect(ExecutorError.is(foreign)).toBe(true);
    expect(CancelledError.is(foreign)).toBe(false);
    expect(copy.TimeoutError.is(new TimeoutError('ours'))).toBe(true);
  });

  it('is false, and never throws, for values that are not errors of the package', () => {
    const lookalike = Object.assign(new Error('x'), { name: 'CancelledError', code: 'ERR_FUTURE_CANCELLED' });
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );
    for (const value of [undefined, null, 0, 'CancelledError', {}, lookalike, hostile, CancelledError]) {
      expect(CancelledError.is(value)).toBe(false);
      expect(ExecutorError.is(value)).toBe(false);
    }
  });

  it('keeps name, code, message and cause', () => {
    const cause = new Error('inner');
    const error = new ThrownValueError('bad thrown.kind', { cause });
    expect(error).toMatchObject({
      name: 'ThrownValueError',
      code: 'ERR_THROWN_VALUE_INVALID',
      message: 'bad thrown.kind',
      cause,
    });
  });
});

describe('OWN_ERRORS', () => {
  it('lists every error class the package exports, by name', () => {
    const classes = Object.values(errors).filter((value) => typeof value === 'function');
    expect(classes.length).toBeGreaterThan(10);
    for (const errorClass of classes) expect(OWN_ERRORS.get(errorClass.name)).toBe(errorClass);
    expect(OWN_ERRORS.size).toBe(classes.length);
  });
});
