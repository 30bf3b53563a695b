import { expect, it } from 'vitest';
import { defineErrorMarker } from '../src/error-marker.js';

/** Two packages' error families, each with a subclass of the same name. */
function family(key: string) {
  class BaseError extends Error {
    static is(value: unknown): boolean {
      // biome-ignore lint/complexity/noThisInStatic: `this` is the class `is` was called on (a subclass too)
      return check(value, this.name);
    }
  }
  class SameNameError extends BaseError {}
  const check = defineErrorMarker(BaseError, key);
  return { BaseError, SameNameError };
}

it('matches the marked base class and its subclasses by name, made by any copy', () => {
  const ours = family('weft.test-a.error');
  const copy = family('weft.test-a.error');
  const foreign = new copy.SameNameError('x');
  expect(foreign).not.toBeInstanceOf(ours.SameNameError);
  expect(ours.SameNameError.is(foreign)).toBe(true);
  expect(ours.BaseError.is(foreign)).toBe(true);
  expect(ours.SameNameError.is(new copy.BaseError('x'))).toBe(false);
});

it('keeps the errors of two packages apart, even when their classes share a name', () => {
  const a = family('weft.test-b.error');
  const b = family('weft.test-c.error');
  expect(a.SameNameError.is(new b.SameNameError('x'))).toBe(false);
  expect(b.BaseError.is(new a.SameNameError('x'))).toBe(false);
});

it('keeps the marker off the error own properties and out of enumeration', () => {
  const { SameNameError } = family('weft.test-d.error');
  const error = new SameNameError('x');
  expect(Object.getOwnPropertySymbols(error)).toEqual([]);
  expect(Object.keys(Object.getPrototypeOf(error))).toEqual([]);
});

it('is false, and never throws, for values that are not marked errors', () => {
  const { BaseError, SameNameError } = family('weft.test-e.error');
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
  const lookalike = Object.assign(new Error('x'), { name: 'SameNameError' });
  for (const value of [undefined, null, 0, 'SameNameError', {}, lookalike, hostile, SameNameError]) {
    expect(BaseError.is(value)).toBe(false);
    expect(SameNameError.is(value)).toBe(false);
  }
});
