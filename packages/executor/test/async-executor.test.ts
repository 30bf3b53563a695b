import { setTimeout as sleep } from 'node:timers/promises';
import { ContextVar, copyContext } from '@weft/contextvars';
import { describe, expect, it } from 'vitest';
import {
  AsyncExecutor,
  asCompleted,
  CancelledError,
  ExecutorShutdownError,
  type Future,
  InvalidArgumentError,
  TimeoutError,
  wait,
} from '../src/index.js';

const requestId = new ContextVar<string>('async-executor-test.requestId');
const tenant = new ContextVar<string>('async-executor-test.tenant');
const step = new ContextVar<number>('async-executor-test.step', { default: 0 });

/** A manually released gate. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('AsyncExecutor: submit and results', () => {
  it('runs a function with its arguments and gives its result', async () => {
    await using ex = new AsyncExecutor({ maxWorkers: 2 });
    expect(await ex.submit(Math.pow, 2, 8)).toBe(256);
    expect(await ex.submit(async (a: string, b: string) => a + b, 'x', 'y')).toBe('xy');
  });

  it('puts a thrown error (sync or async) on the future', async () => {
    await using ex = new AsyncExecutor();
    const sync = ex.submit(() => {
      throw new RangeError('sync');
    });
    const asyncFail = ex.submit(async () => {
      await sleep(1);
      throw new TypeError('async');
    });
    await expect(sync.result()).rejects.toThrow(RangeError);
    expect(await asyncFail.exception()).toBeInstanceOf(TypeError);
  });

  it('returns a pending future: the task starts after submit returns', async () => {
    await using ex = new AsyncExecutor();
    const order: string[] = [];
    const f = ex.submit(() => order.push('task'));
    order.push('after submit');
    expect(f.running() || f.done()).toBe(false);
    await f;
    expect(order).toEqual(['after submit', 'task']);
  });

  it('lets a queued task be cancelled before it starts; it never runs', async () => {
    await using ex = new AsyncExecutor({ maxWorkers: 1 });
    const g = gate();
    let ran = false;
    const blocker = ex.submit(() => g.promise);
    const victim = ex.submit(() => {
      ran = true;
    });
    await sleep(5);
    expect(blocker.running()).toBe(true);
    expect(blocker.cancel()).toBe(false);
    expect(victim.cancel()).toBe(true);
    g.open();
    const { done } = await wait([blocker, victim]);
    expect(done.size).toBe(2);
    expect(victim.state).toBe('CANCELLED_AND_NOTIFIED');
    expect(ran).toBe(false);
    await expect(victim.result()).rejects.toBeInstanceOf(CancelledError);
  });

  it('never has more than maxWorkers tasks in flight, and runs them first in, first out', async () => {
    await using ex = new AsyncExecutor({ maxWorkers: 3 });
    let inFlight = 0;
    let peak = 0;
    const started: number[] = [];
    const task = async (i: number) => {
      started.push(i);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(Math.floor(Math.random() * 5));
      inFlight--;
      return i;
    };
    const fs = Array.from({ length: 40 }, (_, i) => ex.submit(task, i));
    await sleep(1);
    expect(ex.running).toBeLessThanOrEqual(3);
    const results = await Promise.all(fs);
    expect(results).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(peak).toBe(3);
    expect(started).toEqual(results);
  });

  it('rejects bad arguments', () => {
    expect(() => new AsyncExecutor({ maxWorkers: 0 })).toThrow(
      'maxWorkers must be an integer greater than 0, got 0',
    );
    expect(() => new AsyncExecutor({ maxWorkers: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => new AsyncExecutor({ propagateContext: 'yes' as never })).toThrow(
      /propagateContext must be a boolean/,
    );
    const ex = new AsyncExecutor();
    expect(() => ex.submit('not a function' as unknown as () => void)).toThrow(
      "AsyncExecutor.submit(): the task must be a function, got 'not a function'",
    );
    expect(() => ex.submitWith({ signal: {} as never }, () => 1)).toThrow(/signal must be an AbortSignal/);
  });
});

describe('AsyncExecutor: context', () => {
  it('runs each task in the context captured at submit time', async () => {
    await using ex = new AsyncExecutor({ maxWorkers: 2 });
    const f = requestId.run('r-1', () => ex.submit(async () => requestId.get()));
    expect(await f).toBe('r-1');
  });

  it('never shows a stale value when many submits with different values interleave on few workers', async () => {
    await using ex = new AsyncExecutor({ maxWorkers: 3 });
    const task = async (expected: string) => {
      const seen = [requestId.get()];
      await sleep(Math.floor(Math.random() * 3));
      seen.push(requestId.get());
      await Promise.resolve();
      seen.push(requestId.get());
      return { expected, seen };
    };
    const fs: Array<Future<{ expected: string; seen: string[] }>> = [];
    for (let i = 0; i < 200; i++) {
      const value = `req-${i}`;
      // Alternate between a scoped binding and a plain set() in the submitter's context.
      if (i % 2 === 0) fs.push(requestId.run(value, () => ex.submit(task, value)));
      else {
        requestId.set(value);
        fs.push(ex.submit(task, value));
      }
    }
    for (const f of fs) {
      const { expected, seen } = await f;
      expect(seen).toEqual([expected, expected, expected]);
    }
  });

  it("keeps a task's set() (before and after its first await) in the task's copy", async () => {
    await using ex = new AsyncExecutor({ maxWorkers: 1 });
    requestId.set('submitter');
    const first = ex.submit(async () => {
      requestId.set('task-1 sync');
      step.set(1);
      await sleep(1);
      requestId.set('task-1 after await');
      return requestId.get();
    });
    const second = ex.submit(async () => ({ requestId: requestId.get(), step: step.get() }));
    expect(await first).toBe('task-1 after await');
    expect(requestId.get()).toBe('submitter');
    expect(step.get()).toBe(0);
    expect(await second).toEqual({ requestId: 'submitter', step: 0 });
  });

  it('does not see changes the submitter makes after submit', async () => {
    await using ex = new AsyncExecutor({ maxWorkers: 1 });
    const g = gate();
    ex.submit(() => g.promise);
    requestId.set('at submit');
    const f = ex.submit(() => requestId.get());
    requestId.set('after submit');
    g.open();
    expect(await f).toBe('at submit');
  });

  it('propagateContext: false runs tasks in an empty context (executor and per submit)', async () => {
    await using off = new AsyncExecutor({ propagateContext: false });
    await using on = new AsyncExecutor();
    const probe = () => ({ size: copyContext().size, requestId: requestId.get('none') });
    await requestId.run('r', async () => {
      expect(await off.submit(probe)).toEqual({ size: 0, requestId: 'none' });
      expect(await on.submitWith({ propagateContext: false }, probe)).toEqual({ size: 0, requestId: 'none' });
      expect(await off.submitWith({ propagateContext: true }, probe)).toMatchObject({ requestId: 'r' });
    });
  });

  it('contextFilter allow/deny, by name or variable, per executor and per submit', async () => {
    const probe = () => ({ requestId: requestId.get('none'), tenant: tenant.get('none') });
    await using allowOne = new AsyncExecutor({ contextFilter: { allow: ['async-executor-test.tenant'] } });
    await using denyOne = new AsyncExecutor({ contextFilter: { deny: [tenant] } });
    await requestId.run('r', () =>
      tenant.run('t', async () => {
        expect(await allowOne.submit(probe)).toEqual({ requestId: 'none', tenant: 't' });
        expect(await denyOne.submit(probe)).toEqual({ requestId: 'r', tenant: 'none' });
        expect(
          await denyOne.submitWith(
            { contextFilter: { allow: [requestId, tenant], deny: [requestId] } },
            probe,
          ),
        ).toEqual({ requestId: 'none', tenant: 't' });
      }),
    );
  });

  it('rejects a bad filter', () => {
    expect(() => new AsyncExecutor({ contextFilter: { allow: [42] as never } })).toThrow(
      /contextFilter.allow takes variable names and ContextVars, got 42/,
    );
  });
});

describe('AsyncExecutor: map', () => {
  it('yields results in input order whatever the completion order', async () => {
    await using ex = new AsyncExecutor({ maxWorkers: 4 });
    const results: number[] = [];
    for await (const r of ex.map(
      async (n: number) => {
        await sleep(10 - n);
        return n * n;
      },
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    )) {
      results.push(r);
    }
    expect(results).toEqual([1, 4, 9, 16, 25, 36, 49, 64, 81]);
  });

  it('submits eagerly at call time, capturing the context then', async () => {
    await using ex = new AsyncExecutor();
    let calls = 0;
    const iterable = requestId.run('at map', () =>
      ex.map(
        (n: number) => {
          calls++;
          return `${requestId.get()}:${n}`;
        },
        [1, 2],
      ),
    );
    await sleep(5);
    expect(calls).toBe(2);
    const out: string[] = [];
    for await (const r of iterable) out.push(r);
    expect(out).toEqual(['at map:1', 'at map:2']);
  });

  it('throws the first failure at its position and cancels the tasks not started', async () => {
    await using ex = new AsyncExecutor({ maxWorkers: 1 });
    const ran: number[] = [];
    const out: number[] = [];
    const error = await (async () => {
      for await (const r of ex.map(
        async (n: number) => {
          ran.push(n);
          await sleep(2);
          if (n === 3) throw new Error('three');
          return n;
        },
        [1, 2, 3, 4, 5, 6],
      )) {
        out.push(r);
      }
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe('three');
    expect(out).toEqual([1, 2]);
    await ex.shutdown();
    expect(ran.length).toBeLessThan(6);
  });

  it('timeoutMs: yields what is ready, then throws TimeoutError and cancels the rest', async () => {
    await using ex = new AsyncExecutor({ maxWorkers: 1 });
    const out: number[] = [];
    let started = 0;
    const error = await (async () => {
      for await (const r of ex.map(
        async (ms: number) => {
          started++;
          await sleep(ms);
          return ms;
        },
        [0, 0, 300, 0, 0],
        { timeoutMs: 100 },
      )) {
        out.push(r);
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/^map\(\): result 3 of 5 .* was not ready within 100 ms$/);
    expect(out).toEqual([0, 0]);
    await ex.shutdown();
    expect(started).toBe(3);
  });

  it('a TimeoutError thrown by the task is just its error', async () => {
    await using ex = new AsyncExecutor();
    const iterable = ex.map(
      (_: number) => {
        throw new TimeoutError('from the task');
      },
      [1],
      { timeoutMs: 5000 },
    );
    await expect(
      (async () => {
        for await (const _ of iterable) {
          // nothing
        }
      })(),
    ).rejects.toThrow('from the task');
  });

  it('cancels the tasks not started when the loop is left early', async () => {
    await using ex = new AsyncExecutor({ maxWorkers: 1 });
    let ran = 0;
    for await (const r of ex.map(
      async (n: number) => {
        ran++;
        await sleep(2);
        return n;
      },
      [1, 2, 3, 4, 5],
    )) {
      if (r === 1) break;
    }
    await ex.shutdown();
    expect(ran).toBeLessThanOrEqual(2);
  });

  it('works with no items', async () => {
    await using ex = new AsyncExecutor();
    const out: unknown[] = [];
    for await (const r of ex.map((x: number) => x, [])) out.push(r);
    expect(out).toEqual([]);
  });
});

describe('AsyncExecutor: shutdown', () => {
  it('submit after shutdown throws ExecutorShutdownError synchronously; shutdown is idempotent', async () => {
    const ex = new AsyncExecutor();
    await ex.shutdown();
    await ex.shutdown();
    expect(() => ex.submit(() => 1)).toThrow(ExecutorShutdownError);
    expect(() => ex.submit(() => 1)).toThrow('AsyncExecutor: cannot schedule new futures after shutdown');
    expect(() => ex.map((x: number) => x, [1])).toThrow(ExecutorShutdownError);
  });

  it('shutdown() waits for running and queued tasks, which all complete', async () => {
    const ex = new AsyncExecutor({ maxWorkers: 5 });
    const fs = Array.from({ length: 50 }, (_, i) =>
      ex.submit(async () => {
        await sleep(1);
        return i;
      }),
    );
    await ex.shutdown();
    expect(fs.every((f) => f.done() && !f.cancelled())).toBe(true);
    expect(await Promise.all(fs)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('shutdown({ cancelFutures: true }) cancels the queued tasks, finishes the running ones', async () => {
    const ex = new AsyncExecutor({ maxWorkers: 5 });
    const fs = Array.from({ length: 50 }, (_, i) =>
      ex.submit(async () => {
        await sleep(5);
        return i;
      }),
    );
    await sleep(1);
    await ex.shutdown({ cancelFutures: true });
    const cancelledCount = fs.filter((f) => f.cancelled()).length;
    const completed = fs.filter((f) => f.done() && !f.cancelled());
    expect(cancelledCount).toBeGreaterThan(20);
    expect(completed.length).toBeGreaterThanOrEqual(1);
    expect(cancelledCount + completed.length).toBe(50);
    for (const f of completed) expect(await f.exception()).toBeUndefined();
    // Cancelled-by-shutdown futures count as done for wait(): nothing hangs.
    const { notDone } = await wait(fs, { timeoutMs: 1000 });
    expect(notDone.size).toBe(0);
  });

  it('shutdown({ wait: false }) resolves at once; the work still finishes', async () => {
    const ex = new AsyncExecutor({ maxWorkers: 1 });
    const g = gate();
    const f = ex.submit(() => g.promise.then(() => 'finished'));
    const queued = ex.submit(() => 'queued too');
    await ex.shutdown({ wait: false });
    expect(f.done()).toBe(false);
    g.open();
    expect(await f).toBe('finished');
    expect(await queued).toBe('queued too');
  });

  it('submit, cancel at once, then shutdown: no hang (gh-94440)', async () => {
    const ex = new AsyncExecutor();
    const f = ex.submit(() => 1);
    f.cancel();
    await ex.shutdown();
    expect(f.state).toBe('CANCELLED_AND_NOTIFIED');
  });

  it('await using shuts down and waits', async () => {
    let f: Future<string> | undefined;
    {
      await using ex = new AsyncExecutor();
      f = ex.submit(async () => {
        await sleep(5);
        return 'done';
      });
    }
    expect(f.done()).toBe(true);
  });

  it('rejects bad shutdown options', async () => {
    const ex = new AsyncExecutor();
    await expect(ex.shutdown({ wait: 1 as never })).rejects.toThrow(/wait must be a boolean/);
  });
});

describe('AsyncExecutor: abort signal', () => {
  it('cancels a queued task', async () => {
    await using ex = new AsyncExecutor({ maxWorkers: 1 });
    const g = gate();
    ex.submit(() => g.promise);
    const controller = new AbortController();
    const f = ex.submitWith({ signal: controller.signal }, () => 'never');
    controller.abort();
    expect(f.cancelled()).toBe(true);
    g.open();
  });

  it('fails a running task with the reason at once; the slot stays taken until it settles', async () => {
    await using ex = new AsyncExecutor({ maxWorkers: 1 });
    const g = gate();
    const controller = new AbortController();
    const f = ex.submitWith({ signal: controller.signal }, () => g.promise.then(() => 'late'));
    const next = ex.submit(() => 'next');
    await sleep(2);
    controller.abort(new Error('stop'));
    await expect(f.result()).rejects.toThrow('stop');
    expect(next.running()).toBe(false);
    g.open();
    expect(await next).toBe('next');
  });

  it('cancels at once when the signal is already aborted', async () => {
    await using ex = new AsyncExecutor();
    const f = ex.submitWith({ signal: AbortSignal.abort() }, () => 1);
    expect(f.cancelled()).toBe(true);
    for await (const done of asCompleted([f], { timeoutMs: 1000 })) expect(done).toBe(f);
  });
});
