import { describe, expect, it } from 'vitest';
import {
  Context,
  ContextVar,
  ContextVarsError,
  copyContext,
  LookupError,
  Token,
  TokenError,
} from '../src/index.js';

describe('ContextVar construction', () => {
  it('requires a string name and exposes it read-only', () => {
    expect(() => new ContextVar(1 as unknown as string)).toThrow(TypeError);
    expect(() => new ContextVar(1 as unknown as string)).toThrow('must be a string');
    const v = new ContextVar<number>('a');
    expect(v.name).toBe('a');
    expect(() => {
      (v as { name: string }).name = 'b';
    }).toThrow(TypeError);
    expect(v.name).toBe('a');
  });

  it('renders the name and default', () => {
    expect(String(new ContextVar('a'))).toBe("<ContextVar name='a'>");
    expect(String(new ContextVar('a', { default: 123 }))).toBe("<ContextVar name='a' default=123>");
    const list: unknown[] = [];
    const recursive = new ContextVar('r', { default: list });
    list.push(recursive);
    expect(String(recursive)).toContain("name='r'");
  });

  it('two variables with one name are distinct', () => {
    const a = new ContextVar<number>('same');
    const b = new ContextVar<number>('same');
    copyContext().run(() => {
      a.set(1);
      expect(b.get(undefined)).toBeUndefined();
    });
  });
});

describe('get lookup order', () => {
  it('bound value, then the fallback argument, then the default, then LookupError', () => {
    const withDefault = new ContextVar<number>('d', { default: 1 });
    const bare = new ContextVar<number>('bare');
    copyContext().run(() => {
      expect(withDefault.get()).toBe(1);
      expect(withDefault.get(2)).toBe(2);
      expect(bare.get(null)).toBeNull();
      expect(bare.get(undefined)).toBeUndefined();
      expect(() => bare.get()).toThrow(LookupError);
      withDefault.set(3);
      expect(withDefault.get(2)).toBe(3);
    });
  });

  it('LookupError names the variable and has a code', () => {
    const v = new ContextVar<number>('lonely');
    try {
      v.get();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LookupError);
      expect(error).toBeInstanceOf(ContextVarsError);
      expect((error as LookupError).code).toBe('ERR_CONTEXTVAR_LOOKUP');
      expect((error as LookupError).varName).toBe('lonely');
      expect((error as Error).message).toContain("<ContextVar name='lonely'");
    }
  });

  it('get never stores the default into the context', () => {
    const v = new ContextVar('g', { default: 5 });
    const ctx = new Context();
    ctx.run(() => v.get());
    expect(ctx.has(v)).toBe(false);
    expect(ctx.size).toBe(0);
  });

  it('set(undefined) binds undefined rather than falling back to the default', () => {
    const v = new ContextVar<number | undefined>('u', { default: 7 });
    copyContext().run(() => {
      v.set(undefined);
      expect(v.get()).toBeUndefined();
      expect(v.get(3)).toBeUndefined();
    });
  });

  it('a default given as undefined is a default', () => {
    const v = new ContextVar<undefined>('ud', { default: undefined });
    expect(v.get()).toBeUndefined();
  });
});

describe('set, reset and tokens', () => {
  it('first set returns a MISSING token, second the previous value', () => {
    const v = new ContextVar<number>('t');
    new Context().run(() => {
      const t1 = v.set(42);
      expect(t1.oldValue).toBe(Token.MISSING);
      expect(t1.var).toBe(v);
      const t2 = v.set(43);
      expect(t2.oldValue).toBe(42);
      v.reset(t2);
      expect(v.get()).toBe(42);
      expect(() => v.reset(t2)).toThrow('has already been used once');
      expect(v.get()).toBe(42);
      v.reset(t1);
      expect(v.get(null)).toBeNull();
      expect(() => v.reset(t1)).toThrow(TokenError);
    });
  });

  it('reset restores the value captured at set time, in any order', () => {
    const v = new ContextVar<number>('order');
    new Context().run(() => {
      const t1 = v.set(1);
      const t2 = v.set(2);
      v.reset(t1);
      expect(v.get(null)).toBeNull();
      v.reset(t2);
      expect(v.get()).toBe(1);
    });
  });

  it('checks used, then foreign variable, then foreign context, with codes', () => {
    const a = new ContextVar<number>('a1');
    const b = new ContextVar<number>('b1');
    const ctx = new Context();
    ctx.run(() => {
      const token = a.set(1);
      const codeOf = (fn: () => void) => {
        try {
          fn();
        } catch (error) {
          return (error as TokenError).code;
        }
        return 'no error';
      };
      expect(codeOf(() => b.reset(token as unknown as Token<number>))).toBe('ERR_TOKEN_FOREIGN_VAR');
      expect(() => b.reset(token as unknown as Token<number>)).toThrow(
        'was created by a different ContextVar',
      );
      expect(codeOf(() => copyContext().run(() => a.reset(token)))).toBe('ERR_TOKEN_FOREIGN_CONTEXT');
      a.reset(token);
      expect(codeOf(() => a.reset(token))).toBe('ERR_TOKEN_USED');
      expect(codeOf(() => b.reset(token as unknown as Token<number>))).toBe('ERR_TOKEN_USED');
    });
  });

  it('a token created inside ctx.run cannot be reset outside it, but can when ctx is entered again', () => {
    const v = new ContextVar<number>('x');
    const ctx = new Context();
    const token = ctx.run(() => v.set(1));
    expect(() => v.reset(token)).toThrow('was created in a different Context');
    ctx.run(() => v.reset(token));
    expect(ctx.has(v)).toBe(false);
  });

  it('rejects things that are not tokens, and tokens cannot be constructed directly', () => {
    const v = new ContextVar<number>('nt');
    expect(() => v.reset({} as Token<number>)).toThrow('expected an instance of Token');
    const TokenCtor = Token as unknown as new (...args: unknown[]) => unknown;
    expect(() => new TokenCtor(Symbol('x'), v, new Context(), 1)).toThrow(
      'Tokens can only be created by ContextVars',
    );
  });

  it('renders tokens, with used after reset', () => {
    const v = new ContextVar<number>('a');
    new Context().run(() => {
      const token = v.set(1);
      expect(String(token)).toBe("<Token var=<ContextVar name='a'>>");
      expect(token.used).toBe(false);
      v.reset(token);
      expect(String(token)).toBe("<Token used var=<ContextVar name='a'>>");
      expect(token.used).toBe(true);
    });
  });

  it('Token.MISSING is one sentinel', () => {
    const v = new ContextVar<number>('m');
    new Context().run(() => {
      expect(v.set(1).oldValue).toBe(Token.MISSING);
      expect(typeof Token.MISSING).toBe('symbol');
    });
  });

  it('a copy taken before reset keeps the old binding', () => {
    const v = new ContextVar<number>('snap');
    new Context().run(() => {
      const token = v.set(1);
      const snapshot = copyContext();
      v.reset(token);
      expect(snapshot.get(v)).toBe(1);
      expect(snapshot.has(v)).toBe(true);
      expect(snapshot.size).toBe(1);
      expect([...snapshot.keys()]).toEqual([v]);
      expect([...snapshot.values()]).toEqual([1]);
      expect([...snapshot]).toEqual([[v, 1]]);
      expect(copyContext().size).toBe(0);
    });
  });
});

describe('Token as a disposable (using)', () => {
  it('restores the previous value at block end, also after extra sets and on throw', () => {
    const v = new ContextVar<number>('c', { default: 42 });
    new Context().run(() => {
      {
        using _token = v.set(36);
        expect(v.get()).toBe(36);
        v.set(37);
        expect(v.get()).toBe(37);
      }
      expect(v.get()).toBe(42);
      expect(() => {
        using _token = v.set(1);
        throw new Error('body');
      }).toThrow('body');
      expect(v.get()).toBe(42);
    });
  });

  it('without a default the variable is unbound again after the block', () => {
    const v = new ContextVar<number>('c');
    new Context().run(() => {
      {
        using _token = v.set(1);
      }
      expect(() => v.get()).toThrow("<ContextVar name='c'");
    });
  });

  it('an explicit reset inside the block makes the disposal throw', () => {
    const v = new ContextVar<number>('c');
    new Context().run(() => {
      expect(() => {
        using token = v.set(1);
        v.reset(token);
      }).toThrow('has already been used once');
    });
  });

  it('a nested set/reset of another token inside the block works', () => {
    const v = new ContextVar<number>('c', { default: 0 });
    new Context().run(() => {
      {
        using _outer = v.set(1);
        const inner = v.set(2);
        v.reset(inner);
        expect(v.get()).toBe(1);
      }
      expect(v.get()).toBe(0);
    });
  });
});

describe('ContextVar.run', () => {
  it('binds for the call only, forwards arguments and returns the result', () => {
    const v = new ContextVar<string>('r', { default: 'outer' });
    const result = v.run('inner', (a: number, b: number) => `${v.get()}:${a + b}`, 1, 2);
    expect(result).toBe('inner:3');
    expect(v.get()).toBe('outer');
  });

  it('sets made inside never reach the caller', () => {
    const v = new ContextVar<number>('r2', { default: 0 });
    const w = new ContextVar<number>('w2', { default: 0 });
    v.run(1, () => {
      w.set(5);
      expect(w.get()).toBe(5);
    });
    expect(w.get()).toBe(0);
    expect(v.get()).toBe(0);
  });

  it('restores after a throw', () => {
    const v = new ContextVar<number>('r3', { default: 0 });
    expect(() =>
      v.run(1, () => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(v.get()).toBe(0);
  });
});
