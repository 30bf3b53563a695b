import { describe, expect, it } from 'vitest';
import { decodeThrown, encodeThrown, type ThrownEncoding } from '../src/index.js';

class ShelfError extends Error {
  readonly code = 'E_SHELF';
  readonly shelf = 7;
  readonly when = new Date(0);
}

// 'clone' travels by structured clone (worker threads), 'json' as JSON text (processes, machines).
const transports: Record<ThrownEncoding, (value: unknown) => unknown> = {
  clone: (value) => structuredClone(value),
  json: (value) => JSON.parse(JSON.stringify(value)),
};

describe.each(['clone', 'json'] as const)('thrown values encoded for %s', (encoding) => {
  const roundTrip = (thrown: unknown) =>
    decodeThrown(transports[encoding](encodeThrown(thrown, encoding)) as never) as Error &
      Record<string, unknown>;

  it('keep name, message, stack, code, cause and own properties', () => {
    const original = new ShelfError('no shelf', { cause: new RangeError('inner') });
    original.name = 'ShelfError';
    const back = roundTrip(original);
    expect(back).toBeInstanceOf(Error);
    expect(back.name).toBe('ShelfError');
    expect(back.message).toBe('no shelf');
    expect(back.stack).toBe(original.stack);
    expect(back.code).toBe('E_SHELF');
    expect(back.shelf).toBe(7);
    expect(back.cause).toBeInstanceOf(RangeError);
    expect((back.cause as Error).message).toBe('inner');
    // a Date survives structured clone, and arrives as its JSON form through JSON
    expect(back.when).toEqual(encoding === 'clone' ? new Date(0) : new Date(0).toISOString());
  });

  it('keep built-in classes and AggregateError members; thrown non-errors come back as they were', () => {
    expect(roundTrip(new TypeError('t'))).toBeInstanceOf(TypeError);
    const aggregate = roundTrip(new AggregateError([new Error('a'), new RangeError('b')], 'both'));
    expect(aggregate).toBeInstanceOf(AggregateError);
    expect((aggregate as unknown as AggregateError).errors.map((e: Error) => e.message)).toEqual(['a', 'b']);
    expect(roundTrip({ reason: 'plain' })).toEqual({ reason: 'plain' });
    expect(roundTrip('text')).toBe('text');
  });

  it('describe what cannot travel instead of failing', () => {
    const error = Object.assign(new Error('with a function'), { callback: () => 1 });
    expect(roundTrip(error).callback).toMatch(/function/);
    expect(String(roundTrip(() => 1))).toMatch(/cannot be cloned/);
  });
});
