/**
 * `pnpm bench:contextvars`: @weft/contextvars against a raw AsyncLocalStorage (the budgets are
 * ratios to it) and against CPython's contextvars, side by side in one run.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Context, ContextVar, copyContext } from '@weft/contextvars';
import {
  alsImplementation,
  consume,
  fmt,
  machineLoad,
  measure,
  median,
  printTable,
  runPerNodeLine,
} from './harness.js';

const N = 2_000_000;

function contextWith(count: number): { ctx: Context; vars: ContextVar<number>[] } {
  const vars = Array.from({ length: count }, (_, i) => new ContextVar<number>(`bench.v${count}.${i}`));
  const ctx = new Context();
  ctx.run(() => {
    for (const [i, v] of vars.entries()) v.set(i);
  });
  return { ctx, vars };
}

function syncCases(): Map<string, number> {
  const raw = new AsyncLocalStorage<object>();
  const store = { raw: true };
  const noop = () => undefined;
  const one = contextWith(1);
  const many = contextWith(10_000);
  const target1 = one.vars[0] as ContextVar<number>;
  const target10k = many.vars[5000] as ContextVar<number>;
  const inRaw = (fn: (n: number) => void) => (n: number) => raw.run(store, fn, n);
  const inCtx = (ctx: Context, fn: (n: number) => void) => (n: number) => ctx.copy().run(fn, n);
  return measure(
    [
      {
        name: 'als.getStore()',
        run: inRaw((n) => {
          for (let i = 0; i < n; i++) consume(raw.getStore());
        }),
      },
      {
        name: 'var.get()',
        run: inCtx(one.ctx, (n) => {
          for (let i = 0; i < n; i++) consume(target1.get());
        }),
      },
      {
        name: 'var.get() (10,000 bound)',
        run: inCtx(many.ctx, (n) => {
          for (let i = 0; i < n; i++) consume(target10k.get());
        }),
      },
      {
        name: 'copyContext() (1 bound)',
        run: inCtx(one.ctx, (n) => {
          for (let i = 0; i < n; i++) consume(copyContext());
        }),
      },
      {
        name: 'copyContext() (10,000 bound)',
        run: inCtx(many.ctx, (n) => {
          for (let i = 0; i < n; i++) consume(copyContext());
        }),
      },
      {
        name: 'als.run(store, noop)',
        run: (n) => {
          for (let i = 0; i < n; i++) consume(raw.run(store, noop));
        },
      },
      {
        name: 'ctx.run(noop)',
        run: (n) => {
          const ctx = new Context();
          for (let i = 0; i < n; i++) consume(ctx.run(noop));
        },
      },
      {
        name: 'var.set() (1 bound)',
        run: inCtx(one.ctx, (n) => {
          for (let i = 0; i < n; i++) consume(target1.set(i));
        }),
      },
      {
        name: 'var.set() (10,000 bound)',
        run: inCtx(many.ctx, (n) => {
          for (let i = 0; i < n; i++) consume(target10k.set(i));
        }),
      },
      {
        name: 'var.run(v, noop)',
        run: inCtx(one.ctx, (n) => {
          for (let i = 0; i < n; i++) consume(target1.run(i, noop));
        }),
      },
    ],
    N,
  );
}

function awaitLoops(rounds = 5): Map<string, number> {
  const script = fileURLToPath(new URL('./await-loop.js', import.meta.url));
  const modes = ['baseline', 'imported', 'entered'];
  const samples = new Map<string, number[]>(modes.map((m) => [m, []]));
  for (let round = 0; round < rounds; round++) {
    for (const mode of modes) {
      const out = execFileSync(process.execPath, [script, mode], { encoding: 'utf8' });
      samples.get(mode)?.push(Number(out.trim()));
    }
  }
  return new Map([...samples].map(([mode, values]) => [mode, median(values)]));
}

function python(): Record<string, number> | undefined {
  const script = fileURLToPath(new URL('../python/contextvars_bench.py', import.meta.url));
  try {
    return JSON.parse(execFileSync('python3', [script], { encoding: 'utf8' })) as Record<string, number>;
  } catch (error) {
    console.warn(`(CPython column skipped: ${(error as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

function report(): void {
  const loadBefore = machineLoad();
  const ns = syncCases();
  const loops = awaitLoops();
  const py = python();
  const at = (name: string) => ns.get(name) as number;

  console.log(
    `\n@weft/contextvars on Node ${process.version}, AsyncLocalStorage on ${alsImplementation()} (median of interleaved rounds, ns/op)\n`,
  );
  const rows: Array<[string, string, string, string, string, string]> = [];
  const row = (
    label: string,
    value: number,
    baseName: string,
    base: number,
    budget: string,
    pyKey?: string,
  ) =>
    rows.push([
      label,
      fmt(value),
      `${fmt(value / base, 2)}× ${baseName}`,
      budget,
      pyKey && py ? fmt(py[pyKey]) : '',
      pyKey && py ? `${fmt((py[pyKey] as number) / value, 1)}×` : '',
    ]);
  const getStore = at('als.getStore()');
  const alsRun = at('als.run(store, noop)');
  row('als.getStore()', getStore, 'getStore', getStore, 'baseline');
  row('var.get()', at('var.get()'), 'getStore', getStore, '≤ 3×', 'get');
  row('var.get() (10,000 bound)', at('var.get() (10,000 bound)'), 'getStore', getStore, '');
  row(
    'copyContext() (1 bound)',
    at('copyContext() (1 bound)'),
    'getStore',
    getStore,
    '≤ 3×',
    'copy_context (1 bound)',
  );
  row(
    'copyContext() (10,000 bound)',
    at('copyContext() (10,000 bound)'),
    '1 bound',
    at('copyContext() (1 bound)'),
    '≤ 1.5×',
    'copy_context (10,000 bound)',
  );
  row('als.run(store, noop)', alsRun, 'als.run', alsRun, 'baseline');
  row('ctx.run(noop)', at('ctx.run(noop)'), 'als.run', alsRun, '≤ 3×', 'Context.run(noop)');
  row(
    'var.set() (1 bound)',
    at('var.set() (1 bound)'),
    'set 1',
    at('var.set() (1 bound)'),
    'baseline',
    'set (1 bound)',
  );
  row(
    'var.set() (10,000 bound)',
    at('var.set() (10,000 bound)'),
    'set 1',
    at('var.set() (1 bound)'),
    '≤ 4×',
    'set (10,000 bound)',
  );
  row('var.run(v, noop)', at('var.run(v, noop)'), 'als.run', alsRun, '');
  const base = loops.get('baseline') as number;
  row('await loop, package not loaded', base, 'baseline', base, 'baseline');
  row('await loop, imported, not entered', loops.get('imported') as number, 'baseline', base, '≤ 1.1×');
  row(
    'await loop, inside Context.run',
    loops.get('entered') as number,
    'baseline',
    base,
    alsImplementation() === 'async-hooks' ? '(promise hooks: paid)' : '(AsyncContextFrame: ~1×)',
  );
  printTable(['operation', 'ns/op', 'ratio', 'budget', 'CPython ns/op', 'CPython/Weft'], rows);
  console.log(`\nMachine at the start: ${loadBefore}\nMachine at the end: ${machineLoad()}`);
}

if (!(await runPerNodeLine(import.meta.url))) report();
