import { describe, expect, it } from 'vitest';
import { asCompleted, Future, InvalidArgumentError, TimeoutError, wait } from '../src/index.js';
import { cancelled, cancelledAndNotified, failed, pending, running, succeeded } from './fixtures/futures.js';

function later(ms: number, fn: () => void): void {
  setTimeout(fn, ms);
}

async function collect<F>(iterable: AsyncIterable<F>): Promise<{ items: F[]; error: unknown }> {
  const items: F[] = [];
  try {
    for await (const f of iterable) items.push(f);
    return { items, error: undefined };
  } catch (error) {
    return { items, error };
  }
}

describe('wait', () => {
  it('deduplicates: the same future twice is one (issue20369)', async () => {
    const f = succeeded(1);
    const { done, notDone } = await wait([f, f]);
    expect(done).toEqual(new Set([f]));
    expect(notDone.size).toBe(0);
  });

  it('FIRST_COMPLETED: a plain cancelled future is not done; the fast one is', async () => {
    const c = cancelled();
    const fast = running<number>();
    const blocked = running();
    later(10, () => fast.setResult(1));
    const { done, notDone } = await wait([c, fast, blocked], { returnWhen: 'FIRST_COMPLETED' });
    expect(done).toEqual(new Set([fast]));
    expect(notDone).toEqual(new Set([c, blocked]));
  });

  it('FIRST_COMPLETED returns at once when some are already completed', async () => {
    const cn = cancelledAndNotified();
    const ok = succeeded(1);
    const blocked = running();
    const { done, notDone } = await wait([cn, ok, blocked], { returnWhen: 'FIRST_COMPLETED' });
    expect(done).toEqual(new Set([cn, ok]));
    expect(notDone).toEqual(new Set([blocked]));
  });

  it('FIRST_EXCEPTION: a success, then a failure, leaves the blocked one pending', async () => {
    const ok = running<number>();
    const raiser = running();
    const blocked = running();
    later(5, () => ok.setResult(1));
    later(20, () => raiser.setException(new Error('x')));
    const { done, notDone } = await wait([ok, raiser, blocked], { returnWhen: 'FIRST_EXCEPTION' });
    expect(done).toEqual(new Set([ok, raiser]));
    expect(notDone).toEqual(new Set([blocked]));
  });

  it('FIRST_EXCEPTION with finished mixed futures waits for the new failure', async () => {
    const ok = succeeded(1);
    const cn = cancelledAndNotified();
    const plainCancelled = cancelled();
    const failing = running();
    const blocked = running();
    later(10, () => failing.setException(new Error('x')));
    const { done, notDone } = await wait([ok, cn, plainCancelled, failing, blocked], {
      returnWhen: 'FIRST_EXCEPTION',
    });
    expect(done).toEqual(new Set([ok, cn, failing]));
    expect(notDone).toEqual(new Set([plainCancelled, blocked]));
  });

  it('FIRST_EXCEPTION returns at once on an already failed future', async () => {
    const bad = failed();
    const blocked = running();
    const { done, notDone } = await wait([bad, blocked], { returnWhen: 'FIRST_EXCEPTION' });
    expect(done).toEqual(new Set([bad]));
    expect(notDone).toEqual(new Set([blocked]));
  });

  it('FIRST_EXCEPTION without failures behaves as ALL_COMPLETED', async () => {
    const a = running<number>();
    const b = running<number>();
    later(5, () => a.setResult(1));
    later(15, () => b.setResult(2));
    const { done, notDone } = await wait([a, b], { returnWhen: 'FIRST_EXCEPTION' });
    expect(done).toEqual(new Set([a, b]));
    expect(notDone.size).toBe(0);
  });

  it('ALL_COMPLETED over finished and new futures (one failing)', async () => {
    const ok = succeeded(1);
    const bad = failed();
    const cn = cancelledAndNotified();
    const n1 = running<number>();
    const n2 = running();
    later(5, () => n1.setResult(3));
    later(10, () => n2.setException(new Error('late')));
    const { done, notDone } = await wait([ok, bad, cn, n1, n2]);
    expect(done).toEqual(new Set([ok, bad, cn, n1, n2]));
    expect(notDone.size).toBe(0);
  });

  it('counts a cancelled future once its executor notifies it', async () => {
    const c = cancelled();
    later(10, () => c.setRunningOrNotifyCancel());
    const { done } = await wait([c]);
    expect(done).toEqual(new Set([c]));
  });

  it('a timeout returns the partition and does not throw', async () => {
    const ok = succeeded(1);
    const blocked = running();
    const { done, notDone } = await wait([ok, blocked], { timeoutMs: 50 });
    expect(done).toEqual(new Set([ok]));
    expect(notDone).toEqual(new Set([blocked]));
    expect(blocked.cancelled()).toBe(false);
  });

  it('timeoutMs 0 polls', async () => {
    const p = pending();
    const { done, notDone } = await wait([p], { timeoutMs: 0, returnWhen: 'FIRST_COMPLETED' });
    expect(done.size).toBe(0);
    expect(notDone).toEqual(new Set([p]));
  });

  it('returns at once for an empty input', async () => {
    const { done, notDone } = await wait([]);
    expect(done.size + notDone.size).toBe(0);
  });

  it('waits on 100 futures completing in random order', async () => {
    const fs = Array.from({ length: 100 }, () => running<number>());
    fs.forEach((f, i) => {
      later(Math.floor(Math.random() * 20), () => f.setResult(i));
    });
    const { done, notDone } = await wait(fs);
    expect(done.size).toBe(100);
    expect(notDone.size).toBe(0);
  });

  it('rejects bad arguments with InvalidArgumentError', async () => {
    await expect(wait([pending()], { returnWhen: 'SOMETIMES' as never })).rejects.toThrow(
      /returnWhen must be 'FIRST_COMPLETED', 'FIRST_EXCEPTION' or 'ALL_COMPLETED', got 'SOMETIMES'/,
    );
    await expect(wait([1] as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(wait(null as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

describe('asCompleted', () => {
  it('yields every future without a timeout: finished ones first, then in completion order', async () => {
    const ok = succeeded(1);
    const cn = cancelledAndNotified();
    const bad = failed();
    const second = running<number>();
    const first = running<number>();
    later(25, () => second.setResult(2));
    later(5, () => first.setResult(1));
    const { items, error } = await collect(asCompleted([ok, cn, bad, second, first]));
    expect(error).toBeUndefined();
    expect(new Set(items.slice(0, 3))).toEqual(new Set([ok, cn, bad]));
    expect(items.slice(3)).toEqual([first, second]);
  });

  it('yields the Future objects themselves, not their values', async () => {
    const f = succeeded(7);
    const { items } = await collect(asCompleted([f]));
    expect(items[0]).toBe(f);
  });

  it.each([0, 100])(
    'timeoutMs %d: yields the completed futures, then throws TimeoutError',
    async (timeoutMs) => {
      const ok = succeeded(1);
      const cn = cancelledAndNotified();
      const blocked = running();
      const { items, error } = await collect(asCompleted([ok, cn, blocked], { timeoutMs }));
      expect(new Set(items)).toEqual(new Set([ok, cn]));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(blocked.cancelled()).toBe(false);
    },
  );

  it("says how many are unfinished: '2 (of 4) futures unfinished'", async () => {
    const { error } = await collect(
      asCompleted([succeeded(1), failed(), running(), pending()], { timeoutMs: 10 }),
    );
    expect((error as Error).message).toBe('2 (of 4) futures unfinished');
  });

  it('yields a future repeated in the input once (issue20367), from any iterable', async () => {
    const f = succeeded(1);
    function* three() {
      yield f;
      yield f;
      yield f;
    }
    const { items } = await collect(asCompleted(three()));
    expect(items).toEqual([f]);
  });

  it('counts the deadline from the call', async () => {
    const blocked = running();
    const iterable = asCompleted([blocked], { timeoutMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 40));
    const { error } = await collect(iterable);
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('is finished after the timeout error and after an early exit', async () => {
    const blocked = running();
    const iterator = asCompleted([blocked], { timeoutMs: 0 })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toBeInstanceOf(TimeoutError);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });

    const a = running<number>();
    const b = running<number>();
    const it2 = asCompleted([a, b])[Symbol.asyncIterator]();
    const pendingNext = it2.next();
    a.setResult(1);
    expect((await pendingNext).value).toBe(a);
    await it2.return?.();
    b.setResult(2);
    expect(await it2.next()).toEqual({ done: true, value: undefined });
  });

  it('serves concurrent next() calls one after another', async () => {
    const a = running<number>();
    const b = running<number>();
    const iterator = asCompleted([a, b])[Symbol.asyncIterator]();
    const n1 = iterator.next();
    const n2 = iterator.next();
    const n3 = iterator.next();
    b.setResult(2);
    a.setResult(1);
    expect((await n1).value).toBe(b);
    expect((await n2).value).toBe(a);
    expect((await n3).done).toBe(true);
  });

  it('waits for a cancelled future until its executor notifies it', async () => {
    const c = cancelled();
    later(10, () => c.setRunningOrNotifyCancel());
    const { items } = await collect(asCompleted([c]));
    expect(items).toEqual([c]);
  });

  it('rejects bad arguments synchronously', () => {
    expect(() => asCompleted([new Future()], { timeoutMs: -5 })).toThrow(InvalidArgumentError);
    expect(() => asCompleted([{}] as never)).toThrow(/expected a Future/);
  });
});
