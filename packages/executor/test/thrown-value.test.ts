import { describe, expect, it } from 'vitest';
import { decodeThrown, encodeThrown, type ThrownEncoding, ThrownValueError } from '../src/index.js';

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

/** Names and keys that are members of Object.prototype: a lookup by them on a plain object finds something. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

describe.each(['clone', 'json'] as const)('hostile thrown values encoded for %s', (encoding) => {
  const roundTrip = (thrown: unknown) =>
    decodeThrown(transports[encoding](encodeThrown(thrown, encoding)) as never) as Error &
      Record<string, unknown>;

  it.each(PROTOTYPE_KEYS)('an error named %s comes back as an Error with that name', (name) => {
    const original = new Error('named after Object.prototype');
    original.name = name;
    const back = roundTrip(original);
    expect(Object.getPrototypeOf(back)).toBe(Error.prototype);
    expect(back.name).toBe(name);
    expect(back.message).toBe('named after Object.prototype');
  });

  it('props named after Object.prototype members are own data properties; the prototype stays', () => {
    const original = new Error('props');
    for (const key of PROTOTYPE_KEYS) {
      Object.defineProperty(original, key, { value: { key }, enumerable: true, configurable: true });
    }
    const back = roundTrip(original);
    expect(Object.getPrototypeOf(back)).toBe(Error.prototype);
    for (const key of PROTOTYPE_KEYS) {
      expect(Object.getOwnPropertyDescriptor(back, key)?.value).toEqual({ key });
    }
    expect(({} as Record<string, unknown>).key).toBeUndefined();
  });

  it('hostile names in a cause chain and in the errors of an AggregateError', () => {
    const inner = Object.assign(new RangeError('inner'), { name: 'hasOwnProperty' });
    const aggregate = new AggregateError(
      [inner, Object.assign(new Error('b'), { name: '__proto__' })],
      'all',
      {
        cause: Object.assign(new TypeError('cause'), { name: 'constructor' }),
      },
    );
    const back = roundTrip(aggregate) as unknown as AggregateError;
    expect(back).toBeInstanceOf(AggregateError);
    expect(back.errors.map((e: Error) => [e.name, Object.getPrototypeOf(e) === Error.prototype])).toEqual([
      ['hasOwnProperty', true],
      ['__proto__', true],
    ]);
    expect((back.cause as Error).name).toBe('constructor');
  });

  it('an error whose getters throw, and a cycle through cause, are encoded without throwing', () => {
    const original = new Error('getters');
    Object.defineProperty(original, 'bad', {
      get() {
        throw new Error('getter');
      },
      enumerable: true,
    });
    const cyclic = new Error('cycle');
    (cyclic as { cause?: unknown }).cause = cyclic;
    expect(String(roundTrip(original).bad)).toMatch(/reading 'bad' threw: getter/);
    expect(String((roundTrip(cyclic).cause as Error).message)).toMatch(/circular or too deep/);
    const hostile = new Proxy(new Error('proxy'), {
      ownKeys() {
        throw new Error('no keys');
      },
    });
    expect(() => roundTrip(hostile)).not.toThrow();
  });
});

describe('decodeThrown on input that is not an encoded thrown value', () => {
  it.each([
    [null, /thrown is null, not an object/],
    [{ kind: 'toString' }, /thrown\.kind is "toString", not 'error', 'value' or 'uncloneable'/],
    [{ kind: 'error', name: 1, message: 'm', props: {} }, /thrown\.name is not a string/],
    [{ kind: 'error', name: 'E', message: 'm', props: [] }, /thrown\.props is not an object/],
    [
      { kind: 'error', name: 'E', message: 'm', props: {}, cause: { kind: '__proto__' } },
      /thrown\.cause\.kind/,
    ],
    [{ kind: 'error', name: 'E', message: 'm', props: {}, errors: {} }, /thrown\.errors is not an array/],
    [{ kind: 'uncloneable' }, /thrown\.description is not a string/],
  ])('%j fails with ThrownValueError naming the part at fault', (input, message) => {
    let caught: unknown;
    try {
      decodeThrown(input as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ThrownValueError);
    expect((caught as ThrownValueError).code).toBe('ERR_THROWN_VALUE_INVALID');
    expect((caught as Error).message).toMatch(message);
  });

  it('never reads kind, name or props through the prototype chain', () => {
    const inherited = Object.create({ kind: 'error', name: 'E', message: 'm', props: {} });
    expect(() => decodeThrown(inherited)).toThrow(ThrownValueError);
    const parsed = JSON.parse(
      '{"kind":"error","name":"E","message":"m","props":{"__proto__":{"polluted":true}}}',
    );
    const back = decodeThrown(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Error.prototype);
    expect(back.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
