/**
 * Property-based tests of the context wire format (fast-check): arbitrary names and values either
 * round-trip through serializeContext → JSON text → deserializeContext, or fail with
 * ContextSerializationError; arbitrary input to deserializeContext never crashes anything.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Context,
  ContextSerializationError,
  ContextVar,
  deserializeContext,
  type SerializedContext,
  serializeContext,
} from '../src/index.js';

const HOSTILE_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
  'v',
  'vars',
  '',
];
const name = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom(...HOSTILE_NAMES));
const jsonText = (value: unknown) => JSON.parse(JSON.stringify(value));

/** One propagatable variable per name, created the first time a name comes up (names are unique per thread). */
const defined = new Map<string, ContextVar<unknown>>();
function variable(n: string): ContextVar<unknown> {
  let v = defined.get(n);
  if (v === undefined) {
    v = new ContextVar<unknown>(`prop.${n}`, { propagate: true });
    defined.set(n, v);
  }
  return v;
}

function expectOwnError(error: unknown): void {
  expect(error).toBeInstanceOf(ContextSerializationError);
}

const protoKeys = Reflect.ownKeys(Object.prototype);
afterEach(() => {
  expect(Reflect.ownKeys(Object.prototype)).toEqual(protoKeys);
});

describe('context wire format (property-based)', { timeout: 60_000 }, () => {
  it('values received for names nobody defines are passed on unchanged, whatever the names', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc
            .string()
            .map((n) => `relay.${n}`)
            .chain((n) => fc.oneof(fc.constant(n), name)),
          fc.jsonValue(),
        ),
        (vars) => {
          const wire = jsonText({ v: 1, vars });
          const relayed = serializeContext(deserializeContext(wire as SerializedContext));
          expect(jsonText(relayed)).toEqual(wire);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('JSON values of defined variables round-trip through JSON text, whatever the names', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(name, fc.jsonValue()), { maxLength: 6 }), (pairs) => {
        const ctx = new Context();
        ctx.run(() => {
          for (const [n, value] of pairs) variable(n).set(value);
        });
        const back = deserializeContext(
          JSON.parse(JSON.stringify(serializeContext(ctx))) as SerializedContext,
        );
        for (const [n] of pairs) {
          const v = variable(n);
          expect(back.get(v)).toEqual(jsonText(ctx.get(v)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('any value at all either round-trips as its JSON text reads or fails at the sender with ContextSerializationError naming the variable', () => {
    const anything = fc.anything({
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withSparseArray: true,
      withBoxedValues: true,
    });
    fc.assert(
      fc.property(
        name,
        fc.oneof(
          anything,
          fc.constant(() => 1),
          fc.constant(Symbol('s')),
        ),
        (n, value) => {
          const v = variable(n);
          const ctx = new Context();
          ctx.run(() => v.set(value));
          let wire: SerializedContext;
          try {
            wire = serializeContext(ctx);
          } catch (error) {
            expectOwnError(error);
            expect((error as ContextSerializationError).varName).toBe(v.name);
            return;
          }
          const text = JSON.stringify(wire);
          // What is accepted is JSON-compatible, so it comes back as its JSON text reads (-0 as 0).
          expect(deserializeContext(JSON.parse(text)).get(v)).toEqual(jsonText(value));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('any input to deserializeContext gives a Context or ContextSerializationError, and what it gives can be relayed', () => {
    const input = fc.oneof(
      fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true }),
      fc.record({
        v: fc.oneof(fc.constant(1), fc.jsonValue()),
        vars: fc.oneof(fc.dictionary(name, fc.jsonValue()), fc.jsonValue()),
      }),
      fc.record({
        v: fc.constant(1),
        vars: fc.dictionary(name, fc.anything({ withBigInt: true, withNullPrototype: true })),
      }),
    );
    fc.assert(
      fc.property(input, (data) => {
        let ctx: Context;
        try {
          ctx = deserializeContext(data as SerializedContext);
        } catch (error) {
          expectOwnError(error);
          return;
        }
        try {
          serializeContext(ctx);
        } catch (error) {
          expectOwnError(error);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
