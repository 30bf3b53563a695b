/**
 * Child process of `bench:executor`'s head-to-head throughput measurement: one contender (our
 * WorkerThreadExecutor with 5 propagated variables, the same without propagation, raw piscina, or
 * raw piscina running our worker trampoline with the messages WorkerThreadExecutor would send,
 * which splits our cost between the worker side and the main thread), the same payload and
 * thread count. It warms up, says `ready`, and on `go` keeps
 * `inFlight` tasks running for `durationMs`, then reports how many finished and the CPU time of
 * its threads. Two contenders run at once, so whatever else loads the machine loads both alike.
 */
import { availableParallelism } from 'node:os';
import { injectContext } from '@weft/contextvars';
import { WorkerThreadExecutor } from '@weft/executor';
import { Piscina } from 'piscina';
import { tasks } from './executor-tasks.js';
import { inFiveVars } from './executor-vars.js';
import { threadCpu } from './harness.js';

/** Who runs the tasks. */
export type Contender = 'weft' | 'weft-no-context' | 'piscina' | 'piscina-trampoline';
/** One context for all submits, or the five variables bound afresh for each. */
export type Family = 'shared' | 'fresh';

/** What a contender reports after a round. */
export interface ContenderResult {
  tasks: number;
  seconds: number;
  mainCpuUs: number;
  otherCpuUs: number;
}

const [contender, family, threadsArg, inFlightArg] = process.argv.slice(2) as [
  Contender,
  Family,
  string,
  string,
];
const threads = Number(threadsArg) || Math.min(2, availableParallelism());
const inFlight = Number(inFlightArg) || 256;
/** ~1 KB of JSON made of small objects, like a row batch (as in the other worker cases). */
const payload = Array.from({ length: 28 }, (_, i) => ({ id: i, name: `row-${i}`, ok: i % 2 === 0 }));

const raw = contender === 'piscina' || contender === 'piscina-trampoline';
const executor = raw
  ? undefined
  : new WorkerThreadExecutor({ maxWorkers: threads, propagateContext: contender === 'weft' });
/** WorkerThreadExecutor's worker module (internal: the bench only borrows it). */
const trampoline = new URL('./worker-trampoline.js', import.meta.resolve('@weft/executor')).href;
const pool = raw
  ? new Piscina({
      filename: contender === 'piscina' ? new URL('./executor-tasks.js', import.meta.url).href : trampoline,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
    })
  : undefined;

// The trampoline's message for tasks.echo, with the context text WorkerThreadExecutor sends
// for the five variables (it sends the same cached text while the fields stay the same).
const ctx = inFiveVars(() => JSON.stringify(injectContext()));
let nextId = 0;
const submit = (): PromiseLike<unknown> =>
  contender === 'piscina-trampoline'
    ? (pool as Piscina).run([nextId++, tasks.echo.moduleUrl, tasks.echo.exportName, ctx, undefined, payload])
    : pool !== undefined
      ? pool.run(payload)
      : (executor as WorkerThreadExecutor).submit(tasks.echo, payload);
const once: () => PromiseLike<unknown> = family === 'fresh' ? () => inFiveVars(submit) : submit;

/** Keeps `inFlight` tasks running until `deadline` (ms, performance.now()); counts those done by then. */
function race(deadline: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let done = 0;
    let running = 0;
    const next = (): void => {
      running++;
      once().then(() => {
        running--;
        if (performance.now() <= deadline) {
          done++;
          next();
        } else if (running === 0) {
          resolve(done);
        }
      }, reject);
    };
    for (let i = 0; i < inFlight; i++) next();
  });
}

async function round(durationMs: number): Promise<ContenderResult> {
  const before = threadCpu();
  const start = performance.now();
  const finished = await race(start + durationMs);
  const seconds = (performance.now() - start) / 1000;
  const after = threadCpu();
  return {
    tasks: finished,
    seconds,
    mainCpuUs: before && after ? (after.main - before.main) / 1000 : Number.NaN,
    otherCpuUs: before && after ? (after.others - before.others) / 1000 : Number.NaN,
  };
}

const run = (fn: () => Promise<ContenderResult>) => (family === 'shared' ? inFiveVars(fn) : fn());

if (contender === 'piscina-trampoline') {
  // Sanity: the trampoline answers the task's result, and the task sees the five variables.
  const { moduleUrl, exportName } = tasks.contextSize;
  const seen = await (pool as Piscina).run([nextId++, moduleUrl, exportName, ctx, undefined]);
  if (seen !== 5) throw new Error(`the trampoline answered ${JSON.stringify(seen)}, not 5 variables`);
}

// Warm up: workers started, code optimised, then wait for the parent.
await run(() => round(1500));
process.send?.({ type: 'ready' });
process.on('message', (message: { type: string; durationMs?: number }) => {
  if (message.type === 'go') {
    run(() => round(message.durationMs ?? 2000)).then(
      (result) => process.send?.({ type: 'result', result }),
      (error: unknown) => process.send?.({ type: 'error', message: String(error) }),
    );
  } else if (message.type === 'stop') {
    Promise.all([executor?.shutdown(), pool?.close()]).then(() => process.exit(0));
  }
});
