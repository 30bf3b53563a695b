import { ContextVar } from '@weft/contextvars';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  CancelledError,
  Future,
  FutureCallbackError,
  InvalidArgumentError,
  InvalidStateError,
  TimeoutError,
} from '../src/index.js';
import { cancelled, cancelledAndNotified, failed, pending, running, succeeded } from './fixtures/futures.js';

const states = {
  pending,
  running,
  cancelled,
  cancelledAndNotified,
  failed: () => failed(),
  succeeded: () => succeeded(42),
};

describe('Future state predicates', () => {
  it.each([
    ['pending', false, false, false],
    ['running', false, true, false],
    ['cancelled', true, false, true],
    ['cancelledAndNotified', true, false, true],
    ['failed', false, false, true],
    ['succeeded', false, false, true],
  ] as const)('%s: cancelled=%s running=%s done=%s', (state, isCancelled, isRunning, isDone) => {
    const f = states[state]();
    expect(f.cancelled()).toBe(isCancelled);
    expect(f.running()).toBe(isRunning);
    expect(f.done()).toBe(isDone);
  });
});

describe('Future.cancel truth table', () => {
  it.each([
    ['pending', true, 'CANCELLED'],
    ['running', false, 'RUNNING'],
    ['cancelled', true, 'CANCELLED'],
    ['cancelledAndNotified', true, 'CANCELLED_AND_NOTIFIED'],
    ['failed', false, 'FINISHED'],
    ['succeeded', false, 'FINISHED'],
  ] as const)('%s -> %s, state %s', (state, returned, after) => {
    const f = states[state]();
    expect(f.cancel()).toBe(returned);
    expect(f.state).toBe(after);
  });

  it('does not run done callbacks again when cancelling a cancelled future', () => {
    const f = pending();
    let calls = 0;
    f.addDoneCallback(() => calls++);
    f.cancel();
    f.cancel();
    expect(calls).toBe(1);
  });
});

describe('Future.result / exception', () => {
  it.each([
    ['pending', TimeoutError],
    ['running', TimeoutError],
    ['cancelled', CancelledError],
    ['cancelledAndNotified', CancelledError],
    ['failed', RangeError],
  ] as const)('result({ timeoutMs: 0 }) of %s rejects with %s', async (state, errorClass) => {
    await expect(states[state]().result({ timeoutMs: 0 })).rejects.toBeInstanceOf(errorClass);
  });

  it('result({ timeoutMs: 0 }) of a finished future gives its value', async () => {
    expect(await succeeded(42).result({ timeoutMs: 0 })).toBe(42);
  });

  it.each([
    ['pending', TimeoutError],
    ['running', TimeoutError],
    ['cancelled', CancelledError],
    ['cancelledAndNotified', CancelledError],
  ] as const)('exception({ timeoutMs: 0 }) of %s rejects with %s', async (state, errorClass) => {
    await expect(states[state]().exception({ timeoutMs: 0 })).rejects.toBeInstanceOf(errorClass);
  });

  it('exception() gives the error of a failed future and undefined for a successful one', async () => {
    const error = new RangeError('x');
    expect(await failed(error).exception({ timeoutMs: 0 })).toBe(error);
    expect(await succeeded(1).exception()).toBeUndefined();
  });

  it('reports falsy errors as errors (gh-132063)', async () => {
    const f = failed(0);
    expect(f.toString()).toContain('raised number');
    await expect(f.result()).rejects.toBe(0);
    expect(await f.exception()).toBe(0);
  });

  it('result() waits until another party finishes the future', async () => {
    const f = running<number>();
    setTimeout(() => f.setResult(7), 10);
    expect(await f.result({ timeoutMs: 5000 })).toBe(7);
  });

  it('exception() waits until the future fails', async () => {
    const f = running();
    const error = new Error('late');
    setTimeout(() => f.setException(error), 10);
    expect(await f.exception({ timeoutMs: 5000 })).toBe(error);
  });

  it('result() rejects with CancelledError when the future is cancelled while waiting', async () => {
    const f = pending();
    setTimeout(() => f.cancel(), 10);
    await expect(f.result({ timeoutMs: 5000 })).rejects.toBeInstanceOf(CancelledError);
  });

  it('a timeout names the future, does not cancel it, and the future can still finish', async () => {
    const f = new Future<string>('slow job');
    const error = await f.result({ timeoutMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('ERR_FUTURE_TIMEOUT');
    expect((error as Error).message).toBe("<Future 'slow job' state=pending> did not finish within 20 ms");
    expect(f.cancelled()).toBe(false);
    f.setResult('done');
    expect(await f).toBe('done');
  });

  it('rejects bad timeouts with InvalidArgumentError', async () => {
    await expect(pending().result({ timeoutMs: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(pending().exception({ timeoutMs: Number.NaN })).rejects.toThrow(
      /timeoutMs must be a number >= 0/,
    );
  });

  it('is awaitable and works with Promise combinators', async () => {
    expect(await succeeded('v')).toBe('v');
    await expect(failed(new TypeError('t'))).rejects.toThrow('t');
    expect(await Promise.all([succeeded(1), succeeded(2)])).toEqual([1, 2]);
  });
});

describe('Future.setResult / setException', () => {
  it.each(['cancelled', 'cancelledAndNotified', 'failed', 'succeeded'] as const)(
    'on a %s future throws InvalidStateError and keeps the first outcome',
    async (state) => {
      const f = states[state]();
      expect(() => f.setResult(1)).toThrow(InvalidStateError);
      expect(() => f.setException(new Error('second'))).toThrow(InvalidStateError);
      if (state === 'succeeded') expect(await f).toBe(42);
      if (state === 'failed') await expect(f.result()).rejects.toThrow('boom');
    },
  );

  it('names the state and the outcome in the message', () => {
    const f = new Future();
    f.setResult(5);
    expect(() => f.setResult(6)).toThrow('FINISHED: <Future state=finished returned number>');
    const g = new Future();
    g.setException(new RangeError('x'));
    expect(() => g.setException(1)).toThrow('FINISHED: <Future state=finished raised RangeError>');
  });

  it('setRunningOrNotifyCancel: pending -> running, cancelled -> notified, others throw', () => {
    const f = pending();
    expect(f.setRunningOrNotifyCancel()).toBe(true);
    expect(f.state).toBe('RUNNING');
    const c = cancelled();
    expect(c.setRunningOrNotifyCancel()).toBe(false);
    expect(c.state).toBe('CANCELLED_AND_NOTIFIED');
    expect(() => running().setRunningOrNotifyCancel()).toThrow(InvalidStateError);
    expect(() => succeeded(1).setRunningOrNotifyCancel()).toThrow(/Future in unexpected state/);
  });
});

describe('Future typing', () => {
  it('is covariant: a Future<number> is a Future<unknown>', () => {
    expectTypeOf<Future<number>>().toExtend<Future<unknown>>();
    expectTypeOf<Future<number>>().not.toExtend<Future<string>>();
  });
});

describe('Future.toString', () => {
  it('renders each state like Python', () => {
    expect(new Future().toString()).toBe('<Future state=pending>');
    expect(running().toString()).toBe("<Future 'running' state=running>");
    expect(cancelled().toString()).toBe("<Future 'cancelled' state=cancelled>");
    expect(cancelledAndNotified().toString()).toBe("<Future 'cancelledAndNotified' state=cancelled>");
    expect(failed(new RangeError('x')).toString()).toBe("<Future 'failed' state=finished raised RangeError>");
    expect(succeeded(null).toString()).toBe("<Future 'succeeded' state=finished returned null>");
    expect(succeeded(new Map()).toString()).toBe("<Future 'succeeded' state=finished returned Map>");
  });
});

describe('Future.addDoneCallback', () => {
  let warnings: Error[];
  const onWarning = (w: Error) => warnings.push(w);
  beforeEach(() => {
    warnings = [];
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });

  it.each([
    ['result', (f: Future<number>) => f.setResult(5)],
    ['exception', (f: Future<number>) => f.setException(new Error('e'))],
    ['cancel', (f: Future<number>) => f.cancel()],
  ] as const)('runs callbacks in order on %s, with the future', (_, complete) => {
    const f = new Future<number>();
    const seen: string[] = [];
    f.addDoneCallback((done) => seen.push(`a:${done === f}:${done.done()}`));
    f.addDoneCallback(() => seen.push('b'));
    expect(seen).toEqual([]);
    complete(f);
    expect(seen).toEqual(['a:true:true', 'b']);
  });

  it.each(['failed', 'succeeded', 'cancelled', 'cancelledAndNotified'] as const)(
    'runs a callback added to a %s future at once',
    (state) => {
      const f = states[state]();
      let called = 0;
      f.addDoneCallback(() => called++);
      expect(called).toBe(1);
    },
  );

  it('reports a throwing callback and still runs the next ones', async () => {
    const f = new Future<number>('job');
    const seen: string[] = [];
    f.addDoneCallback(() => {
      throw new Error('doh!');
    });
    f.addDoneCallback(() => seen.push('second'));
    f.setResult(1);
    expect(seen).toEqual(['second']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBeInstanceOf(FutureCallbackError);
    expect(warnings[0]?.message).toBe(
      "exception calling callback for <Future 'job' state=finished returned number>: Error: doh!",
    );
    expect((warnings[0] as Error).cause).toMatchObject({ message: 'doh!' });
  });

  it('reports a throwing callback on an already done future without throwing', async () => {
    const f = succeeded(1);
    expect(() =>
      f.addDoneCallback(() => {
        throw new Error('doh!');
      }),
    ).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((w) => w.name)).toEqual(['FutureCallbackError']);
  });

  it('runs each callback in a copy of the context it was added in', () => {
    const v = new ContextVar<string>('future-test.v', { default: 'unset' });
    const f = new Future();
    const seen: string[] = [];
    v.run('registration', () =>
      f.addDoneCallback(() => {
        seen.push(v.get());
        v.set('changed by callback');
      }),
    );
    v.run('completion', () => f.setResult(1));
    expect(seen).toEqual(['registration']);
    expect(v.get()).toBe('unset');
  });

  it('rejects a non-function', () => {
    expect(() => new Future().addDoneCallback(42 as never)).toThrow(TypeError);
  });
});
