/**
 * Runs the demo in-process, as `pnpm demo` would, with its output captured and its data in a
 * temporary folder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCli } from '../../src/cli.js';
import { NODE_NAMES } from '../../src/pipeline.js';
import { type DemoResult, runDemo } from '../../src/run-demo.js';

/** The demo folder. */
export const APP_DIR = resolve(import.meta.dirname, '../..');

/** A fresh data folder under the OS temp dir. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'weft-demo-'));
}

/** A run's result with what it printed. */
export interface CapturedRun extends DemoResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the demo with command-line `args` (plus `--data-dir` and `--no-live`). */
export async function runCli(dataDir: string, args: readonly string[]): Promise<CapturedRun> {
  const outcome = parseCli([...args, '--data-dir', dataDir, '--no-live'], NODE_NAMES, APP_DIR, {});
  if (outcome.kind !== 'run') throw new Error(`the demo refused ${args.join(' ')}: ${outcome.output}`);
  let stdout = '';
  let stderr = '';
  const result = await runDemo(outcome.options, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    cwd: dataDir,
  });
  return { ...result, stdout, stderr };
}
