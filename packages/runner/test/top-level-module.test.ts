/**
 * ParallelRunner imports the module that holds the node functions, on the main thread and in each
 * worker thread, and importing a module evaluates its top-level code. A module that awaits its own
 * run at top level used to make Node exit with code 13 and print nothing; one that runs its
 * pipeline unguarded started the run again in every worker. End to end, in child processes.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

function runFixture(name: string): { status: number | null; stdout: string; stderr: string } {
  const file = fileURLToPath(new URL(`./fixtures/top-level/${name}`, import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@weft/source', file], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a module whose top-level code runs its own pipeline', () => {
  it('fails with an error saying what to do when it awaits its own run, instead of exiting silently with 13', () => {
    const r = runFixture('awaits-own-run.ts');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ERR_RUNNER_MODULE_CYCLE');
    expect(r.stderr).toMatch(
      /ParallelRunner cannot import module file:\/\/\/\S+awaits-own-run\.ts: it has not finished evaluating/,
    );
    expect(r.stderr).toContain('Put the node functions (and the pipeline) in a module of their own');
  }, 60_000);

  it('refuses the run its worker threads would start again when it runs the pipeline unguarded', () => {
    const r = runFixture('unguarded-run.ts');
    // The worker's copy of the module is refused; the main thread's run completes once.
    expect(r.stderr).toContain('refused: ERR_RUNNER_MODULE_TOP_LEVEL');
    expect(r.stderr).toContain('guard the code that runs it (if (isMainThread)');
    expect(r.stdout.trim().split('\n')).toEqual(['{"y":42}']);
  }, 60_000);

  it('runs once when the run is guarded with isMainThread', () => {
    const r = runFixture('guarded-run.ts');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['{"y":42}']);
    expect(r.status).toBe(0);
  }, 60_000);

  it('runs with top-level await when the node functions live in a module of their own', () => {
    const r = runFixture('main-imports-nodes.ts');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('{"y":42}');
    expect(r.status).toBe(0);
  }, 60_000);
});
