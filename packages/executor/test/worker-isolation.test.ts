/**
 * What one worker task does never reaches another (issue 10, faults 2 and 3): each task gets its
 * own decoded context values, and work a task leaves behind is reported naming that task instead
 * of failing the next one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Future, TaskLeftoverError, WorkerThreadExecutor } from '../src/index.js';
import { basket, deadline, requestId } from './fixtures/context-vars.js';
import { tasks } from './fixtures/tasks.js';

const WORKER_TIMEOUT_MS = 30_000;

describe('WorkerThreadExecutor: each task gets its own decoded context values', {
  timeout: WORKER_TIMEOUT_MS,
}, () => {
  let single: WorkerThreadExecutor;
  beforeAll(() => {
    single = new WorkerThreadExecutor({ maxWorkers: 1 });
  });
  afterAll(async () => {
    await single.shutdown();
  });

  it('a task mutating an object in a propagated variable changes nothing that the next 200 tasks see', async () => {
    const fs = basket.run({ items: ['from the submitter'] }, () =>
      Array.from({ length: 200 }, (_, i) => single.submit(tasks.mutateContext, `task-${i}`)),
    );
    const seen = await Promise.all(fs);
    const changed = seen.filter((s) => s.items.length !== 1 || s.items[0] !== 'from the submitter');
    expect(changed).toEqual([]);
  });

  it('so does a task mutating a value that a codec decoded (a Date)', async () => {
    const when = new Date('2030-01-02T03:04:05.000Z');
    const fs = deadline.run(when, () =>
      Array.from({ length: 50 }, () => single.submit(tasks.mutateContext, 'x')),
    );
    const seen = await Promise.all(fs);
    expect(new Set(seen.map((s) => s.deadline))).toEqual(new Set([when.toISOString()]));
  });

  it('tasks with only primitive values still see them, also interleaved with object values', async () => {
    const fs: Array<Future<unknown>> = [];
    for (let i = 0; i < 40; i++) {
      fs.push(requestId.run(`r-${i % 2}`, () => single.submit(tasks.snapshot, 0)));
      fs.push(basket.run({ items: [`b-${i}`] }, () => single.submit(tasks.mutateContext, 'y')));
    }
    const seen = (await Promise.all(fs)) as Array<{ requestId?: string; items?: string[] }>;
    seen.forEach((s, i) => {
      if (i % 2 === 0) expect(s.requestId).toBe(`r-${(i / 2) % 2}`);
      else expect(s.items).toEqual([`b-${(i - 1) / 2}`]);
    });
  });
});

describe('WorkerThreadExecutor: work a task leaves behind blames that task only', {
  timeout: WORKER_TIMEOUT_MS,
}, () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  beforeAll(() => {
    process.on('warning', onWarning);
  });
  afterAll(() => {
    process.off('warning', onWarning);
  });
  afterEach(() => {
    warnings.length = 0;
  });

  async function leftoverWarning(): Promise<TaskLeftoverError> {
    for (let waited = 0; waited < 10_000; waited += 20) {
      const found = warnings.find((w) => w instanceof TaskLeftoverError);
      if (found !== undefined) return found as TaskLeftoverError;
      await sleep(20);
    }
    throw new Error(`no TaskLeftoverError warning; warnings: ${warnings.map(String).join('; ') || 'none'}`);
  }

  /** What a task leaves behind: its name, the export that leaves it, its argument, what the warning says. */
  const leaks: Array<
    [string, 'leaveThrowingTimer' | 'leaveRejection' | 'leaveTimerAfterAwait', number, RegExp]
  > = [
    ['a throwing timer', 'leaveThrowingTimer', 1, /an uncaught exception.*thrown by a timer left behind/],
    [
      'an unhandled rejection',
      'leaveRejection',
      0,
      /an unhandled rejection.*RangeError: rejection left behind/,
    ],
    ['a rejection in a timer', 'leaveRejection', 5, /an unhandled rejection.*rejection left behind/],
    ['a timer set after an await', 'leaveTimerAfterAwait', 1, /timer set after an await/],
  ];

  for (const propagated of [false, true]) {
    const label = propagated ? 'with a propagated context' : 'without any context';
    describe(label, () => {
      let ex: WorkerThreadExecutor;
      beforeAll(() => {
        ex = new WorkerThreadExecutor({ maxWorkers: 1 });
      });
      afterAll(async () => {
        await ex.shutdown();
      });
      const within = <T>(fn: () => T): T => (propagated ? requestId.run('r-leak', fn) : fn());

      it.each(leaks)(
        '%s: the next task (async) runs normally, and a warning names the task that left it',
        async (_what, exportName, arg, reason) => {
          expect(await within(() => ex.submit(tasks[exportName], arg))).toBe('returned');
          await sleep(20);
          // The next task awaits a timer, so the worker's event loop runs the leftover during it.
          expect(await within(() => ex.submit(tasks.slow, 30, 'next'))).toBe('next');
          expect(await ex.submit(tasks.add, 2, 3)).toBe(5);
          const warning = await leftoverWarning();
          expect(warning.code).toBe('ERR_TASK_LEFTOVER');
          expect(warning.taskName).toBe(`tasks.ts#${exportName}`);
          expect(warning.message).toMatch(
            new RegExp(
              `^WorkerThreadExecutor: task 'tasks\\.ts#${exportName}' left work behind that threw after the task had finished`,
            ),
          );
          expect(warning.message).toMatch(reason);
          expect(warning.cause).toBeInstanceOf(Error);
        },
      );

      it('a leftover that fires while a later, long task runs is blamed on the task that left it', async () => {
        expect(await within(() => ex.submit(tasks.leaveThrowingTimer, 60))).toBe('returned');
        expect(await within(() => ex.submit(tasks.slow, 300, 'long'))).toBe('long');
        const warning = await leftoverWarning();
        expect(warning.taskName).toBe('tasks.ts#leaveThrowingTimer');
      });
    });
  }
});
