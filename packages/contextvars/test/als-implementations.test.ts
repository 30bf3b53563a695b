/**
 * Weft's context semantics pinned where Node's two AsyncLocalStorage implementations differ
 * (async_hooks on Node 20/22, AsyncContextFrame on 24+ and on 22 with a flag): another
 * library's `enterWith` + `exit` in EventEmitter listeners (nodejs/node#62290), `enterWith`
 * inside `AsyncResource.runInAsyncScope` (nodejs/node#58204), promises that outlive the work that
 * made them. The test matrix runs this file in all six modes (`pnpm test:als-modes`); every
 * expectation about Weft holds in each.
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { EventEmitter, once } from 'node:events';
import { readFile } from 'node:fs';
import { createServer, request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { Context, ContextVar, copyContext } from '../src/index.js';
import { expectedAlsImplementation, observedAlsImplementation } from './support/als-implementation.js';

const v = new ContextVar<string>('als-implementations', { default: 'root' });
/** Another library's storage, using the primitives Weft never uses (enterWith, exit). */
const other = new AsyncLocalStorage<string>();
afterAll(() => other.disable());

const implementation = observedAlsImplementation();

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Runs the garbage collector until `ref` is cleared or `rounds` passes went by. */
async function collected(ref: WeakRef<object>, rounds = 20): Promise<boolean> {
  for (let i = 0; i < rounds && ref.deref() !== undefined; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return ref.deref() === undefined;
}

describe('the AsyncLocalStorage implementation under test', () => {
  it('is the one this Node line and its flags give (and the one the test matrix asked for)', () => {
    expect(implementation).toBe(expectedAlsImplementation());
    const asked = process.env.WEFT_EXPECT_ALS;
    if (asked !== undefined && asked !== '') expect(implementation).toBe(asked);
  });
});

describe('Weft semantics on every AsyncLocalStorage implementation', () => {
  it('continuations (await, timers, setImmediate, nextTick, queueMicrotask, setInterval) keep the scheduling context', async () => {
    const seen = await v.run('scheduled', async () => {
      const out: string[] = [];
      await null;
      out.push(v.get());
      await new Promise((r) => setTimeout(r, 1));
      out.push(v.get());
      await new Promise((r) => setImmediate(r));
      out.push(v.get());
      await new Promise((r) => process.nextTick(r));
      out.push(v.get());
      await new Promise<void>((r) => queueMicrotask(r));
      out.push(v.get());
      await new Promise<void>((r) => {
        let n = 0;
        const id = setInterval(() => {
          if (++n < 2) return;
          clearInterval(id);
          out.push(v.get());
          r();
        }, 1);
      });
      return out;
    });
    expect(seen).toEqual(Array(6).fill('scheduled'));
    expect(v.get()).toBe('root');
  });

  it("another library's exit() + enterWith() in an EventEmitter listener changes nothing Weft sees (#62290)", () => {
    const emitter = new EventEmitter();
    const seen: Record<string, string> = {};
    emitter.on('event', () => {
      other.exit(() => {
        other.enterWith('entered in exit');
        seen.insideExit = v.get();
      });
      other.enterWith('entered in listener');
      seen.listener = v.get();
    });
    emitter.on('event', () => {
      seen.nextListener = v.get();
    });
    v.run('emitting', () => {
      emitter.emit('event');
      seen.afterEmit = v.get();
    });
    seen.outside = v.get();
    expect(seen).toEqual({
      insideExit: 'emitting',
      listener: 'emitting',
      nextListener: 'emitting',
      afterEmit: 'emitting',
      outside: 'root',
    });
  });

  it('an EventEmitter listener sees the emit-time context, not the registration-time one', () => {
    const emitter = new EventEmitter();
    let seen = '';
    v.run('registering', () => emitter.on('event', () => (seen = v.get())));
    v.run('emitting', () => emitter.emit('event'));
    expect(seen).toBe('emitting');
  });

  it("runInAsyncScope runs in the resource's creation context, whatever enterWith did in an earlier scope (#58204)", () => {
    const resource = v.run('created', () => new AsyncResource('weft-test'));
    const seen: string[] = [];
    v.run('first caller', () =>
      resource.runInAsyncScope(() => {
        seen.push(v.get());
        other.enterWith('sticky?');
      }),
    );
    v.run('second caller', () => resource.runInAsyncScope(() => seen.push(v.get())));
    seen.push(v.get());
    expect(seen).toEqual(['created', 'created', 'root']);
  });

  it('set() inside runInAsyncScope lands in the Context the resource was created in', () => {
    const ctx = copyContext();
    const resource = ctx.run(() => new AsyncResource('weft-test'));
    resource.runInAsyncScope(() => v.set('set in scope'));
    expect(ctx.get(v)).toBe('set in scope');
    expect(v.get()).toBe('root');
  });

  it("another library's enterWith inside var.run does not carry Weft's value out, before or after await", async () => {
    const inner = await v.run('run', async () => {
      other.enterWith('entered');
      const before = v.get();
      await null;
      return [before, v.get()];
    });
    expect(inner).toEqual(['run', 'run']);
    expect(v.get()).toBe('root');
    other.enterWith('entered at top level');
    expect(v.get()).toBe('root');
    other.exit(() => expect(v.get()).toBe('root'));
  });

  it('a custom thenable resolved from another context continues in the awaiting context', async () => {
    const thenable = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable is the point
      then(resolve: (value: number) => void) {
        v.run('resolver', () => setTimeout(() => resolve(1), 1));
      },
    };
    expect(
      await v.run('awaiting', async () => {
        await thenable;
        return v.get();
      }),
    ).toBe('awaiting');
  });

  it('a promise created and resolved in other contexts continues in the awaiting context', async () => {
    let resolve!: () => void;
    const promise = v.run('creator', () => new Promise<void>((r) => (resolve = r)));
    const waited = v.run('awaiting', async () => {
      await promise;
      return v.get();
    });
    v.run('resolver', () => resolve());
    expect(await waited).toBe('awaiting');
  });

  it('events.once continues in the context that awaits it', async () => {
    const emitter = new EventEmitter();
    const event = v.run('subscriber', () => once(emitter, 'go'));
    v.run('emitter', () => emitter.emit('go'));
    expect(
      await v.run('awaiting', async () => {
        await event;
        return v.get();
      }),
    ).toBe('awaiting');
  });

  it("an async generator's body runs in the context of each next() call", async () => {
    const seen: string[] = [];
    async function* gen() {
      seen.push(v.get());
      yield 1;
      await null;
      seen.push(v.get());
      yield 2;
    }
    const iterator = v.run('created', () => gen());
    await v.run('first next', () => iterator.next());
    await v.run('second next', () => iterator.next());
    expect(seen).toEqual(['first next', 'second next']);
  });

  it('a set() in an async callee before and after its first await is visible to the caller (one shared Context)', async () => {
    const seen = await v.run('caller', async () => {
      async function callee() {
        v.set('set before await');
        await null;
      }
      await callee();
      const afterFirst = v.get();
      async function later() {
        await null;
        v.set('set after await');
      }
      await later();
      return [afterFirst, v.get()];
    });
    expect(seen).toEqual(['set before await', 'set after await']);
  });

  it('the unhandledRejection handler sees the context of the code that rejected', async () => {
    const seen = new Promise<string>((resolve) => process.once('unhandledRejection', () => resolve(v.get())));
    v.run('rejecting', () => {
      Promise.reject(new Error('nobody handles this'));
    });
    expect(await seen).toBe('rejecting');
  });

  it('an AbortSignal listener runs in the context of abort()', async () => {
    const controller = new AbortController();
    let seen = '';
    v.run('listening', () => controller.signal.addEventListener('abort', () => (seen = v.get())));
    v.run('aborting', () => controller.abort());
    expect(seen).toBe('aborting');
  });

  it('I/O callbacks run in the context that started the operation (fs, http server and client)', async () => {
    const fsSeen = await v.run(
      'reading',
      () => new Promise<string>((resolve) => readFile(new URL(import.meta.url), () => resolve(v.get()))),
    );
    expect(fsSeen).toBe('reading');

    const seen: Record<string, string> = {};
    const server = v.run('creating server', () =>
      createServer((_request, response) => {
        seen.request = v.get();
        response.end('ok');
      }),
    );
    await v.run('listening', () => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
    try {
      const { port } = server.address() as { port: number };
      await v.run(
        'client',
        () =>
          new Promise<void>((resolve, reject) => {
            request({ host: '127.0.0.1', port }, (response) => {
              seen.response = v.get();
              response.resume();
              response.on('end', () => {
                seen.end = v.get();
                resolve();
              });
            })
              .on('error', reject)
              .end();
          }),
      );
    } finally {
      server.close();
    }
    expect(seen).toEqual({ request: 'listening', response: 'client', end: 'client' });
  });

  it("a Worker's message listener runs in the context the Worker was created in", async () => {
    const worker = v.run(
      'creating worker',
      () => new Worker('require("node:worker_threads").parentPort.postMessage(1)', { eval: true }),
    );
    try {
      const seen = await v.run(
        'listening',
        () => new Promise<string>((resolve) => worker.once('message', () => resolve(v.get()))),
      );
      expect(seen).toBe('creating worker');
    } finally {
      await worker.terminate();
    }
  });

  it('a FinalizationRegistry callback runs in the root context', async () => {
    let seen: string | undefined;
    const registry = v.run(
      'creating registry',
      () =>
        new FinalizationRegistry(() => {
          seen = v.get();
        }),
    );
    v.run('registering', () => registry.register({ big: new Array(1000).fill(0) }, 1));
    for (let i = 0; i < 50 && seen === undefined; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(seen).toBe('root');
  });

  it('a Context can be entered again once its synchronous run returned, also while its async work goes on', async () => {
    const ctx = new Context();
    const results = await ctx.run(async () => {
      await null;
      return ctx.run(() => v.get('entered again'));
    });
    expect(results).toBe('entered again');
  });

  it('a Context is collectable once its work is done, and kept while a reaction registered in it is pending', async () => {
    let done!: WeakRef<object>;
    await (async () => {
      const ctx = copyContext();
      done = new WeakRef(ctx);
      await ctx.run(async () => {
        v.set('finished work');
        await new Promise((r) => setTimeout(r, 1));
      });
    })();
    expect(await collected(done)).toBe(true);

    let release!: () => void;
    const pending = new Promise<void>((r) => (release = r));
    let held!: WeakRef<object>;
    (() => {
      const ctx = copyContext();
      held = new WeakRef(ctx);
      ctx.run(() => {
        pending.then(() => v.get());
      });
    })();
    expect(await collected(held, 5)).toBe(false);
    release();
    await pending;
    expect(await collected(held)).toBe(true);
  });
});
