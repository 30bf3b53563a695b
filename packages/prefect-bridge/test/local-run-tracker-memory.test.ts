/**
 * LocalRunTracker (the embedded default, no server) keeps memory bounded however many runs go
 * through one tracker: live runs stay whole, finished ones are kept only among the most recent.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalRunTracker, PrefectConfigError } from '../src/index.js';

const soakFixture = new URL('./fixtures/local-runs-soak.ts', import.meta.url);

async function flowWithTasks(tracker: LocalRunTracker, name: string, tasks: number) {
  const flowRun = await tracker.startFlowRun({ flowName: 'f', runName: name });
  const taskRuns = [];
  for (let i = 0; i < tasks; i++) {
    taskRuns.push(
      await tracker.startTaskRun({
        flowRun,
        taskName: `t${i}`,
        name: `t${i}`,
        taskKey: `t${i}`,
        dynamicKey: '0',
      }),
    );
  }
  return { flowRun, taskRuns };
}

describe('LocalRunTracker memory', () => {
  it('keeps a live flow run and its task runs (finished ones too) until the flow run finishes', async () => {
    const tracker = new LocalRunTracker({ maxFinishedRuns: 0 });
    const { flowRun, taskRuns } = await flowWithTasks(tracker, 'live', 3);
    await tracker.finishTaskRun(taskRuns[0] as never, { ok: true });
    // a save failing after afterNodeRun overrides COMPLETED: the finished task run is still there
    await tracker.finishTaskRun(taskRuns[0] as never, { ok: false, error: new Error('late save') });
    expect(tracker.runs.get(taskRuns[0]?.id as string)?.states).toEqual([
      'PENDING',
      'RUNNING',
      'COMPLETED',
      'FAILED',
    ]);
    expect(tracker.runs.size).toBe(4);
    await tracker.finishFlowRun(flowRun, { ok: true });
    expect(tracker.runs.size).toBe(0); // maxFinishedRuns 0: released with its task runs
  });

  it('keeps the maxFinishedRuns most recently finished flow runs with their task runs, releasing the oldest first', async () => {
    const tracker = new LocalRunTracker({ maxFinishedRuns: 2 });
    const runs = [];
    for (const name of ['r1', 'r2', 'r3']) runs.push(await flowWithTasks(tracker, name, 2));
    const live = await flowWithTasks(tracker, 'live', 1);
    // r2 finishes first, then r1, then r3: r2 is the oldest finished
    for (const i of [1, 0, 2]) await tracker.finishFlowRun(runs[i]?.flowRun as never, { ok: true });
    const names = [...tracker.runs.values()].filter((r) => r.kind === 'flow').map((r) => r.name);
    expect(names.sort()).toEqual(['live', 'r1', 'r3']);
    for (const t of runs[1]?.taskRuns ?? []) expect(tracker.runs.has(t.id)).toBe(false);
    for (const t of runs[0]?.taskRuns ?? []) expect(tracker.runs.has(t.id)).toBe(true);
    expect(tracker.runs.has(live.taskRuns[0]?.id as string)).toBe(true);
    expect(tracker.runs.size).toBe(3 * 3 - 3 + 2);
  });

  it('counts a standalone task run as a run of its own', async () => {
    const tracker = new LocalRunTracker({ maxFinishedRuns: 1 });
    const a = await tracker.startTaskRun({
      flowRun: null,
      taskName: 'a',
      name: 'a',
      taskKey: 'a',
      dynamicKey: 'x',
    });
    const b = await tracker.startTaskRun({
      flowRun: null,
      taskName: 'b',
      name: 'b',
      taskKey: 'b',
      dynamicKey: 'y',
    });
    await tracker.finishTaskRun(a, { ok: true });
    expect(tracker.runs.has(a.id)).toBe(true);
    await tracker.finishTaskRun(b, { ok: true });
    expect([...tracker.runs.keys()]).toEqual([b.id]);
  });

  it('rejects a maxFinishedRuns that is not a non-negative integer', () => {
    expect(() => new LocalRunTracker({ maxFinishedRuns: -1 })).toThrow(PrefectConfigError);
    expect(() => new LocalRunTracker({ maxFinishedRuns: 1.5 })).toThrow(
      'LocalRunTracker maxFinishedRuns must be a non-negative integer, got 1.5',
    );
  });

  it('soak: 10,000 pipeline runs through one prefectHooks() in local mode grow the heap by less than 3 MB after GC', () => {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const env = { ...process.env };
    delete env.PREFECT_API_URL; // local mode: the embedded default
    const result = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        pathToFileURL(tsx).href,
        '--conditions=@weft/source',
        fileURLToPath(soakFixture),
        '1000',
        '10000',
      ],
      { env, encoding: 'utf8', timeout: 170_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    const { mode, before, after, runsKept } = JSON.parse(result.stdout) as Record<string, number | string>;
    expect(mode).toBe('local');
    // 100 finished flow runs of 3 nodes are kept (the default history), whatever the number of runs
    expect(runsKept).toBe(400);
    // before the bound, every run stayed: +37 MB per 10,000 runs of this 3-node pipeline
    expect((after as number) - (before as number)).toBeLessThan(3 * 1024 * 1024);
  }, 180_000);
});
