/**
 * The run history on disk: concurrent runs of separate processes, a killed run, pruning, and a
 * file cut in the middle of a line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RunHistory, type RunStartedEvent, RunTail } from '../src/index.js';
import { SMALL_NODES } from './support/pipelines.js';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const GATED_RUN = new URL('./support/gated-run.ts', import.meta.url).pathname;
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function startRun(dir: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ['--import', tsx, '--conditions=@weft/source', GATED_RUN, 'thread', dir],
    {
      stdio: 'ignore',
    },
  );
  children.push(child);
  return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

async function until<T>(what: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the run history');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function start(runId: string, startedAt: number, pid = process.pid): RunStartedEvent {
  return {
    e: 'run',
    v: 1,
    runId,
    pipeline: '__default__',
    startedAt,
    runner: 'ThreadRunner',
    propagateContext: true,
    userContext: {},
    pid,
    host: hostname(),
    nodes: [{ name: 'a', inputs: [], outputs: ['x'], tags: [] }],
    datasets: [{ name: 'x', type: 'MemoryDataset', kind: 'memory' }],
  };
}

describe('RunHistory', () => {
  it('keeps concurrent runs of two processes apart, and a killed run reads as interrupted, its file intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-viz-hist-'));
    const history = RunHistory.forProject(dir);
    const a = startRun(dir);
    const b = startRun(dir);
    // both runs are recorded and running (their nodes wait on the gates)
    const ids = await until(async () => {
      const runs = await history.list();
      return runs.length === 2 && runs.every((r) => r.status === 'running')
        ? runs.map((r) => r.id)
        : undefined;
    });
    expect(new Set(ids).size).toBe(2);
    // kill one run in the middle; let the other finish
    const victim = ids[0] as string;
    const survivor = ids[1] as string;
    const pid = (await history.read(victim)).pid;
    (a.child.pid === pid ? a : b).child.kill('SIGKILL');
    for (const n of SMALL_NODES) writeFileSync(join(dir, `${n}.go`), '');
    await Promise.all([a.exited, b.exited]);

    const finished = await history.read(survivor);
    expect(finished.status).toBe('completed');
    expect(finished.nodes.every((n) => n.status === 'completed')).toBe(true);
    const killed = await history.read(victim);
    expect(killed.status).toBe('interrupted');
    expect(killed.error).toMatch(/ended before the run finished/);
    expect(killed.nodes.some((n) => n.status === 'not-run')).toBe(true);
    const summaries = Object.fromEntries((await history.list()).map((s) => [s.id, s.status]));
    expect(summaries).toEqual({ [victim]: 'interrupted', [survivor]: 'completed' });
    // every line of both files is a complete event
    for (const id of ids) {
      const lines = readFileSync(history.fileOf(id), 'utf8').trimEnd().split('\n');
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    }
  });

  it('skips a line cut by a killed writer, and a tail picks up only complete lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-viz-hist-'));
    const history = new RunHistory({ dir, flushIntervalMs: 0 });
    const writer = await history.open(start('r1', Date.UTC(2026, 0, 1)));
    writer.append({ e: 'start', node: 'a', t: 1 });
    writer.close();
    const tail = new RunTail(writer.file);
    expect((await tail.poll()).map((e) => e.e)).toEqual(['run', 'start']);
    appendFileSync(writer.file, '{"e":"end","node":"a","stat');
    expect(await tail.poll()).toEqual([]);
    const record = await history.read(writer.id);
    expect(record.nodes[0]?.status).toBe('running');
    appendFileSync(writer.file, 'us":"completed","t":2,"durationMs":1}\n');
    expect((await tail.poll()).map((e) => e.e)).toEqual(['end']);
  });

  it('keeps the newest maxRuns runs, never deleting a run whose process is alive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-viz-hist-'));
    const history = new RunHistory({ dir, maxRuns: 2 });
    // an old run still running (this process), then three finished ones
    const live = await history.open(start('live', Date.UTC(2026, 0, 1)));
    for (let i = 0; i < 3; i++) {
      const w = await history.open(start(`done-${i}`, Date.UTC(2026, 0, 2 + i)));
      w.append({ e: 'done', status: 'completed', t: 0, durationMs: 1 });
      w.close();
    }
    // at most two files: the live run is kept although it is the oldest, so only the newest finished one stays
    expect(await history.ids()).toEqual([live.id, '20260104T000000000Z_done-2']);
    // a run of a process that is gone is pruned like a finished one
    const gone = await history.open(start('gone', Date.UTC(2025, 0, 1), 2 ** 22 + 12345));
    gone.close();
    expect(await history.ids()).toEqual([live.id, '20260104T000000000Z_done-2']);
    live.close();
  });

  it('never overwrites a run file, names the run that is missing, and refuses ids that leave the folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-viz-hist-'));
    const history = new RunHistory({ dir });
    const first = await history.open(start('same', Date.UTC(2026, 0, 1)));
    const second = await history.open(start('same', Date.UTC(2026, 0, 1)));
    expect(second.id).not.toBe(first.id);
    first.close();
    second.close();
    await expect(history.read('nope')).rejects.toThrow(/No run 'nope' in the run history/);
    expect(() => history.fileOf('../etc/passwd')).toThrow(/Invalid run id/);
  });
});
