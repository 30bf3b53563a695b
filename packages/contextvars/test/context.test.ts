import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  Context,
  ContextEnteredError,
  ContextVar,
  type ContextVarsError,
  copyContext,
} from '../src/index.js';

describe('Context construction and mapping view', () => {
  it('is empty and accepts no arguments', () => {
    const ctx = new Context();
    expect(ctx.size).toBe(0);
    expect([...ctx]).toEqual([]);
    const Ctor = Context as unknown as new (...args: unknown[]) => Context;
    expect(() => new Ctor(1)).toThrow('Context() does not accept any arguments');
    expect(copyContext()).toBeInstanceOf(Context);
  });

  it('keys must be context variables', () => {
    const ctx = new Context();
    expect(() => ctx.get(1 as never)).toThrow('a ContextVar key was expected, got 1');
    expect(() => ctx.has('x' as never)).toThrow(TypeError);
  });

  it('ignores variable defaults', () => {
    const v = new ContextVar<number>('d', { default: 9 });
    const ctx = new Context();
    ctx.run(() => {
      expect(v.get()).toBe(9);
      expect(ctx.get(v)).toBeUndefined();
      expect(ctx.get(v, 'fallback')).toBe('fallback');
      expect(ctx.has(v)).toBe(false);
      expect([...ctx.keys()]).toEqual([]);
      const token = v.set(42);
      expect(v.get()).toBe(42);
      expect(ctx.get(v)).toBe(42); // live view while running
      expect([...ctx.keys()]).toEqual([v]);
      v.reset(token);
      expect([...ctx.keys()]).toEqual([]);
    });
  });

  it('iterates entries, keys and values (order unspecified)', () => {
    const vars = Array.from({ length: 50 }, (_, i) => new ContextVar<number>(`v${i}`));
    const ctx = new Context();
    ctx.run(() => {
      for (const [i, v] of vars.entries()) v.set(i * 2);
    });
    expect(ctx.size).toBe(50);
    expect(new Set(ctx.keys())).toEqual(new Set(vars));
    expect(new Set(ctx.values())).toEqual(new Set(vars.map((_, i) => i * 2)));
    expect(new Map(ctx)).toEqual(new Map(vars.map((v, i) => [v, i * 2])));
    expect(new Map(ctx.entries()).size).toBe(50);
  });
});

describe('Context.run', () => {
  it('forwards arguments and returns the result', () => {
    const ctx = new Context();
    expect(ctx.run((a: number, b: string, c?: { k: number }) => [a, b, c], 1, 'two', { k: 3 })).toEqual([
      1,
      'two',
      { k: 3 },
    ]);
    expect(ctx.run(() => 'no args')).toBe('no args');
  });

  it('keeps changes in the entered context and leaves the caller untouched', () => {
    const v = new ContextVar<string>('spam');
    const ctx1 = new Context();
    const ctx2 = new Context();
    const inner = ctx1.run(() => {
      expect(v.get(null)).toBeNull();
      v.set('spam');
      expect(v.get()).toBe('spam');
      ctx2.run(() => expect(v.get(null)).toBeNull()); // a nested run switches the view entirely
      expect(v.get()).toBe('spam');
      const copy = copyContext();
      expect(copy.size).toBe(1);
      expect(copy.get(v)).toBe('spam');
      return copy;
    });
    expect(ctx1.get(v)).toBe('spam');
    expect(ctx1.has(v)).toBe(true);
    expect(inner.get(v)).toBe('spam');
    expect(v.get(null)).toBeNull();
  });

  it('keeps changes made before an exception, and the caller is unaffected', () => {
    const v = new ContextVar<number>('exc');
    const ctx = new Context();
    expect(() =>
      ctx.run(() => {
        v.set(1);
        throw new RangeError('boom');
      }),
    ).toThrow(RangeError);
    expect(ctx.get(v)).toBe(1);
    expect(v.get(null)).toBeNull();
  });

  it('rejects synchronous re-entry but allows running a copy', () => {
    const ctx = new Context();
    ctx.run(() => {
      expect(() => ctx.run(() => 1)).toThrow(ContextEnteredError);
      try {
        ctx.run(() => 1);
      } catch (error) {
        expect((error as ContextVarsError).code).toBe('ERR_CONTEXT_ENTERED');
        expect((error as Error).message).toContain('is already entered');
      }
      expect(ctx.copy().run(() => 'copy')).toBe('copy');
    });
    expect(ctx.run(() => 'again')).toBe('again'); // re-entry after exit is fine
  });

  it('is exited after a throw', () => {
    const ctx = new Context();
    expect(() =>
      ctx.run(() => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(ctx.run(() => 1)).toBe(1);
  });
});

describe('copies', () => {
  it('evolve independently', () => {
    const v = new ContextVar<number>('c');
    const ctx1 = new Context();
    ctx1.run(() => {
      v.set(1);
      const ctx2 = ctx1.copy();
      v.set(2);
      expect(ctx2.get(v)).toBe(1);
      ctx2.run(() => {
        expect(v.get()).toBe(1);
        v.set(3);
      });
      expect(v.get()).toBe(2);
      expect(ctx2.get(v)).toBe(3);
    });
  });

  it('share values by reference; a new value in a copy leaves the original alone', () => {
    const v = new ContextVar<number[]>('list');
    const outer = [1];
    const ctx = new Context();
    ctx.run(() => {
      v.set(outer);
      copyContext().run(() => {
        v.get().push(2); // same object in both
        v.set([9]);
      });
      expect(v.get()).toBe(outer);
      expect(outer).toEqual([1, 2]);
    });
  });

  it('copy is O(1): a copy of a context with 10,000 bindings is as cheap to take', () => {
    const vars = Array.from({ length: 10_000 }, (_, i) => new ContextVar<number>(`many${i}`));
    const ctx = new Context();
    ctx.run(() => {
      for (const [i, v] of vars.entries()) v.set(i);
      const copy = copyContext();
      expect(copy.size).toBe(10_000);
      expect(copy.get(vars[1234] as ContextVar<number>)).toBe(1234);
    });
  });
});

describe('the per-thread root context', () => {
  it('holds top-level sets and is what timers scheduled outside any run see', async () => {
    const v = new ContextVar<string>('root-level');
    const token = v.set('root');
    const seen = await new Promise((resolve) => setTimeout(() => resolve(v.get()), 1));
    expect(seen).toBe('root');
    v.reset(token);
    expect(v.get('unset')).toBe('unset');
  });
});

describe('hidden variables', () => {
  it("are left out of a context's mapping view, yet get, set, run and copies work as usual", () => {
    const tag = new ContextVar<string>('ctx-test.hidden', { hidden: true });
    const shown = new ContextVar<string>('ctx-test.shown');
    const ctx = new Context();
    ctx.run(() => {
      tag.set('task-1');
      shown.set('visible');
    });
    expect(ctx.size).toBe(1);
    expect([...ctx.keys()]).toEqual([shown]);
    expect([...ctx.values()]).toEqual(['visible']);
    expect(inspect(ctx)).not.toContain('hidden');
    expect(ctx.get(tag)).toBe('task-1');
    expect(ctx.has(tag)).toBe(true);
    const copy = ctx.copy();
    expect(copy.run(() => shown.run('inner', () => [tag.get(), copyContext().size]))).toEqual(['task-1', 1]);
    expect(tag.run('other', () => copyContext().size)).toBe(0);
    expect(() => new ContextVar('ctx-test.hiddenPropagated', { hidden: true, propagate: true })).toThrow(
      'a hidden variable cannot propagate',
    );
  });
});
