// The TC39 AsyncContext conformance checklist (reference js-context.md §2.5), where it applies on Node 20.
import { describe, expect, it } from 'vitest';
import { AsyncContext, Context, ContextVar, copyContext } from '../src/index.js';

const { Variable, Snapshot } = AsyncContext;

// Each proposal case runs from the initial state, inside a fresh run, and inside a run whose
// mapping was just captured by a throwaway wrap.
const variants: Array<[string, (fn: () => void) => void]> = [
  ['initial state', (fn) => fn()],
  ['inside a run', (fn) => new Variable().run(1, fn)],
  [
    'after a throwaway wrap',
    (fn) =>
      new Variable().run(1, () => {
        Snapshot.wrap(() => {});
        fn();
      }),
  ],
];

describe.each(variants)('proposal cases (%s)', (_label, within) => {
  it('get() outside any run gives undefined or the default; run returns the callback value', () =>
    within(() => {
      expect(new Variable().get()).toBeUndefined();
      expect(new Variable({ defaultValue: 'd' }).get()).toBe('d');
      expect(new Variable().run(1, () => 'ret')).toBe('ret');
    }));

  it('nested runs shadow and restore; different variables are independent', () =>
    within(() => {
      const a = new Variable<number>();
      const b = new Variable<number>();
      a.run(1, () => {
        expect(a.get()).toBe(1);
        b.run(2, () => {
          a.run(3, () => {
            expect(a.get()).toBe(3);
            expect(b.get()).toBe(2);
          });
          expect(a.get()).toBe(1);
          expect(b.get()).toBe(2);
        });
        expect(b.get()).toBeUndefined();
      });
      expect(a.get()).toBeUndefined();
    }));

  it('wrap captures at creation; the caller is unchanged after the call', () =>
    within(() => {
      const a = new Variable<string>();
      const outside = Snapshot.wrap(() => a.get());
      expect(a.run('v', outside)).toBeUndefined();
      const inside = a.run('v', () => Snapshot.wrap(() => a.get()));
      expect(inside()).toBe('v');
      expect(a.get()).toBeUndefined();
      expect(a.run('other', inside)).toBe('v');
    }));

  it('a run inside a wrapped function is restored before it returns', () =>
    within(() => {
      const a = new Variable<string>();
      const wrapped = a.run('outer', () =>
        Snapshot.wrap(() => {
          a.run('inner', () => expect(a.get()).toBe('inner'));
          return a.get();
        }),
      );
      expect(wrapped()).toBe('outer');
    }));

  it('mutations never alter earlier snapshots; wraps called out of order see their own values', () =>
    within(() => {
      const a = new Variable<string>();
      const w1 = a.run('first', () => {
        const w = Snapshot.wrap(() => a.get());
        a.run('second', () => {});
        return w;
      });
      const w2 = a.run('second', () => Snapshot.wrap(() => a.get()));
      expect([w1(), w2(), w1(), w2()]).toEqual(['first', 'second', 'first', 'second']);
    }));

  it('a wrap inside three nested runs sees all three; a wrapped call inside another restores it', () =>
    within(() => {
      const a = new Variable<number>();
      const b = new Variable<number>();
      const c = new Variable<number>();
      const all = a.run(1, () =>
        b.run(2, () => c.run(3, () => Snapshot.wrap(() => [a.get(), b.get(), c.get()]))),
      );
      expect(all()).toEqual([1, 2, 3]);
      const outer = a.run(10, () =>
        Snapshot.wrap(() => {
          const inner = all();
          return [inner, a.get(), b.get()];
        }),
      );
      expect(outer()).toEqual([[1, 2, 3], 10, undefined]);
    }));

  it('throwaway snapshots at any nesting level do not corrupt later captures', () =>
    within(() => {
      const a = new Variable<number>();
      const b = new Variable<number>();
      new Snapshot();
      const captured = a.run(1, () => {
        new Snapshot();
        return b.run(2, () => {
          const s = new Snapshot();
          new Snapshot();
          return s;
        });
      });
      expect(captured.run(() => [a.get(), b.get()])).toEqual([1, 2]);
      expect([a.get(), b.get()]).toEqual([undefined, undefined]);
    }));
});

describe('test262-style cases', () => {
  it('name defaults to empty and is converted with String; a throwing getter propagates', () => {
    expect(new Variable().name).toBe('');
    expect(new Variable({ name: 42 }).name).toBe('42');
    expect(
      () =>
        new Variable({
          get name(): string {
            throw new RangeError('name getter');
          },
        }),
    ).toThrow('name getter');
    expect(
      () =>
        new Variable({
          get defaultValue(): number {
            throw new RangeError('default getter');
          },
        }),
    ).toThrow('default getter');
  });

  it('run(undefined) makes get() return undefined even with a default', () => {
    const a = new Variable<string | undefined>({ defaultValue: 'd' });
    expect(a.run(undefined, () => a.get())).toBeUndefined();
  });

  it('run and Snapshot#run forward arguments and call with this undefined', () => {
    const a = new Variable<number>();
    const seen = a.run(
      1,
      function (this: unknown, x: number, y: number) {
        return [this, x, y];
      },
      2,
      3,
    );
    expect(seen).toEqual([undefined, 2, 3]);
    const snap = new Snapshot();
    expect(
      snap.run(function (this: unknown, x: number) {
        return [this, x];
      }, 4),
    ).toEqual([undefined, 4]);
  });

  it('non-callables throw TypeError; a throwing callback propagates and the context is restored', () => {
    const a = new Variable<number>();
    expect(() => a.run(1, 5 as never)).toThrow(TypeError);
    expect(() => new Snapshot().run(5 as never)).toThrow(TypeError);
    expect(() => Snapshot.wrap(5 as never)).toThrow(TypeError);
    expect(() =>
      a.run(1, () => {
        throw new Error('cb');
      }),
    ).toThrow('cb');
    expect(a.get()).toBeUndefined();
  });

  it('Snapshot#run restores unset: a var unset at capture reads its default inside', () => {
    const a = new Variable<string>({ defaultValue: 'd' });
    const snap = new Snapshot();
    a.run('set', () => expect(snap.run(() => a.get())).toBe('d'));
  });

  it('wrap forwards this and args, is not a constructor, and keeps name and length', () => {
    const a = new Variable<string>();
    function target(this: { k: number } | undefined, x: number, y: number) {
      return [this?.k, x, y, a.get()];
    }
    const wrapped = a.run('w', () => Snapshot.wrap(target));
    expect(wrapped.call({ k: 1 }, 2, 3)).toEqual([1, 2, 3, 'w']);
    expect(wrapped.name).toBe('target');
    expect(wrapped.length).toBe(2);
    expect(() => new (wrapped as unknown as new () => unknown)()).toThrow(TypeError);
  });

  it('brand checks: Variable methods on a Snapshot throw TypeError and vice versa', () => {
    const a = new Variable<number>();
    const snap = new Snapshot();
    expect(() => Variable.prototype.get.call(snap)).toThrow(TypeError);
    expect(() => Variable.prototype.run.call(snap, 1, () => 1)).toThrow(TypeError);
    expect(() => Snapshot.prototype.run.call(a, () => 1)).toThrow(TypeError);
  });

  it('a snapshot is opaque: no enumeration of variables or values', () => {
    const snap = new Variable<number>().run(1, () => new Snapshot());
    expect(Object.keys(snap)).toEqual([]);
    expect(Symbol.iterator in snap).toBe(false);
  });
});

describe('async behaviour of the flavour', () => {
  it('run with an async fn: inside after await the value holds; a then attached outside sees the outer value', async () => {
    const a = new Variable<string>({ defaultValue: 'outer' });
    const inner = a.run('inner', async () => {
      await null;
      return a.get();
    });
    const outerSeen = inner.then(() => a.get());
    expect(await inner).toBe('inner');
    expect(await outerSeen).toBe('outer');
  });

  it('a userland queue drained elsewhere sees the enqueue contexts once wrapped', () => {
    const a = new Variable<string>();
    const queue: Array<() => string | undefined> = [];
    a.run('A', () => queue.push(Snapshot.wrap(() => a.get())));
    a.run('B', () => queue.push(Snapshot.wrap(() => a.get())));
    expect(a.run('C', () => queue.map((job) => job()))).toEqual(['A', 'B']);
  });

  it('modifications in a child run are never visible to the parent or siblings', async () => {
    const a = new Variable<number>();
    const results = await Promise.all(
      [1, 2, 3].map((n) =>
        a.run(n, async () => {
          await new Promise((r) => setTimeout(r, 3 - n));
          return a.get();
        }),
      ),
    );
    expect(results).toEqual([1, 2, 3]);
    expect(a.get()).toBeUndefined();
  });
});

describe('interoperation with ContextVar on the same store', () => {
  it('a Variable is visible through Context.run and copies; a ContextVar through Snapshot', () => {
    const a = new Variable<string>();
    const cv = new ContextVar<string>('interop');
    const ctx = a.run('from-variable', () => copyContext());
    expect(ctx.run(() => a.get())).toBe('from-variable');
    const snap = new Context().run(() => {
      cv.set('from-contextvar');
      return new Snapshot();
    });
    expect(snap.run(() => cv.get())).toBe('from-contextvar');
    // sets inside a snapshot run stay out of the snapshot
    snap.run(() => cv.set('changed'));
    expect(snap.run(() => cv.get())).toBe('from-contextvar');
  });
});
