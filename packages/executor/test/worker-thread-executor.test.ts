import { setTimeout as sleep } from 'node:timers/promises';
import { resetGlobalPropagator } from '@weft/contextvars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrokenExecutorError,
  CancelledError,
  ExecutorShutdownError,
  type Future,
  InvalidArgumentError,
  move,
  TaskArgumentsError,
  TaskContextError,
  type TaskRef,
  TaskReferenceError,
  TaskResultError,
  taskRef,
  WorkerThreadExecutor,
  wait,
} from '../src/index.js';
import {
  constructorNamed,
  counter,
  deadline,
  handle,
  local,
  protoNamed,
  requestId,
  tenant,
} from './fixtures/context-vars.js';
import { tasks } from './fixtures/tasks.js';

const fixtures = new URL('./fixtures/tasks.ts', import.meta.url);

/** Worker threads start through tsx here: generous bounds for a loaded CI machine (never a speed test). */
const WORKER_TIMEOUT_MS = 30_000;

describe('WorkerThreadExecutor', { timeout: WORKER_TIMEOUT_MS }, () => {
  let ex: WorkerThreadExecutor;
  beforeAll(() => {
    ex = new WorkerThreadExecutor({ maxWorkers: 2 });
  });
  afterAll(async () => {
    await ex.shutdown();
  });

  describe('submit', () => {
    it('runs a named export in a worker thread and gives its result', async () => {
      expect(await ex.submit(tasks.add, 2, 3)).toBe(5);
      const snap = await ex.submit(tasks.snapshot, 0);
      expect(snap.threadId).not.toBe(0);
    });

    it('copies arguments and results by structured clone', async () => {
      const value = { when: new Date(0), tags: new Set(['a']), big: 10n, nested: { list: [1, 2] } };
      const back = await ex.submit(tasks.echo, value);
      expect(back).toEqual(value);
      expect(back).not.toBe(value);
    });

    it('never runs more than maxWorkers tasks at once', async () => {
      // Both threads up first: on a loaded machine one thread can take longer to start than the
      // other takes to run all ten tasks, and the peak below would then be 1 for want of a thread.
      const arrivals = new Int32Array(new SharedArrayBuffer(4));
      const met = await Promise.all([1, 2].map(() => ex.submit(tasks.rendezvous, arrivals, 2, 20_000)));
      expect(met).toEqual([2, 2]);
      const fs = Array.from({ length: 10 }, () => ex.submit(tasks.interval, 30));
      await sleep(5);
      // Running = handed to the pool: maxWorkers on threads plus at most maxWorkers waiting there.
      expect(ex.running).toBeLessThanOrEqual(4);
      expect(fs.filter((f) => f.running()).length).toBeLessThanOrEqual(4);
      const spans = await Promise.all(fs);
      const edges = spans.flatMap((s) => [
        [s.start, 1],
        [s.end, -1],
      ]);
      edges.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
      let now = 0;
      let peak = 0;
      for (const [, delta] of edges) {
        now += delta as number;
        peak = Math.max(peak, now);
      }
      expect(peak).toBe(2);
      expect(new Set(spans.map((s) => s.threadId)).size).toBe(2);
    });

    it('yields map results in input order', async () => {
      const out: number[] = [];
      for await (const r of ex.map(tasks.echo, [5, 4, 3, 2, 1])) out.push(r as number);
      expect(out).toEqual([5, 4, 3, 2, 1]);
    });
  });

  describe('context', () => {
    it('sends the submitter context, captured at submit time', async () => {
      const f = requestId.run('r-1', () => tenant.run('t-1', () => ex.submit(tasks.snapshot, 0)));
      expect(await f).toMatchObject({ requestId: 'r-1', tenant: 't-1', counter: 0 });
    });

    it('carries only propagatable variables, decoding them with their codec', async () => {
      const when = new Date('2030-01-02T03:04:05.000Z');
      const snap = await local.run('stays home', () =>
        deadline.run(when, () => ex.submit(tasks.snapshot, 0)),
      );
      expect(snap.local).toBeUndefined();
      expect(snap.deadline).toBe(when.toISOString());
    });

    it('carries variables named __proto__ and constructor like any other name', async () => {
      const seen = await protoNamed.run({ n: 1 }, () =>
        constructorNamed.run('built', () => ex.submit(tasks.readPrototypeNamed)),
      );
      expect(seen).toEqual([{ n: 1 }, 'built']);
    });

    it('never shows a stale value when many submits with different values interleave on few workers', async () => {
      const fs: Array<Future<Awaited<ReturnType<typeof import('./fixtures/tasks.js').snapshot>>>> = [];
      const expected: string[] = [];
      for (let i = 0; i < 120; i++) {
        const value = `req-${i}`;
        expected.push(value);
        fs.push(requestId.run(value, () => ex.submit(tasks.snapshot, i % 3)));
      }
      const seen = (await Promise.all(fs)).map((s) => s.requestId);
      expect(seen).toEqual(expected);
      // 120 tasks ran on at most 2 threads.
      expect(new Set((await Promise.all(fs)).map((s) => s.threadId)).size).toBeLessThanOrEqual(2);
    });

    it("keeps a task's set() calls in the task: invisible to the submitter and to the next task", async () => {
      const single = new WorkerThreadExecutor({ maxWorkers: 1 });
      try {
        await requestId.run('submitter', async () => {
          const before = await single.submit(tasks.overwrite, 'changed-in-worker');
          expect(before).toBe('submitter');
          expect(requestId.get()).toBe('submitter');
          expect(counter.get()).toBe(0);
          const next = await single.submit(tasks.snapshot, 0);
          expect(next).toMatchObject({ requestId: 'submitter', counter: 0 });
        });
        // Without context, the task's set() lands in the worker's root context; the next
        // context-less task on that worker must still see an empty context.
        await single.submitWith({ propagateContext: false }, tasks.overwrite, 'root-binding');
        const after = await single.submitWith({ propagateContext: false }, tasks.snapshot, 0);
        expect(after).toMatchObject({ requestId: undefined, counter: 0, size: 0 });
      } finally {
        await single.shutdown();
      }
    });

    it('propagateContext: false sends nothing, per executor and per submit', async () => {
      const off = new WorkerThreadExecutor({ maxWorkers: 1, propagateContext: false });
      try {
        await requestId.run('r', async () => {
          expect(await off.submit(tasks.snapshot, 0)).toMatchObject({ requestId: undefined, size: 0 });
          expect(await ex.submitWith({ propagateContext: false }, tasks.snapshot, 0)).toMatchObject({
            requestId: undefined,
            size: 0,
          });
          expect(await off.submitWith({ propagateContext: true }, tasks.snapshot, 0)).toMatchObject({
            requestId: 'r',
          });
        });
      } finally {
        await off.shutdown();
      }
    });

    it('honours contextFilter allow/deny, by name or variable, per executor and per submit', async () => {
      const allowTenant = new WorkerThreadExecutor({
        maxWorkers: 1,
        contextFilter: { allow: ['executor-test.tenant'] },
      });
      try {
        await requestId.run('r', () =>
          tenant.run('t', async () => {
            expect(await allowTenant.submit(tasks.snapshot, 0)).toMatchObject({
              requestId: undefined,
              tenant: 't',
            });
            expect(
              await ex.submitWith({ contextFilter: { deny: [tenant] } }, tasks.snapshot, 0),
            ).toMatchObject({
              requestId: 'r',
              tenant: undefined,
            });
            expect(
              await allowTenant.submitWith({ contextFilter: { allow: [requestId] } }, tasks.snapshot, 0),
            ).toMatchObject({ requestId: 'r', tenant: undefined });
          }),
        );
      } finally {
        await allowTenant.shutdown();
      }
    });

    it("imports the propagator's set-up module once in each worker thread, before its first task", async () => {
      await import('./fixtures/propagation-setup.js');
      try {
        await using fresh = new WorkerThreadExecutor({ maxWorkers: 2 });
        const counts = await Promise.all(Array.from({ length: 24 }, () => fresh.submit(tasks.setupImports)));
        expect(counts).toEqual(Array.from({ length: 24 }, () => 1));
      } finally {
        resetGlobalPropagator();
      }
    });

    it('fails the submit (not the executor) when a value cannot be encoded, naming the variable', async () => {
      const f = handle.run(
        () => 1,
        () => ex.submit(tasks.add, 1, 1),
      );
      const error = await f.exception();
      expect(error).toBeInstanceOf(TaskContextError);
      expect((error as TaskContextError).code).toBe('ERR_TASK_CONTEXT');
      expect((error as Error).message).toMatch(
        /^cannot send the context of task 'tasks\.ts#add' to a worker thread: cannot serialize context variable 'executor-test\.handle'/,
      );
      expect(((error as Error).cause as { varName?: string }).varName).toBe('executor-test.handle');
      // The filter can leave it out, and the executor is still healthy.
      const filtered = handle.run(
        () => 1,
        () => ex.submitWith({ contextFilter: { deny: [handle] } }, tasks.add, 1, 1),
      );
      expect(await filtered).toBe(2);
      expect(await ex.submit(tasks.add, 2, 2)).toBe(4);
    });
  });

  describe('errors', () => {
    it('rebuilds errors with name, message, stack, code, cause and own properties', async () => {
      const error = (await ex.submit(tasks.fail, 'node failed').exception()) as Error & {
        code: string;
        details: unknown;
      };
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('PipelineError');
      expect(error.message).toBe('node failed');
      expect(error.code).toBe('E_PIPELINE');
      expect(error.details).toEqual({ node: 'n1', attempt: 2 });
      expect(error.stack).toMatch(/PipelineError: node failed/);
      expect(error.stack).toContain('fixtures/tasks.ts');
      const middle = error.cause as Error;
      expect(middle).toBeInstanceOf(TypeError);
      expect(middle.message).toBe('middle');
      expect(middle.cause).toBeInstanceOf(RangeError);
      expect((middle.cause as Error).message).toBe('root cause');
    });

    it('rebuilds the rejection of an async task', async () => {
      const error = (await ex.submit(tasks.failLater, 'later').exception()) as SyntaxError & { code: string };
      expect(error).toBeInstanceOf(SyntaxError);
      expect(error.message).toBe('later');
      expect(error.code).toBe('E_LATER');
    });

    it('delivers data shaped like a failure answer as data: a returned one is the result, a thrown one the error', async () => {
      await expect(ex.submit(tasks.returnFailureShaped)).resolves.toEqual({
        '@weft/executor:task-failed': 'task',
        error: { kind: 'value', value: 'not an error' },
      });
      const error = await ex.submit(tasks.throwFailureShaped).exception();
      expect(error).toEqual({ '@weft/executor:task-failed': 'reference', error: null });
      expect(TaskReferenceError.is(error)).toBe(false);
    });

    it('passes thrown non-Error values through', async () => {
      expect(await ex.submit(tasks.throwValue, 'a string').exception()).toBe('a string');
      expect(await ex.submit(tasks.throwValue, { status: 7 }).exception()).toEqual({ status: 7 });
    });

    it('rebuilds this package’s own errors as their classes', async () => {
      const error = await ex.submit(tasks.throwCancelled, 'inner').exception();
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).code).toBe('ERR_FUTURE_CANCELLED');
      expect((error as CancelledError).message).toBe('inner');
    });

    it('an error named after an Object.prototype member, with such props, fails only its task; the slot is freed and shutdown resolves', async () => {
      const single = new WorkerThreadExecutor({ maxWorkers: 1 });
      try {
        for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
          const error = (await single
            .submit(tasks.throwHostile, name)
            .exception({ timeoutMs: 10_000 })) as Error & Record<string, unknown>;
          expect(Object.getPrototypeOf(error)).toBe(Error.prototype);
          expect(error.name).toBe(name);
          expect(error.message).toBe(`named ${name}`);
          expect(Object.getOwnPropertyDescriptor(error, '__proto__')?.value).toEqual({ polluted: true });
          expect(Object.getOwnPropertyDescriptor(error, 'constructor')?.value).toBe('not a constructor');
          expect((error.cause as Error).name).toBe('hasOwnProperty');
          expect(error.polluted).toBeUndefined();
        }
        expect(single.running).toBe(0);
        expect(await single.submit(tasks.add, 1, 2)).toBe(3);
      } finally {
        await expect(Promise.race([single.shutdown().then(() => 'closed'), sleep(10_000)])).resolves.toBe(
          'closed',
        );
      }
    });

    it('a task calling process.exit fails with BrokenExecutorError naming it; the executor keeps serving', async () => {
      const fresh = new WorkerThreadExecutor({ maxWorkers: 1 });
      try {
        const error = await fresh.submit(tasks.exit, 3).exception();
        expect(error).toBeInstanceOf(BrokenExecutorError);
        expect((error as Error).message).toBe(
          "task 'tasks.ts#exit': its worker thread exited with code 3 while running it",
        );
        expect(await fresh.submit(tasks.add, 1, 2)).toBe(3);
        const again = await fresh.submit(tasks.exit, 0).exception();
        expect(again).toBeInstanceOf(BrokenExecutorError);
        expect(await fresh.submit(tasks.add, 2, 2)).toBe(4);
      } finally {
        await fresh.shutdown();
      }
    });

    it("an uncaught error from a task's own timer, while the task runs, fails that task with it; the executor keeps serving", async () => {
      const error = await ex.submit(tasks.crash).exception({ timeoutMs: 10_000 });
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe('crash in a timer');
      expect(await ex.submit(tasks.add, 1, 1)).toBe(2);
    });

    it('a result that cannot be cloned fails the task with TaskResultError naming it; the slot is freed', async () => {
      const single = new WorkerThreadExecutor({ maxWorkers: 1 });
      try {
        for (let i = 0; i < 3; i++) {
          const error = await single.submit(tasks.returnFunction).exception({ timeoutMs: 10_000 });
          expect(error).toBeInstanceOf(TaskResultError);
          expect((error as TaskResultError).code).toBe('ERR_TASK_RESULT');
          expect((error as Error).message).toMatch(
            /^task 'tasks\.ts#returnFunction': its result cannot be sent back from the worker thread: .*could not be cloned/,
          );
          expect(await single.submit(tasks.add, 1, i)).toBe(1 + i);
        }
      } finally {
        await expect(Promise.race([single.shutdown().then(() => 'closed'), sleep(10_000)])).resolves.toBe(
          'closed',
        );
      }
    });

    it('arguments that cannot be cloned fail the task with TaskArgumentsError; the executor stays healthy', async () => {
      const error = await ex.submit(tasks.echo, () => 1).exception();
      expect(error).toBeInstanceOf(TaskArgumentsError);
      expect((error as Error).message).toMatch(
        /^task 'tasks\.ts#echo': its arguments cannot be sent to a worker thread: .*could not be cloned/,
      );
      expect(await ex.submit(tasks.add, 1, 1)).toBe(2);
    });

    it('uncloneable arguments of a task handed ahead to the pool fail only that task', async () => {
      const single = new WorkerThreadExecutor({ maxWorkers: 1 });
      try {
        const a = single.submit(tasks.slow, 50, 1);
        const b = single.submit(tasks.slow, 50, 2);
        const c = single.submit(tasks.echo, () => 1);
        const d = single.submit(tasks.slow, 10, 4);
        expect(await a).toBe(1);
        expect(await b).toBe(2);
        expect(await c.exception({ timeoutMs: 5000 })).toBeInstanceOf(TaskArgumentsError);
        expect(await d.result({ timeoutMs: 5000 })).toBe(4);
      } finally {
        await single.shutdown();
      }
    });

    it('a reference to a missing export, a non-function or a missing module fails with TaskReferenceError', async () => {
      const missing = await ex.submit(taskRef(fixtures, 'nope')).exception();
      expect(missing).toBeInstanceOf(TaskReferenceError);
      expect((missing as Error).message).toMatch(
        new RegExp(
          `^task 'tasks\\.ts#nope' cannot be run: module ${fixtures.href} has no export 'nope' \\(its exported functions: .*echo`,
        ),
      );
      const notFn = await ex.submit(taskRef(fixtures, 'notAFunction')).exception();
      expect((notFn as Error).message).toBe(
        `task 'tasks.ts#notAFunction' cannot be run: export 'notAFunction' of module ${fixtures.href} is not a function (it is number)`,
      );
      const noModule = new URL('./fixtures/does-not-exist.ts', import.meta.url);
      const gone = await ex.submit(taskRef(noModule, 'x')).exception();
      expect(gone).toBeInstanceOf(TaskReferenceError);
      expect((gone as Error).message).toContain(`cannot import module ${noModule.href} for its export 'x'`);
      expect(await ex.submit(tasks.add, 1, 1)).toBe(2);
    });

    it('rejects anything but a TaskRef synchronously', () => {
      expect(() => ex.submit((() => 1) as unknown as TaskRef<[], number>)).toThrow(InvalidArgumentError);
      expect(() => ex.submit((() => 1) as unknown as TaskRef<[], number>)).toThrow(
        /functions cannot cross threads/,
      );
    });
  });

  describe('transferables', () => {
    it('transfers move()d arguments and results instead of copying them', async () => {
      const bytes = new Uint8Array(1024);
      const back = await ex.submit(tasks.fill, move(bytes), 7);
      expect(bytes.byteLength).toBe(0);
      expect(back.byteLength).toBe(1024);
      expect(back.every((b) => b === 7)).toBe(true);
    });

    it('transfers what transferList names', async () => {
      const bytes = new Uint8Array(16);
      const back = await ex.submitWith({ transferList: [bytes.buffer] }, tasks.fill, bytes, 1);
      expect(bytes.byteLength).toBe(0);
      expect([...back]).toEqual(new Array(16).fill(1));
    });
  });

  describe('abort signal', () => {
    it('fails a running task with the reason and terminates its worker; the executor keeps serving', async () => {
      const controller = new AbortController();
      const f = ex.submitWith({ signal: controller.signal }, tasks.slow, 10_000, 'never');
      await sleep(50);
      expect(f.running()).toBe(true);
      controller.abort(new Error('stop it'));
      await expect(f.result({ timeoutMs: 5000 })).rejects.toThrow('stop it');
      expect(await ex.submit(tasks.add, 1, 1)).toBe(2);
    });
  });
});

describe('WorkerThreadExecutor: shutdown', { timeout: WORKER_TIMEOUT_MS }, () => {
  it('waits for running and queued tasks', async () => {
    const ex = new WorkerThreadExecutor({ maxWorkers: 2 });
    const fs = Array.from({ length: 10 }, (_, i) => ex.submit(tasks.slow, 5, i));
    await ex.shutdown();
    expect(fs.every((f) => f.done() && !f.cancelled())).toBe(true);
    expect(ex.threads).toBe(0);
    expect(() => ex.submit(tasks.add, 1, 1)).toThrow(ExecutorShutdownError);
    await ex.shutdown();
  });

  it('cancelFutures cancels the queued tasks and finishes the running ones', async () => {
    const ex = new WorkerThreadExecutor({ maxWorkers: 2 });
    const fs = Array.from({ length: 12 }, (_, i) => ex.submit(tasks.slow, 30, i));
    await sleep(5);
    await ex.shutdown({ cancelFutures: true });
    const cancelledCount = fs.filter((f) => f.cancelled()).length;
    expect(cancelledCount).toBeGreaterThanOrEqual(8);
    expect(cancelledCount).toBeLessThan(12);
    const { notDone } = await wait(fs, { timeoutMs: 1000 });
    expect(notDone.size).toBe(0);
    for (const f of fs.filter((x) => !x.cancelled())) expect(await f.exception()).toBeUndefined();
  });

  it('await using shuts down; an executor never used starts no thread', async () => {
    let threads = -1;
    {
      await using ex = new WorkerThreadExecutor();
      threads = ex.threads;
    }
    expect(threads).toBe(0);
  });
});

describe('WorkerThreadExecutor: workers that cannot start', { timeout: WORKER_TIMEOUT_MS }, () => {
  it('fails the task and every later submit with BrokenExecutorError; nothing hangs', async () => {
    const ex = new WorkerThreadExecutor({
      maxWorkers: 1,
      execArgv: ['--import', '/nonexistent/preload.mjs'],
    });
    const f = ex.submit(tasks.add, 1, 2);
    const queued = ex.submit(tasks.add, 3, 4);
    const error = await f.exception({ timeoutMs: 10_000 });
    expect(error).toBeInstanceOf(BrokenExecutorError);
    expect((error as Error).message).toMatch(
      /^task 'tasks\.ts#add' cannot run: WorkerThreadExecutor: cannot start worker threads: .*nonexistent/,
    );
    expect(await queued.exception({ timeoutMs: 10_000 })).toBeInstanceOf(BrokenExecutorError);
    expect(() => ex.submit(tasks.add, 1, 1)).toThrow(BrokenExecutorError);
    await ex.shutdown();
  });
});
