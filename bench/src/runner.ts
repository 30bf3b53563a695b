/**
 * `pnpm bench:runner`: @weft/runner side by side with Kedro 1.7.x (installed with pip into a cached
 * virtual environment under bench/kedro/.venv), same workloads, one run, medians, a table.
 *
 * - chains of 100, 1,000 and 10,000 trivial nodes on memory datasets (Sequential, Thread):
 *   per-node overhead (Kedro at 10,000 only with BENCH_KEDRO_10K=1: it is quadratic, minutes);
 * - 100 independent nodes each awaiting a 50 ms timer on ThreadRunner with default settings;
 * - 4 CPU-bound nodes of ~200 ms on ParallelRunner vs SequentialRunner.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  type AbstractRunner,
  DataCatalog,
  node,
  ParallelRunner,
  type Pipeline,
  pipeline,
  SequentialRunner,
  ThreadRunner,
} from '@weft/runner';
import { fmt, LINE_INDEX, machineLoad, median, printTable, runPerNodeLine } from './harness.js';
import { burnCpu, identity, sleep50 } from './runner-workloads.js';

const KEDRO_DIR = fileURLToPath(new URL('../kedro/', import.meta.url));
const VENV = `${KEDRO_DIR}.venv`;
const PYTHON = `${VENV}/bin/python`;
const KEDRO_SPEC = 'kedro==1.7.*';
const WORKLOADS_MODULE = new URL('./runner-workloads.js', import.meta.url);
const KEDRO_10K = process.env.BENCH_KEDRO_10K === '1';

/** Creates (once) the cached venv with Kedro 1.7.x; returns its version. */
function ensureKedro(): string {
  const version = () =>
    execFileSync(PYTHON, ['-c', 'import kedro; print(kedro.__version__)'], {
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim();
  if (existsSync(PYTHON)) {
    try {
      const v = version();
      if (v.startsWith('1.7.')) return v;
    } catch {
      // fall through to (re)install
    }
  }
  console.error(`Installing ${KEDRO_SPEC} into ${VENV} (cached for later runs)...`);
  execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(PYTHON, ['-m', 'pip', 'install', '--quiet', KEDRO_SPEC], { stdio: 'inherit' });
  return version();
}

interface Case {
  id: string;
  kind: 'chain' | 'sleep' | 'cpu';
  runner: 'SequentialRunner' | 'ThreadRunner' | 'ParallelRunner';
  nodes: number;
  ms?: number;
  warmup: number;
  runs: number;
}

function runKedro(cases: Case[]): Record<string, number[]> {
  const result = spawnSync(PYTHON, [`${KEDRO_DIR}workload.py`], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`Kedro workload failed with status ${result.status}`);
  return JSON.parse(result.stdout) as Record<string, number[]>;
}

function chain(n: number): Pipeline {
  return pipeline(
    Array.from({ length: n }, (_, i) => node(identity, `d${i}`, `d${i + 1}`, { name: `n${i}` })),
  );
}

function independent(fn: (x: number) => unknown, n: number): Pipeline {
  return pipeline(Array.from({ length: n }, (_, i) => node(fn, 'x', `out${i}`, { name: `n${i}` })));
}

const parallel = new ParallelRunner({ module: WORKLOADS_MODULE, maxWorkers: 2 });
const parallelCold = () => new ParallelRunner({ module: WORKLOADS_MODULE, maxWorkers: 2 });

function weftRunner(name: Case['runner']): AbstractRunner {
  if (name === 'SequentialRunner') return new SequentialRunner();
  if (name === 'ThreadRunner') return new ThreadRunner();
  return parallel;
}

/** Runs the cases interleaved round by round (as bench/src/harness.ts does), so drift hits all alike. */
async function runWeft(cases: readonly Case[]): Promise<Record<string, number[]>> {
  const prepared = cases.map((c) => ({
    c,
    p: c.kind === 'chain' ? chain(c.nodes) : independent(c.kind === 'sleep' ? sleep50 : burnCpu, c.nodes),
    inputs: c.kind === 'chain' ? { d0: 1 } : { x: c.kind === 'cpu' ? (c.ms ?? 0) : 1 },
  }));
  const once = async ({ c, p, inputs }: (typeof prepared)[number]) => {
    const runner = weftRunner(c.runner);
    const catalog = new DataCatalog(inputs);
    const start = performance.now();
    await runner.run(p, catalog);
    return performance.now() - start;
  };
  const times: Record<string, number[]> = {};
  for (const item of prepared) {
    times[item.c.id] = [];
    for (let i = 0; i < item.c.warmup; i++) await once(item);
  }
  const rounds = Math.max(...cases.map((c) => c.runs));
  for (let round = 0; round < rounds; round++) {
    for (const item of prepared) {
      if (round < item.c.runs) times[item.c.id]?.push(await once(item));
    }
  }
  return times;
}

async function main(): Promise<void> {
  const loadBefore = machineLoad();
  // Per Node line (--lines), Kedro (Python) runs with the first line only: its figures do not change.
  const withKedro = LINE_INDEX === 0;
  const kedroVersion = withKedro ? ensureKedro() : '1.7 (see the first table)';
  const chainRuns = (n: number) =>
    n <= 100 ? { warmup: 5, runs: 21 } : n <= 1000 ? { warmup: 3, runs: 11 } : { warmup: 1, runs: 5 };
  const kedroChainRuns = (n: number) =>
    n <= 100 ? { warmup: 1, runs: 5 } : n <= 1000 ? { warmup: 0, runs: 3 } : { warmup: 0, runs: 1 };
  const weftCases: Case[] = [];
  const kedroCases: Case[] = [];
  for (const n of [100, 1000, 10_000]) {
    for (const runner of ['SequentialRunner', 'ThreadRunner'] as const) {
      const id = `chain-${n}-${runner}`;
      weftCases.push({ id, kind: 'chain', runner, nodes: n, ...chainRuns(n) });
      if (n < 10_000 || KEDRO_10K)
        kedroCases.push({ id, kind: 'chain', runner, nodes: n, ...kedroChainRuns(n) });
    }
  }
  weftCases.push({
    id: 'sleep-100-ThreadRunner',
    kind: 'sleep',
    runner: 'ThreadRunner',
    nodes: 100,
    warmup: 1,
    runs: 5,
  });
  kedroCases.push({
    id: 'sleep-100-ThreadRunner',
    kind: 'sleep',
    runner: 'ThreadRunner',
    nodes: 100,
    warmup: 0,
    runs: 1,
  });
  for (const runner of ['SequentialRunner', 'ParallelRunner'] as const) {
    const c: Case = { id: `cpu-4x200-${runner}`, kind: 'cpu', runner, nodes: 4, ms: 200, warmup: 1, runs: 5 };
    weftCases.push(c);
    kedroCases.push({ ...c, warmup: 0, runs: 3 });
  }

  if (withKedro) console.error(`Kedro ${kedroVersion}: running ${kedroCases.length} cases...`);
  const kedro = withKedro ? runKedro(kedroCases) : {};
  console.error('Weft: running...');
  const weft = {
    ...(await runWeft(weftCases.filter((c) => c.kind === 'chain'))),
    ...(await runWeft(weftCases.filter((c) => c.kind !== 'chain'))),
  };
  // ParallelRunner's first run on a fresh runner: worker start-up and module import included.
  const coldTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const cold = parallelCold();
    const start = performance.now();
    await cold.run(independent(burnCpu, 4), new DataCatalog({ x: 200 }));
    coldTimes.push(performance.now() - start);
    await cold.close();
  }
  await parallel.close();

  const med = (xs: number[] | undefined) => (xs === undefined || xs.length === 0 ? undefined : median(xs));
  const rows: string[][] = [];
  const perNode = new Map<string, number>();
  for (const c of weftCases) {
    const w = med(weft[c.id]) as number;
    const k = med(kedro[c.id]);
    const perNodeWeft = (w * 1000) / c.nodes;
    perNode.set(c.id, perNodeWeft);
    const perNodeKedro = k === undefined ? undefined : (k * 1000) / c.nodes;
    rows.push([
      c.kind === 'chain'
        ? `chain of ${c.nodes}`
        : c.kind === 'sleep'
          ? '100 x await 50 ms'
          : '4 x 200 ms CPU',
      c.runner,
      fmt(w, 2),
      k === undefined ? 'not run' : fmt(k, 1),
      k === undefined ? '' : `${fmt(k / w, 1)}x`,
      c.kind === 'chain' ? fmt(perNodeWeft, 2) : '',
      c.kind === 'chain' && perNodeKedro !== undefined ? fmt(perNodeKedro, 0) : '',
    ]);
  }
  rows.push(['4 x 200 ms CPU (cold)', 'ParallelRunner', fmt(median(coldTimes), 2), '', '', '', '']);
  console.log(
    `\n@weft/runner vs Kedro ${kedroVersion} (Python), Node ${process.version}, ${availableParallelism()} cores; medians in ms`,
  );
  printTable(
    ['workload', 'runner', 'Weft ms', 'Kedro ms', 'Kedro/Weft', 'Weft us/node', 'Kedro us/node'],
    rows,
  );

  const checks: [string, boolean, string][] = [];
  for (const runner of ['SequentialRunner', 'ThreadRunner']) {
    const p1k = perNode.get(`chain-1000-${runner}`) as number;
    const p10k = perNode.get(`chain-10000-${runner}`) as number;
    const k1k = med(kedro[`chain-1000-${runner}`]);
    checks.push([`${runner}: <= 20 us per node at 1,000 nodes`, p1k <= 20, `${fmt(p1k, 2)} us`]);
    checks.push([
      `${runner}: 10,000-node cost <= 1.5x the 1,000-node one`,
      p10k <= 1.5 * p1k,
      `${fmt(p10k / p1k, 2)}x`,
    ]);
    if (k1k !== undefined) {
      const ratio = (k1k * 1000) / 1000 / p1k;
      checks.push([
        `${runner}: >= 50x less per node than Kedro at 1,000 nodes`,
        ratio >= 50,
        `${fmt(ratio, 0)}x`,
      ]);
    }
  }
  const sleep = med(weft['sleep-100-ThreadRunner']) as number;
  checks.push([
    'ThreadRunner default: 100 x 50 ms timers <= 100 ms wall',
    sleep <= 100,
    `${fmt(sleep, 1)} ms`,
  ]);
  const seq = med(weft['cpu-4x200-SequentialRunner']) as number;
  const par = med(weft['cpu-4x200-ParallelRunner']) as number;
  checks.push([
    'ParallelRunner >= 1.6x faster than Sequential on 4 x 200 ms CPU',
    seq / par >= 1.6,
    `${fmt(seq / par, 2)}x (cold run: ${fmt(seq / median(coldTimes), 2)}x)`,
  ]);
  console.log('\nBudgets');
  printTable(
    ['budget', 'result', 'measured'],
    checks.map(([name, ok, value]) => [name, ok ? 'PASS' : 'FAIL', value]),
  );
  if (!KEDRO_10K)
    console.log('\n(Kedro at 10,000 nodes skipped: set BENCH_KEDRO_10K=1 to run it; it takes minutes.)');
  console.log(`\nMachine at the start: ${loadBefore}\nMachine at the end: ${machineLoad()}`);
}

if (!(await runPerNodeLine(import.meta.url))) await main();
