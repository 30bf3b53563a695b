/**
 * `pnpm bench:executor`: @weft/executor side by side with its baselines, in one process run.
 *
 * - WorkerThreadExecutor, trivial task, ~1 KB argument: sequential round trip with 5 propagated
 *   variables vs `propagateContext: false`; throughput (256 in flight) vs raw piscina `run` with
 *   the same payload and pool settings.
 * - AsyncExecutor: per-task cost with propagation vs without (and plain async calls, for scale).
 * - 100,000 submits with a changing context on each executor: heap after GC vs before.
 *
 * Cases are interleaved round by round and reported as medians, so drift on a noisy machine
 * stays out of the ratios.
 */
import { availableParallelism } from 'node:os';
import { ContextVar } from '@weft/contextvars';
import { AsyncExecutor, type Future, WorkerThreadExecutor } from '@weft/executor';
import { Piscina } from 'piscina';
import { echo, tasks } from './executor-tasks.js';
import { fmt, median, printTable } from './harness.js';

const THREADS = Math.min(2, availableParallelism());
const ROUND_TRIPS = 2_000;
const THROUGHPUT_TASKS = 10_000;
const IN_FLIGHT = 256;
const ASYNC_TASKS = 20_000;
const LEAK_SUBMITS = 100_000;
const ROUNDS = 7;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc (pnpm bench:executor does)');

/** ~1 KB of JSON made of small objects, like a row batch. */
const payload = Array.from({ length: 28 }, (_, i) => ({ id: i, name: `row-${i}`, ok: i % 2 === 0 }));
const payloadBytes = JSON.stringify(payload).length;

/** Five propagated variables with short values (a run id, trace ids, a tenant, a user). */
const vars = ['runId', 'traceId', 'spanId', 'tenant', 'user'].map(
  (name) => new ContextVar<string>(`bench.executor.${name}`, { propagate: true }),
);

function inFiveVars<R>(fn: () => R): R {
  const [a, b, c, d, e] = vars as [ContextVar<string>, ...ContextVar<string>[]];
  return a.run('run-2026-11-26T07:00:00Z-7f3a', () =>
    (b as ContextVar<string>).run('4bf92f3577b34da6a3ce929d0e0e4736', () =>
      (c as ContextVar<string>).run('00f067aa0ba902b7', () =>
        (d as ContextVar<string>).run('acme-analytics', () =>
          (e as ContextVar<string>).run('pipeline-bot', fn),
        ),
      ),
    ),
  );
}

type Case = { name: string; run: () => Promise<number> };

/** Runs each case once per round, interleaved; returns the median of each case's figures. */
async function interleave(cases: Case[], rounds = ROUNDS): Promise<Map<string, number>> {
  for (const c of cases) await c.run(); // warm up
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) samples.get(c.name)?.push(await c.run());
  }
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}

/** Microseconds per sequential round trip. */
async function sequential(n: number, once: () => PromiseLike<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await once();
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

/** Tasks per second with `window` tasks in flight. */
function throughput(n: number, window: number, once: () => PromiseLike<unknown>): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let started = 0;
    let finished = 0;
    const next = (): void => {
      if (started >= n) return;
      started++;
      once().then(() => {
        finished++;
        if (finished === n) resolve(n / (Number(process.hrtime.bigint() - start) / 1e9));
        else next();
      }, reject);
    };
    for (let i = 0; i < Math.min(window, n); i++) next();
  });
}

async function workerBenchmarks(): Promise<{ rtRatio: number; tpRatio: number; tpRatioOff: number }> {
  const withContext = new WorkerThreadExecutor({ maxWorkers: THREADS });
  const withoutContext = new WorkerThreadExecutor({ maxWorkers: THREADS, propagateContext: false });
  const raw = new Piscina({
    filename: new URL('./executor-tasks.js', import.meta.url).href,
    minThreads: THREADS,
    maxThreads: THREADS,
    idleTimeout: 60_000,
  });
  try {
    const ctx = () => inFiveVars(() => withContext.submit(tasks.echo, payload));
    const noCtx = () => inFiveVars(() => withoutContext.submit(tasks.echo, payload));
    const piscina = () => inFiveVars(() => raw.run(payload));
    // Sanity: the task really sees the context.
    const seen = await inFiveVars(() => withContext.submit(tasks.echo, payload));
    if (JSON.stringify(seen) !== JSON.stringify(echo(payload)))
      throw new Error('echo returned something else');

    const rt = await interleave([
      { name: 'WorkerThreadExecutor, 5 vars propagated', run: () => sequential(ROUND_TRIPS, ctx) },
      { name: 'WorkerThreadExecutor, propagateContext: false', run: () => sequential(ROUND_TRIPS, noCtx) },
      { name: 'raw piscina run', run: () => sequential(ROUND_TRIPS, piscina) },
    ]);
    const rtCtx = rt.get('WorkerThreadExecutor, 5 vars propagated') as number;
    const rtOff = rt.get('WorkerThreadExecutor, propagateContext: false') as number;
    console.log(
      `\nRound trip, one task at a time, ${payloadBytes} B argument, ${THREADS} threads (µs per task, median of ${ROUNDS})`,
    );
    printTable(
      ['case', 'µs/task', 'vs propagateContext: false'],
      [...rt].map(([name, us]) => [name, fmt(us), fmt(us / rtOff, 2)]),
    );

    const tp = await interleave([
      { name: 'raw piscina run', run: () => throughput(THROUGHPUT_TASKS, IN_FLIGHT, piscina) },
      {
        name: 'WorkerThreadExecutor, 5 vars propagated',
        run: () => throughput(THROUGHPUT_TASKS, IN_FLIGHT, ctx),
      },
      {
        name: 'WorkerThreadExecutor, propagateContext: false',
        run: () => throughput(THROUGHPUT_TASKS, IN_FLIGHT, noCtx),
      },
    ]);
    const tpRaw = tp.get('raw piscina run') as number;
    console.log(
      `\nThroughput, ${IN_FLIGHT} in flight, ${THROUGHPUT_TASKS} tasks per round (tasks/s, median of ${ROUNDS})`,
    );
    printTable(
      ['case', 'tasks/s', 'vs raw piscina'],
      [...tp].map(([name, rate]) => [name, fmt(rate, 0), fmt(rate / tpRaw, 2)]),
    );
    return {
      rtRatio: rtCtx / rtOff,
      tpRatio: (tp.get('WorkerThreadExecutor, 5 vars propagated') as number) / tpRaw,
      tpRatioOff: (tp.get('WorkerThreadExecutor, propagateContext: false') as number) / tpRaw,
    };
  } finally {
    await Promise.all([withContext.shutdown(), withoutContext.shutdown(), raw.close()]);
  }
}

async function asyncBenchmarks(): Promise<number> {
  const on = new AsyncExecutor({ maxWorkers: 64 });
  const off = new AsyncExecutor({ maxWorkers: 64, propagateContext: false });
  const task = async (x: number) => x + 1;
  const batch = (submit: (i: number) => PromiseLike<unknown>) => async () => {
    const start = process.hrtime.bigint();
    const pending: PromiseLike<unknown>[] = new Array(ASYNC_TASKS);
    for (let i = 0; i < ASYNC_TASKS; i++) pending[i] = submit(i);
    await Promise.all(pending);
    return Number(process.hrtime.bigint() - start) / ASYNC_TASKS;
  };
  const results = await interleave(
    [
      { name: 'AsyncExecutor, 5 vars propagated', run: () => inFiveVars(batch((i) => on.submit(task, i))) },
      {
        name: 'AsyncExecutor, propagateContext: false',
        run: () => inFiveVars(batch((i) => off.submit(task, i))),
      },
      { name: 'plain async call (no executor)', run: () => inFiveVars(batch((i) => task(i))) },
    ],
    ROUNDS * 2,
  );
  await Promise.all([on.shutdown(), off.shutdown()]);
  const offNs = results.get('AsyncExecutor, propagateContext: false') as number;
  console.log(
    `\nAsyncExecutor, ${ASYNC_TASKS} trivial tasks submitted at once (ns per task, median of ${ROUNDS * 2})`,
  );
  printTable(
    ['case', 'ns/task', 'vs propagateContext: false'],
    [...results].map(([name, ns]) => [name, fmt(ns, 0), fmt(ns / offNs, 2)]),
  );
  return (results.get('AsyncExecutor, 5 vars propagated') as number) / offNs;
}

function heapUsed(): number {
  (gc as () => void)();
  (gc as () => void)();
  return process.memoryUsage().heapUsed;
}

/** Heap after GC, before and after LEAK_SUBMITS submits each in a different context. */
async function leak(
  name: string,
  submit: (i: number) => Future<unknown>,
): Promise<{ name: string; before: number; after: number }> {
  const runBatch = async (from: number, to: number) => {
    const fs: Future<unknown>[] = [];
    for (let i = from; i < to; i++) fs.push((vars[0] as ContextVar<string>).run(`run-${i}`, () => submit(i)));
    await Promise.all(fs);
  };
  await runBatch(0, 2_000); // warm up: workers started, code optimised
  const before = heapUsed();
  for (let i = 0; i < LEAK_SUBMITS; i += 1_000) await runBatch(i, i + 1_000);
  const after = heapUsed();
  return { name, before, after };
}

async function leakBenchmarks(): Promise<Array<{ name: string; before: number; after: number }>> {
  const asyncEx = new AsyncExecutor({ maxWorkers: 16 });
  const workerEx = new WorkerThreadExecutor({ maxWorkers: THREADS });
  try {
    const results = [
      await inFiveVars(() => leak('AsyncExecutor', (i) => asyncEx.submit(async (x: number) => x, i))),
      await inFiveVars(() => leak('WorkerThreadExecutor', (i) => workerEx.submit(tasks.echo, i))),
    ];
    console.log(
      `\n${LEAK_SUBMITS.toLocaleString('en')} submits, each in a different context (heap after GC)`,
    );
    printTable(
      ['executor', 'before (MB)', 'after (MB)', 'after / before'],
      results.map((r) => [
        r.name,
        fmt(r.before / 2 ** 20, 2),
        fmt(r.after / 2 ** 20, 2),
        fmt(r.after / r.before, 3),
      ]),
    );
    return results;
  } finally {
    await Promise.all([asyncEx.shutdown(), workerEx.shutdown()]);
  }
}

const worker = await workerBenchmarks();
const asyncRatio = await asyncBenchmarks();
const leaks = await leakBenchmarks();

const verdict = (ok: boolean) => (ok ? 'ok' : 'OVER BUDGET');
const rows: string[][] = [
  [
    'worker round trip, 5 vars / propagateContext: false',
    fmt(worker.rtRatio, 3),
    '<= 1.15',
    verdict(worker.rtRatio <= 1.15),
  ],
  [
    'worker throughput, 5 vars / raw piscina',
    fmt(worker.tpRatio, 3),
    '>= 0.85',
    verdict(worker.tpRatio >= 0.85),
  ],
  ['worker throughput, propagateContext: false / raw piscina', fmt(worker.tpRatioOff, 3), '(info)', ''],
  [
    'AsyncExecutor per task, 5 vars / propagateContext: false',
    fmt(asyncRatio, 3),
    '<= 1.10',
    verdict(asyncRatio <= 1.1),
  ],
  ...leaks.map((r) => [
    `${r.name} heap after ${LEAK_SUBMITS.toLocaleString('en')} submits / before`,
    fmt(r.after / r.before, 3),
    '<= 1.20',
    verdict(r.after / r.before <= 1.2),
  ]),
];
console.log('\nBudgets');
printTable(['budget', 'measured', 'limit', 'verdict'], rows);
