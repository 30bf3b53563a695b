import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

/**
 * A tiny benchmark harness: time several cases side by side, interleaved round by round, and
 * report the median of the rounds. Interleaving keeps a noisy machine's drift out of ratios.
 */

/** One case: `run(n)` performs the operation n times. */
export interface BenchCase {
  name: string;
  run: (iterations: number) => void;
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Nanoseconds per operation of each case: median over `rounds` interleaved rounds. */
export function measure(cases: readonly BenchCase[], iterations: number, rounds = 9): Map<string, number> {
  for (const c of cases) c.run(Math.min(iterations, 50_000)); // warm up
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const start = process.hrtime.bigint();
      c.run(iterations);
      const elapsed = Number(process.hrtime.bigint() - start);
      samples.get(c.name)?.push(elapsed / iterations);
    }
  }
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}

/** Prints rows as an aligned text table. */
export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** Formats a number with a fixed number of decimals. */
export function fmt(value: number | undefined, digits = 1): string {
  return value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
}

/** A value the optimiser cannot prove unused. */
export let sink: unknown;
/** Stores into {@link sink}. */
export function consume(value: unknown): void {
  sink = value;
}

/** What `scripts/node-line.mjs` exports (plain JavaScript outside this package). */
interface NodeLines {
  ensureNodeLine(line: string): Promise<{ version: string; node: string }>;
}

/** Set in the child processes of {@link runPerNodeLine}: 0 for the first line, 1 for the next, … */
export const LINE_INDEX = Number(process.env.WEFT_BENCH_LINE_INDEX ?? '0');

/**
 * `--lines 20,22,24,26` (or `--lines=…`): runs this benchmark once per Node line, each with that
 * line's own Node (fetched once from the npm registry by `scripts/node-line.mjs`), one after the
 * other, so each prints its own tables; then resolves `true` and the caller stops. Without
 * `--lines`, resolves `false` and the benchmark runs here. Node options (`--expose-gc`) carry over.
 */
export async function runPerNodeLine(scriptUrl: string): Promise<boolean> {
  const args = process.argv.slice(2).filter((arg) => arg !== '--');
  const at = args.findIndex((arg) => arg === '--lines' || arg.startsWith('--lines='));
  if (at === -1) return false;
  const inline = (args[at] as string).startsWith('--lines=');
  const value = inline ? (args[at] as string).slice('--lines='.length) : args[at + 1];
  if (value === undefined || value === '') throw new Error('--lines needs a list, e.g. --lines 20,22,24,26');
  const rest = args.filter((_, i) => i !== at && (inline || i !== at + 1));
  const nodeLines = (await import(new URL('../../scripts/node-line.mjs', import.meta.url).href)) as NodeLines;
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const lines = value.split(',');
  let failed = 0;
  for (const [index, line] of lines.entries()) {
    const { version, node } = await nodeLines.ensureNodeLine(line.trim());
    console.log(`\n==================== Node ${version} ====================`);
    const result = spawnSync(node, [...process.execArgv, fileURLToPath(scriptUrl), ...rest], {
      stdio: 'inherit',
      env: { ...process.env, WEFT_BENCH_LINE_INDEX: String(index) },
    });
    if (result.status !== 0) {
      failed++;
      console.log(`(the benchmark on Node ${version} exited with ${result.status ?? result.signal})`);
    }
  }
  if (failed > 0) process.exitCode = 1;
  return true;
}

/**
 * Which AsyncLocalStorage implementation this process runs on, observed where the two differ
 * (nodejs/node#58204): `async-hooks` (Node 20, 22; promise hooks) or `AsyncContextFrame` (Node 24+,
 * 22 with `--experimental-async-context-frame`).
 */
export function alsImplementation(): 'async-hooks' | 'AsyncContextFrame' {
  const probe = new AsyncLocalStorage<string>();
  try {
    const resource = probe.run('created', () => new AsyncResource('als-probe'));
    resource.runInAsyncScope(() => probe.enterWith('entered'));
    return resource.runInAsyncScope(() => probe.getStore()) === 'entered'
      ? 'async-hooks'
      : 'AsyncContextFrame';
  } finally {
    probe.disable();
  }
}

/** CPU nanoseconds so far of this thread and of all the other threads of the process (Linux). */
export function threadCpu(): { main: number; others: number } | undefined {
  try {
    let main = 0;
    let others = 0;
    for (const tid of readdirSync('/proc/self/task')) {
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      if (Number(tid) === process.pid) main = ns;
      else others += ns;
    }
    return { main, others };
  } catch {
    return undefined;
  }
}

/** This machine's load while the benchmark ran: load average and CPU pressure (Linux). */
export function machineLoad(): string {
  const avg = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  let pressure = '';
  try {
    const some = /some avg10=([\d.]+) avg60=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    if (some) pressure = `; CPU pressure (some) ${some[1]}% (10 s), ${some[2]}% (60 s)`;
  } catch {
    // not Linux, or no PSI
  }
  return `load average ${avg} on ${availableParallelism()} cores${pressure}`;
}
