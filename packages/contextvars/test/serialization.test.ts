import { describe, expect, it } from 'vitest';
import {
  type Codec,
  Context,
  ContextSerializationError,
  ContextVar,
  copyContext,
  DEFAULT_MAX_CONTEXT_BYTES,
  deserializeContext,
  type SerializedContext,
  serializeContext,
} from '../src/index.js';

const tenant = new ContextVar<string>('ser.tenant', { propagate: true });
const user = new ContextVar<{ id: number; roles: string[] }>('ser.user', { propagate: true });
const local = new ContextVar<string>('ser.local'); // not propagatable
const dateCodec: Codec<Date> = {
  encode: (d) => d.toISOString(),
  decode: (json) => new Date(json as string),
};
const when = new ContextVar<Date>('ser.when', { propagate: true, codec: dateCodec });

function bound(fn: () => void): Context {
  const ctx = new Context();
  ctx.run(fn);
  return ctx;
}

describe('serializeContext', () => {
  it('carries only propagatable variables, as plain JSON that survives a JSON round trip', () => {
    const ctx = bound(() => {
      tenant.set('acme');
      user.set({ id: 7, roles: ['admin'] });
      local.set('stays home');
      when.set(new Date('2026-01-02T03:04:05.000Z'));
    });
    const data = serializeContext(ctx);
    expect(data).toEqual({
      v: 1,
      vars: {
        'ser.tenant': 'acme',
        'ser.user': { id: 7, roles: ['admin'] },
        'ser.when': '2026-01-02T03:04:05.000Z',
      },
    });
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });

  it('defaults to the current context', () => {
    const data = tenant.run('current', () => serializeContext());
    expect(data.vars['ser.tenant']).toBe('current');
  });

  it('round-trips through deserializeContext, applying codecs both ways', () => {
    const ctx = bound(() => {
      tenant.set('acme');
      when.set(new Date(0));
    });
    const back = deserializeContext(JSON.parse(JSON.stringify(serializeContext(ctx))) as SerializedContext);
    expect(back.get(tenant)).toBe('acme');
    expect(back.get(when)).toBeInstanceOf(Date);
    expect(back.get(when)?.getTime()).toBe(0);
    expect(back.run(() => [tenant.get(), when.get().getTime(), local.get('none')])).toEqual([
      'acme',
      0,
      'none',
    ]);
  });

  it('honours allow and deny lists, by name or variable, deny winning', () => {
    const ctx = bound(() => {
      tenant.set('t');
      user.set({ id: 1, roles: [] });
      when.set(new Date(0));
    });
    expect(Object.keys(serializeContext(ctx, { allow: ['ser.tenant', user] }).vars).sort()).toEqual([
      'ser.tenant',
      'ser.user',
    ]);
    expect(Object.keys(serializeContext(ctx, { deny: [when] }).vars).sort()).toEqual([
      'ser.tenant',
      'ser.user',
    ]);
    expect(Object.keys(serializeContext(ctx, { allow: [tenant, user], deny: ['ser.user'] }).vars)).toEqual([
      'ser.tenant',
    ]);
    expect(serializeContext(ctx, { allow: [] }).vars).toEqual({});
  });

  it('carries -0 as 0, as JSON does, at any depth', () => {
    const loose = new ContextVar<unknown>('ser.negative-zero', { propagate: true });
    const ctx = bound(() => loose.set({ at: [1, -0], top: -0 }));
    const back = deserializeContext(JSON.parse(JSON.stringify(serializeContext(ctx))));
    expect(back.get(loose)).toEqual({ at: [1, 0], top: 0 });
  });

  it('fails at the sender, naming the variable, for values JSON cannot carry', () => {
    const loose = new ContextVar<unknown>('ser.loose', { propagate: true });
    const cases: Array<[unknown, string]> = [
      [() => 1, 'a function'],
      [new Date(0), 'a Date instance'],
      [new Map(), 'a Map instance'],
      [10n, 'a bigint'],
      [{ nested: { when: new Date(0) } }, 'value.nested.when is a Date instance'],
      [undefined, 'undefined'],
      [Number.NaN, 'NaN'],
      // biome-ignore lint/suspicious/noSparseArray: the hole is the point
      [[1, , 3], 'sparse'],
      [new (class Point {})(), 'a Point instance'],
    ];
    for (const [value, fragment] of cases) {
      const ctx = bound(() => loose.set(value));
      try {
        serializeContext(ctx);
        expect.unreachable(`expected ${fragment} to be rejected`);
      } catch (error) {
        expect(error).toBeInstanceOf(ContextSerializationError);
        expect((error as ContextSerializationError).code).toBe('ERR_CONTEXTVAR_UNSERIALIZABLE');
        expect((error as ContextSerializationError).varName).toBe('ser.loose');
        expect((error as Error).message).toContain("context variable 'ser.loose'");
        expect((error as Error).message).toContain(fragment);
      }
    }
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => serializeContext(bound(() => loose.set(circular)))).toThrow('circular');
  });

  it('names the variable when its codec throws', () => {
    const bad = new ContextVar<number>('ser.badcodec', {
      propagate: true,
      codec: {
        encode: () => {
          throw new Error('cannot encode');
        },
        decode: () => {
          throw new Error('cannot decode');
        },
      },
    });
    expect(() => serializeContext(bound(() => bad.set(1)))).toThrow(
      "cannot serialize context variable 'ser.badcodec': cannot encode",
    );
    try {
      deserializeContext({ v: 1, vars: { 'ser.badcodec': 1 } });
      expect.unreachable();
    } catch (error) {
      expect((error as ContextSerializationError).code).toBe('ERR_CONTEXTVAR_UNDECODABLE');
      expect((error as Error).message).toContain("'ser.badcodec'");
    }
  });

  it('enforces a size cap with a clear error', () => {
    const ctx = bound(() => tenant.set('x'.repeat(2000)));
    expect(() => serializeContext(ctx, { maxBytes: 1000 })).toThrow(/over the limit of 1000.*'ser\.tenant'/);
    try {
      serializeContext(ctx, { maxBytes: 1000 });
    } catch (error) {
      expect((error as ContextSerializationError).code).toBe('ERR_CONTEXT_TOO_LARGE');
    }
    expect(serializeContext(ctx, { maxBytes: 10_000 }).vars['ser.tenant']).toHaveLength(2000);
    expect(DEFAULT_MAX_CONTEXT_BYTES).toBe(1024 * 1024);
    const huge = bound(() => tenant.set('y'.repeat(DEFAULT_MAX_CONTEXT_BYTES)));
    expect(() => serializeContext(huge)).toThrow(ContextSerializationError);
  });

  it('serializing the same context again returns the cached result, and a change is seen', () => {
    const ctx = bound(() => tenant.set('a'));
    const first = serializeContext(ctx);
    expect(serializeContext(ctx)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    ctx.run(() => tenant.set('b'));
    expect(serializeContext(ctx).vars['ser.tenant']).toBe('b');
  });
});

describe('registry and late resolution', () => {
  it('two propagatable variables with one name are an error naming it; non-propagatable duplicates are fine', () => {
    new ContextVar('ser.dup', { propagate: true });
    expect(() => new ContextVar('ser.dup', { propagate: true })).toThrow(
      "a propagatable context variable named 'ser.dup' already exists",
    );
    try {
      new ContextVar('ser.dup', { propagate: true });
    } catch (error) {
      expect((error as ContextSerializationError).code).toBe('ERR_CONTEXTVAR_DUPLICATE_NAME');
    }
    expect(() => new ContextVar('ser.dup')).not.toThrow();
  });

  it('resolves a value whose variable is created after deserialization, via var.get and ctx.get, in copies too', () => {
    const ctx = deserializeContext({
      v: 1,
      vars: { 'ser.late': '2026-05-06T00:00:00.000Z', 'ser.late2': 5 },
    });
    const copy = ctx.copy();
    expect(ctx.size).toBe(0); // nothing is visible until the variable exists
    const late = new ContextVar<Date>('ser.late', { propagate: true, codec: dateCodec });
    expect(ctx.size).toBe(1);
    expect(ctx.get(late)).toBeInstanceOf(Date);
    expect(ctx.get(late)?.toISOString()).toBe('2026-05-06T00:00:00.000Z');
    expect(copy.run(() => late.get().getUTCDate())).toBe(6);
    expect(ctx.has(late)).toBe(true);
    expect([...ctx.keys()]).toEqual([late]);
    const late2 = new ContextVar<number>('ser.late2', { propagate: true });
    expect(ctx.run(() => late2.get())).toBe(5);
    expect(copy.size).toBe(2);
  });

  it('passes on values for names this side never defined', () => {
    const ctx = deserializeContext({
      v: 1,
      vars: { 'ser.elsewhere': { deep: [1, 2] }, 'ser.tenant': 'hop' },
    });
    const forwarded = ctx.run(() => {
      const copy = copyContext();
      return serializeContext(copy);
    });
    expect(forwarded.vars).toEqual({ 'ser.elsewhere': { deep: [1, 2] }, 'ser.tenant': 'hop' });
    expect(serializeContext(ctx, { deny: ['ser.elsewhere'] }).vars).toEqual({ 'ser.tenant': 'hop' });
  });

  it('rejects data that is not a serialized context', () => {
    expect(() => deserializeContext(null as never)).toThrow('invalid serialized context');
    expect(() => deserializeContext({ v: 2, vars: {} } as never)).toThrow('unsupported version 2');
    expect(() => deserializeContext({ v: 1, vars: [] } as never)).toThrow('`vars` is not an object');
  });
});
