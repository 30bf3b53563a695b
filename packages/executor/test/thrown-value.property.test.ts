/**
 * Property-based tests of the thrown-value codec (fast-check): whatever is thrown, and whatever
 * arrives on the wire, nothing crashes; a thrown value either round-trips or the decoder gives
 * this package's own error.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeThrown, encodeThrown, type ThrownEncoding, ThrownValueError } from '../src/index.js';

const transports: Record<ThrownEncoding, (value: unknown) => unknown> = {
  clone: (value) => structuredClone(value),
  json: (value) => JSON.parse(JSON.stringify(value)),
};

const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'name',
  'message',
  'stack',
  'cause',
  'errors',
  'code',
  'kind',
];
const key = fc.oneof(fc.string(), fc.constantFrom(...HOSTILE_KEYS));
const errorName = fc.oneof(
  fc.string(),
  fc.constantFrom(...HOSTILE_KEYS, 'TypeError', 'RangeError', 'AggregateError', 'CancelledError'),
);
/** Values a prop may hold: JSON, things only structured clone keeps, and things nothing keeps. */
const propValue = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue() },
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true }),
  fc.constant(() => 1),
  fc.constant(Symbol('s')),
);

type Shape = {
  name: string;
  message: string;
  props: [string, unknown][];
  cause?: Shape | 'self';
  errors?: Shape[];
};

const shape: fc.Arbitrary<Shape> = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.record(
    {
      name: errorName,
      message: fc.string(),
      props: fc.array(fc.tuple(key, propValue), { maxLength: 4 }),
      cause: fc.oneof({ depthSize: 'small' }, tie('shape'), fc.constant('self' as const)),
      errors: fc.array(tie('shape'), { maxLength: 2, depthIdentifier: 'errors' }),
    },
    { requiredKeys: ['name', 'message', 'props'] },
  ),
})).shape;

/** Builds a real error from a shape: props defined as own enumerable properties whatever their key. */
function build(s: Shape): Error {
  const error =
    s.errors === undefined ? new Error(s.message) : new AggregateError(s.errors.map(build), s.message);
  Object.defineProperty(error, 'name', { value: s.name, writable: true, configurable: true });
  for (const [k, v] of s.props) {
    try {
      Object.defineProperty(error, k, { value: v, writable: true, enumerable: true, configurable: true });
    } catch {
      // V8 formats the stack before replacing it, which throws for a symbol name: not our subject.
    }
  }
  if (s.cause === 'self') Object.defineProperty(error, 'cause', { value: error, configurable: true });
  else if (s.cause !== undefined)
    Object.defineProperty(error, 'cause', { value: build(s.cause), configurable: true });
  return error;
}

/** The string form a name or message travels as ('[unprintable]' when String() throws). */
function str(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '[unprintable]';
  }
}

const prototypes = new Set<unknown>([
  Error.prototype,
  TypeError.prototype,
  RangeError.prototype,
  AggregateError.prototype,
]);

/** Object.prototype must come out of every run exactly as it went in. */
const protoKeys = Reflect.ownKeys(Object.prototype);
afterEach(() => {
  expect(Reflect.ownKeys(Object.prototype)).toEqual(protoKeys);
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
});

describe.each(['clone', 'json'] as const)(
  'thrown-value codec, %s encoding (property-based)',
  { timeout: 60_000 },
  (encoding) => {
    it('any thrown error round-trips: name, message, own props and cause chain, with a known prototype', () => {
      fc.assert(
        fc.property(shape, (s) => {
          const original = build(s);
          const wire = transports[encoding](encodeThrown(original, encoding));
          const back = decodeThrown(wire as never) as Error & Record<string, unknown>;
          expect(back).toBeInstanceOf(Error);
          expect(prototypes.has(Object.getPrototypeOf(back))).toBe(true);
          // A prop may have replaced name or message: what travels is their string form.
          expect(back.name).toBe(str(original.name));
          expect(back.message).toBe(str(original.message));
          const reserved = new Set(['name', 'message', 'stack', 'cause', 'errors']);
          for (const [k] of s.props) {
            if (reserved.has(k)) continue;
            const descriptor = Object.getOwnPropertyDescriptor(back, k);
            const value = Object.getOwnPropertyDescriptor(original, k)?.value;
            // JSON drops a prop whose value is undefined; every other prop arrives.
            if (!(encoding === 'json' && value === undefined)) expect(descriptor).toBeDefined();
            // What survives the transport comes back equal; the rest as a description (a string).
            let expected: unknown;
            try {
              expected = transports[encoding](value);
            } catch {
              expected = undefined;
            }
            if (expected !== undefined || value === undefined) {
              if (!(typeof value === 'number' && Number.isNaN(value)))
                expect(descriptor?.value).toEqual(expected);
            } else {
              expect(typeof descriptor?.value).toBe('string');
            }
          }
          if (s.cause === 'self')
            expect(String((back.cause as Error).message)).toMatch(/circular or too deep/);
          else if (s.cause !== undefined)
            expect((back.cause as Error).name).toBe(str((original.cause as Error).name));
        }),
        { numRuns: 300 },
      );
    });

    it('any thrown value at all is encoded, transported and decoded without throwing', () => {
      fc.assert(
        fc.property(
          fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true }),
          (value) => {
            const wire = transports[encoding](encodeThrown(value, encoding));
            decodeThrown(wire as never);
          },
        ),
        { numRuns: 300 },
      );
    });
  },
);

describe('decodeThrown on arbitrary wire input (property-based)', { timeout: 60_000 }, () => {
  /** Encoded values with one part replaced by garbage, and plain garbage. */
  const garbage = fc.oneof(
    fc.jsonValue(),
    fc.anything({ withNullPrototype: true }),
    fc.record({
      kind: fc.oneof(
        fc.constantFrom('error', 'value', 'uncloneable'),
        fc.string(),
        fc.constantFrom(...HOSTILE_KEYS),
      ),
      name: fc.oneof(errorName, fc.jsonValue()),
      message: fc.oneof(fc.string(), fc.jsonValue()),
      stack: fc.oneof(fc.string(), fc.jsonValue()),
      props: fc.oneof(fc.dictionary(key, fc.jsonValue()), fc.jsonValue()),
      cause: fc.jsonValue(),
      errors: fc.oneof(fc.array(fc.jsonValue()), fc.jsonValue()),
      description: fc.oneof(fc.string(), fc.jsonValue()),
      value: fc.jsonValue(),
    }),
  );

  it('either rebuilds a value or throws ThrownValueError; the prototype of a rebuilt error is never chosen by the input', () => {
    fc.assert(
      fc.property(garbage, (input) => {
        let result: unknown;
        try {
          result = decodeThrown(JSON.parse(JSON.stringify(input ?? null)) as never);
        } catch (error) {
          expect(error).toBeInstanceOf(ThrownValueError);
          return;
        }
        if (result instanceof Error) expect(prototypes.has(Object.getPrototypeOf(result))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
