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
