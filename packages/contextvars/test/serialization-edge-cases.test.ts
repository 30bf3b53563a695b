/**
 * Fault 6 of issue 10: every way a context can fail to serialize is a ContextSerializationError
 * naming the variable and the path; names that are Object.prototype members travel like any other.
 */
import { describe, expect, it } from 'vitest';
import {
  type Codec,
  Context,
  ContextSerializationError,
  ContextVar,
  deserializeContext,
  MAX_CONTEXT_VALUE_DEPTH,
  type SerializedContext,
  serializeContext,
} from '../src/index.js';

const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
];
const protoVars = PROTOTYPE_NAMES.map((name) => new ContextVar<unknown>(name, { propagate: true }));
const loose = new ContextVar<unknown>('edge.loose', { propagate: true });

function bound(fn: () => void): Context {
  const ctx = new Context();
  ctx.run(fn);
  return ctx;
}

function failure(fn: () => unknown): ContextSerializationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ContextSerializationError);
    return error as ContextSerializationError;
  }
  return expect.unreachable('expected a ContextSerializationError') as never;
}

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { down: value };
  return value;
}

describe('serializeContext never fails with anything but ContextSerializationError', () => {
  it('a value nested 100,000 levels deep fails naming the variable, the depth limit and the path', () => {
    const error = failure(() => serializeContext(bound(() => loose.set(nested(100_000)))));
    expect(error.code).toBe('ERR_CONTEXTVAR_UNSERIALIZABLE');
    expect(error.varName).toBe('edge.loose');
    expect(error.message).toMatch(
      new RegExp(
        `^cannot serialize context variable 'edge\\.loose': value.*more levels.* nests deeper than ${MAX_CONTEXT_VALUE_DEPTH} levels`,
      ),
    );
    expect(error.message.length).toBeLessThan(400);
  });

  it('a value at the depth limit still travels', () => {
    const deep = nested(MAX_CONTEXT_VALUE_DEPTH - 1);
    const wire = serializeContext(bound(() => loose.set(deep)));
    const back = deserializeContext(JSON.parse(JSON.stringify(wire)) as SerializedContext);
    expect(back.get(loose)).toEqual(deep);
  });

  it('a codec that returns a value too deep, or throws a non-error, names the variable', () => {
    const deepCodec: Codec<number> = { encode: (n) => nested(n) as never, decode: () => 0 };
    const viaCodec = new ContextVar<number>('edge.deepCodec', { propagate: true, codec: deepCodec });
    const error = failure(() => serializeContext(bound(() => viaCodec.set(50_000))));
    expect(error.message).toMatch(/'edge\.deepCodec'.*nests deeper.*\(codec output\)/);
    const throwsNull = new ContextVar<number>('edge.throwsNull', {
      propagate: true,
      codec: {
        encode: () => {
          throw null;
        },
        decode: () => {
          throw Object.create(null);
        },
      },
    });
    expect(failure(() => serializeContext(bound(() => throwsNull.set(1)))).message).toBe(
      "cannot serialize context variable 'edge.throwsNull': null",
    );
    const undecodable = failure(() => deserializeContext({ v: 1, vars: { 'edge.throwsNull': 1 } }));
    expect(undecodable.code).toBe('ERR_CONTEXTVAR_UNDECODABLE');
    expect(undecodable.message).toMatch(/'edge\.throwsNull': an error that cannot be printed/);
  });

  it('a relayed value that is not JSON fails naming its name and path, not with a TypeError', () => {
    // In-process data, not JSON text: a name nobody defines here, holding a function.
    const ctx = deserializeContext({ v: 1, vars: { 'edge.elsewhere': { ok: 1, fn: (() => 1) as never } } });
    const error = failure(() => serializeContext(ctx));
    expect(error.code).toBe('ERR_CONTEXTVAR_UNSERIALIZABLE');
    expect(error.varName).toBe('edge.elsewhere');
    expect(error.message).toBe(
      "cannot serialize context variable 'edge.elsewhere': value.fn is a function (fn), which JSON cannot represent (a value received for this name and passed on unchanged)",
    );
    const deep = deserializeContext({ v: 1, vars: { 'edge.elsewhereDeep': nested(100_000) as never } });
    expect(failure(() => serializeContext(deep)).message).toMatch(/'edge\.elsewhereDeep'.*nests deeper/);
  });

  it('a path through odd keys quotes them', () => {
    const ctx = bound(() => loose.set({ 'a b': [{ __proto__: null, 'x.y': Number.NaN }] }));
    expect(failure(() => serializeContext(ctx)).message).toContain('value["a b"][0]["x.y"] is NaN');
  });
});

describe('names that are Object.prototype members travel like any other name', () => {
  it('on serialize: each is an own key of vars, and the wire object keeps its prototype', () => {
    const ctx = bound(() => {
      for (const [i, v] of protoVars.entries()) v.set({ index: i });
    });
    const wire = serializeContext(ctx);
    expect(Object.getPrototypeOf(wire.vars)).toBe(Object.prototype);
    expect(Object.keys(wire.vars).sort()).toEqual([...PROTOTYPE_NAMES].sort());
    for (const [i, name] of PROTOTYPE_NAMES.entries()) {
      expect(Object.getOwnPropertyDescriptor(wire.vars, name)?.value).toEqual({ index: i });
    }
    const text = JSON.stringify(wire);
    expect(text).toContain('"__proto__":{"index":0}');
    const back = deserializeContext(JSON.parse(text) as SerializedContext);
    for (const [i, v] of protoVars.entries()) expect(back.get(v)).toEqual({ index: i });
    expect(back.size).toBe(PROTOTYPE_NAMES.length);
    // structured clone (worker threads) keeps them too
    const cloned = deserializeContext(structuredClone(wire));
    for (const [i, v] of protoVars.entries()) expect(cloned.get(v)).toEqual({ index: i });
  });

  it('on deserialize: values for such names that nobody defines are passed on unchanged', () => {
    const text = '{"v":1,"vars":{"__proto__":{"a":1},"propertyIsEnumerable":2,"__defineGetter__":"x"}}';
    const ctx = deserializeContext(JSON.parse(text) as SerializedContext);
    expect(ctx.size).toBe(1); // only __proto__ is defined in this file
    expect(ctx.get(protoVars[0] as ContextVar<unknown>)).toEqual({ a: 1 });
    const relayed = serializeContext(ctx);
    expect(JSON.parse(JSON.stringify(relayed))).toEqual(JSON.parse(text));
    expect(Object.getOwnPropertyDescriptor(relayed.vars, 'propertyIsEnumerable')?.value).toBe(2);
  });

  it('never reads v or vars through the prototype chain', () => {
    const inherited = Object.create({ v: 1, vars: {} });
    expect(failure(() => deserializeContext(inherited)).code).toBe('ERR_SERIALIZED_CONTEXT_INVALID');
    const getter = {
      v: 1,
      vars: Object.defineProperty({}, 'edge.loose', { get: () => 1, enumerable: true }),
    };
    expect(failure(() => deserializeContext(getter as SerializedContext)).message).toMatch(
      /'edge\.loose' is not a data property/,
    );
  });
});
