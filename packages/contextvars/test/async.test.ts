import { describe, expect, it } from 'vitest';
import { Context, ContextVar, copyContext } from '../src/index.js';

const v = new ContextVar<string>('async-var', { default: 'default' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('async propagation', () => {
  it('values survive await', async () => {
    const result = await v.run('inside', async () => {
      await sleep(1);
      await null;
      return v.get();
    });
    expect(result).toBe('inside');
    expect(v.get()).toBe('default');
  });

  it('timers, ticks, microtasks and then-callbacks see the context current when scheduled', async () => {
    const seen: Record<string, string> = {};
    const done: Promise<unknown>[] = [];
    v.run('scheduled', () => {
      done.push(new Promise((r) => setTimeout(() => r((seen.setTimeout = v.get())), 1)));
      done.push(new Promise((r) => setImmediate(() => r((seen.setImmediate = v.get())))));
      done.push(new Promise((r) => queueMicrotask(() => r((seen.queueMicrotask = v.get())))));
      done.push(new Promise((r) => process.nextTick(() => r((seen.nextTick = v.get())))));
      done.push(Promise.resolve().then(() => (seen.promiseThen = v.get())));
      done.push(
        new Promise((r) => {
          let n = 0;
          const id = setInterval(() => {
            if (++n === 2) {
              clearInterval(id);
              r((seen.setInterval = v.get()));
            }
          }, 1);
        }),
      );
    });
    await v.run('resolver', () => Promise.all(done));
    expect(seen).toEqual({
      setTimeout: 'scheduled',
      setImmediate: 'scheduled',
      queueMicrotask: 'scheduled',
      nextTick: 'scheduled',
      promiseThen: 'scheduled',
      setInterval: 'scheduled',
    });
  });

  it('.then captures at registration, not at resolution', async () => {
    let resolve!: (x: number) => void;
    const promise = v.run('creator', () => new Promise<number>((r) => (resolve = r)));
    const seen = v.run('registrar', () => promise.then(() => v.get()));
    v.run('resolver', () => resolve(1));
    expect(await seen).toBe('registrar');
  });

  it('callbacks run in the same Context object (not a copy): a later set is visible to them', async () => {
    const ctx = new Context();
    const seen = await ctx.run(async () => {
      v.set('first');
      const later = new Promise((r) => setTimeout(() => r(v.get()), 5));
      v.set('second');
      return later;
    });
    expect(seen).toBe('second');
  });

  it('plain async calls share the caller context (like awaited coroutines)', async () => {
    const ctx = new Context();
    await ctx.run(async () => {
      const child = async () => {
        await null;
        v.set('from child');
      };
      await child();
      expect(v.get()).toBe('from child');
    });
    expect(ctx.get(v)).toBe('from child');
  });

  it('isolates hundreds of concurrent branches with random awaits (var.run and copyContext().run)', async () => {
    const counter = new ContextVar<number>('counter');
    const branch = async (id: number) => {
      for (let step = 0; step < 5; step++) {
        counter.set(id * 100 + step);
        await sleep(Math.floor(Math.random() * 3));
        if (Math.random() < 0.5) await null;
        expect(counter.get()).toBe(id * 100 + step);
        expect(v.get()).toBe(`branch-${id}`);
      }
      return counter.get();
    };
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, id) =>
        id % 2 === 0
          ? v.run(`branch-${id}`, branch, id)
          : copyContext().run(() => v.run(`branch-${id}`, branch, id)),
      ),
    );
    expect(results).toEqual(Array.from({ length: 300 }, (_, id) => id * 100 + 4));
    expect(counter.get(-1)).toBe(-1);
  });

  it('an awaited async call does not change the context of the caller after it returns when isolated', async () => {
    const outer = await copyContext().run(async () => {
      v.set('outer');
      await copyContext().run(async () => {
        await null;
        v.set('inner');
      });
      return v.get();
    });
    expect(outer).toBe('outer');
  });

  it('awaiting a custom thenable: its then runs in the awaiting context, and so does the continuation', async () => {
    let resolveLater!: (value: string) => void;
    const thenable = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable is the point
      then(onFulfilled: (value: string) => void) {
        const inThen = v.get();
        resolveLater = (value) => onFulfilled(`${value}, then saw ${inThen}`);
      },
    };
    const awaited = v.run('awaiter', async () => {
      const value = await thenable;
      return `${value}, continuation saw ${v.get()}`;
    });
    await null;
    v.run('resolver', () => resolveLater('resolved'));
    expect(await awaited).toBe('resolved, then saw awaiter, continuation saw awaiter');
  });

  it('an unhandled rejection handler sees the rejecting context', async () => {
    const seen = new Promise((resolve) => {
      const handler = () => {
        process.off('unhandledRejection', handler);
        resolve(v.get());
      };
      process.on('unhandledRejection', handler);
    });
    v.run('rejecting', () => {
      void Promise.reject(new Error('unhandled on purpose'));
    });
    expect(await seen).toBe('rejecting');
  });

  it('EventEmitter listeners run in the emit context (Node behaviour, documented)', async () => {
    const { EventEmitter } = await import('node:events');
    const emitter = new EventEmitter();
    let seen: string | undefined;
    v.run('registration', () => emitter.on('e', () => (seen = v.get())));
    v.run('emit', () => emitter.emit('e'));
    expect(seen).toBe('emit');
  });

  it('generators see the context of whoever calls next() (Node divergence from TC39, documented)', () => {
    function* gen() {
      yield v.get();
      yield v.get();
    }
    const it = v.run('creation', () => gen());
    expect(v.run('first', () => it.next().value)).toBe('first');
    expect(v.run('second', () => it.next().value)).toBe('second');
  });
});
