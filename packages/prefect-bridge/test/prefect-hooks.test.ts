/**
 * prefectHooks on every runner: offline (local ids, memory sink) and against the real Prefect
 * server (flow run, one task run per node, each node's logs under its task run, worker threads
 * and nested async callbacks included; failure states).
 */
import { DataCatalog, ParallelRunner, SequentialRunner, ThreadRunner } from '@weft/runner';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import {
  LocalRunTracker,
  PrefectApiSink,
  PrefectClient,
  prefectHooks,
  tryGetRunContext,
} from '../src/index.js';
import { getDefaultSinks, type LogRecord, MemorySink, setDefaultSinks } from '../src/logging.js';
import { captureApiProblems, freePort } from '../src/testing.js';
import { failingPipeline, happyPipeline } from './fixtures/pipeline-nodes.js';

// worker threads and a real server on a shared, loaded machine: bound each test generously
vi.setConfig({ testTimeout: 60_000 });

const parallel = new ParallelRunner({
  module: new URL('./fixtures/pipeline-nodes.ts', import.meta.url),
  maxWorkers: 2,
});
afterAll(() => parallel.close());

const runners = [
  ['SequentialRunner', () => new SequentialRunner()],
  ['ThreadRunner', () => new ThreadRunner()],
  ['ParallelRunner', () => parallel],
] as const;

const nodeOf = (message: string) => message.split(' ')[1];

describe.each(runners)('prefectHooks on %s, offline (embedded default)', (runnerName, makeRunner) => {
  it("binds each node's task run; logs carry it; states are tracked locally", async () => {
    const memory = new MemorySink();
    const hooks = prefectHooks({ client: null, sinks: [memory], flowName: 'etl' });
    const out = await makeRunner().run(happyPipeline, new DataCatalog({ seed: 1 }), {
      hooks: [hooks],
      runId: `run-${runnerName}`,
    });
    expect(out).toEqual({ total: 60 });
    expect(tryGetRunContext()).toBeUndefined(); // nothing leaks to the caller

    const tracker = hooks.tracker as LocalRunTracker;
    expect(tracker).toBeInstanceOf(LocalRunTracker);
    const flowRun = hooks.flowRunFor(`run-${runnerName}`);
    expect(flowRun).toMatchObject({ name: `run-${runnerName}`, flowName: 'etl' });
    const runs = [...tracker.runs.values()];
    expect(runs.find((r) => r.kind === 'flow')?.states).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    const tasks = runs.filter((r) => r.kind === 'task');
    expect(tasks.map((t) => t.name).sort()).toEqual(['extract', 'load', 'transform']);
    expect(tasks.every((t) => t.flowRunId === flowRun?.id && t.states.at(-1) === 'COMPLETED')).toBe(true);
    const taskId = (name: string) => tasks.find((t) => t.name === name)?.id;

    const sentinels = memory.records.filter((r) => r.message.startsWith('sentinel '));
    expect(sentinels.length).toBe(5);
    for (const r of sentinels) {
      expect(r.taskRunId, r.message).toBe(taskId(nodeOf(r.message) as string));
      expect(r.flowRunId).toBe(flowRun?.id);
      expect(r.name).toBe('prefect.task_runs');
      expect(r.extra).toMatchObject({
        task_name: nodeOf(r.message),
        flow_name: 'etl',
        flow_run_name: `run-${runnerName}`,
      });
    }
    const inWorker = runnerName === 'ParallelRunner';
    expect(memory.find(`sentinel extract main=${!inWorker}`)).toHaveLength(1);
    // each node's own records (from its worker thread too) come before its closing line
    for (const name of ['extract', 'transform', 'load']) {
      const own = memory.records.filter((r) => r.taskRunId === taskId(name)).map((r) => r.message);
      expect(own.at(-1), name).toBe('Finished in state Completed()');
      expect(own.filter((m) => m.startsWith('Finished'))).toHaveLength(1);
    }
    const order = memory.records.filter((r) => r.message.startsWith('extract order')).map((r) => r.message);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => `extract order ${i}`));
    const flowLevel = memory.records.filter((r: LogRecord) => r.taskRunId === null);
    expect(flowLevel.map((r) => r.message)).toEqual([
      `Beginning flow run 'run-${runnerName}' for flow 'etl'`,
      'Finished in state Completed()',
    ]);
    expect(flowLevel.every((r) => r.name === 'prefect.flow_runs')).toBe(true);
  });

  it('a failing node: its task run FAILED with the error, the stack logged under it, the flow FAILED', async () => {
    const memory = new MemorySink();
    const hooks = prefectHooks({ client: null, sinks: [memory] });
    await expect(
      makeRunner().run(failingPipeline, new DataCatalog({ seed: 1 }), {
        hooks: [hooks],
        runId: `fail-${runnerName}`,
      }),
    ).rejects.toThrow(/Node 'explode' failed/);
    const tracker = hooks.tracker as LocalRunTracker;
    const runs = [...tracker.runs.values()];
    expect(runs.find((r) => r.kind === 'flow')?.states.at(-1)).toBe('FAILED');
    const explode = runs.find((r) => r.name === 'explode');
    expect(explode?.states.at(-1)).toBe('FAILED');
    expect(explode?.message).toBe('Task run encountered an exception RangeError: cannot handle 3 items');
    expect(runs.some((r) => r.name === 'load')).toBe(false);
    const error = memory.records.find((r) => r.taskRunId === explode?.id && r.level === 40);
    expect(error?.message).toMatch(
      /^Task run failed with exception \(run\): RangeError: cannot handle 3 items\nRangeError: cannot handle 3 items\n\s+at /,
    );
    expect(memory.find('sentinel explode before throwing')[0]?.taskRunId).toBe(explode?.id);
  });
});

describe('prefectHooks without a reachable server', () => {
  it('the pipeline still finishes, nodes keep distinct local task run ids, one report, nothing rejects', async () => {
    const port = await freePort();
    const client = new PrefectClient({ apiUrl: `http://127.0.0.1:${port}/api` });
    const printed: string[] = [];
    const restore = captureApiProblems((text) => printed.push(text));
    try {
      const memory = new MemorySink();
      const sink = new PrefectApiSink({ client, batchIntervalMs: 20 });
      const hooks = prefectHooks({ client, sinks: [sink, memory] });
      const out = await new SequentialRunner().run(happyPipeline, new DataCatalog({ seed: 1 }), {
        hooks: [hooks],
      });
      expect(out).toEqual({ total: 60 });
      await sink.close({ timeoutMs: 2000 });
      const ids = ['extract', 'transform', 'load'].map(
        (n) => memory.find(`sentinel ${n} main=true`)[0]?.taskRunId,
      );
      expect(new Set(ids).size).toBe(3);
      expect(ids.every((id) => typeof id === 'string')).toBe(true);
      expect(printed).toHaveLength(1);
      expect(printed[0]).toMatch(/^--- Error logging to API ---\n.*ECONNREFUSED/s);
    } finally {
      restore();
    }
  });

  it('prefectHooks() with no client and no PREFECT_API_URL is the embedded default: local ids, default sinks', async () => {
    expect(process.env.PREFECT_API_URL ?? '').toBe('');
    const memory = new MemorySink();
    const previous = getDefaultSinks();
    setDefaultSinks([memory]);
    try {
      const hooks = prefectHooks();
      expect(hooks.tracker.mode).toBe('local');
      await new SequentialRunner().run(happyPipeline, new DataCatalog({ seed: 1 }), { hooks: [hooks] });
      expect(memory.find('sentinel load main=true')[0]?.taskRunId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      setDefaultSinks(previous);
    }
  });
});

const apiUrl = inject('prefectApiUrl');

describe.skipIf(apiUrl === null)('prefectHooks against a real Prefect server', () => {
  const client = new PrefectClient({ apiUrl: apiUrl ?? 'http://127.0.0.1:9/api' });

  it.each(runners)(
    'on %s: a flow run, one task run per node, every sentinel under its node',
    async (runnerName, makeRunner) => {
      const sink = new PrefectApiSink({ client, batchIntervalMs: 200 });
      const memory = new MemorySink();
      const flowName = `hooks-${runnerName}-${Math.random().toString(36).slice(2, 7)}`;
      const hooks = prefectHooks({ client, sinks: [sink, memory], flowName });
      const runId = `${runnerName}-${Date.now()}`;
      await makeRunner().run(happyPipeline, new DataCatalog({ seed: 2 }), { hooks: [hooks], runId });

      const flowRunId = hooks.flowRunFor(runId)?.id as string;
      const flowRun = await client.readFlowRun(flowRunId);
      expect(flowRun).toMatchObject({ name: runId, state_type: 'COMPLETED' });
      expect(flowRun.start_time).not.toBeNull();
      expect(flowRun.end_time).not.toBeNull();
      expect((await client.readFlowByName(flowName))?.id).toBe(flowRun.flow_id);

      const taskRuns = await client.readTaskRuns(flowRunId);
      expect(taskRuns.map((t) => t.name).sort()).toEqual(['extract', 'load', 'transform']);
      expect(taskRuns.every((t) => t.state_type === 'COMPLETED')).toBe(true);
      expect(taskRuns.map((t) => t.task_key).sort()).toEqual([
        `${flowName}.extract`,
        `${flowName}.load`,
        `${flowName}.transform`,
      ]);
      const taskId = (name: string) => taskRuns.find((t) => t.name === name)?.id;

      const logs = await client.readAllLogs({ flowRunId });
      const sentinels = logs.filter((l) => l.message.startsWith('sentinel '));
      expect(sentinels).toHaveLength(5);
      for (const l of sentinels) expect(l.task_run_id, l.message).toBe(taskId(nodeOf(l.message) as string));
      expect(sentinels.find((l) => l.message === 'sentinel transform error level')).toMatchObject({
        level: 40,
        name: 'prefect.task_runs',
      });
      const inWorker = runnerName === 'ParallelRunner';
      expect(sentinels.some((l) => l.message === `sentinel load main=${!inWorker}`)).toBe(true);

      const flowLevel = await client.readAllLogs({ flowRunId, taskRunId: null });
      expect(flowLevel.map((l) => l.message)).toEqual([
        `Beginning flow run '${runId}' for flow '${flowName}'`,
        'Finished in state Completed()',
      ]);
      expect(flowLevel.every((l) => l.name === 'prefect.flow_runs' && l.level === 20)).toBe(true);

      const extractLogs = await client.readAllLogs({ flowRunId, taskRunId: taskId('extract') as string });
      expect(extractLogs.filter((l) => l.message.startsWith('extract order')).map((l) => l.message)).toEqual(
        Array.from({ length: 20 }, (_, i) => `extract order ${i}`),
      );
      expect(sink.stats).toMatchObject({ failed: 0, dropped: 0 });
      await sink.close();
    },
  );

  it('prefectHooks({ client }) alone ships the logs to that server; close() sends what is queued', async () => {
    const hooks = prefectHooks({ client, flowName: 'hooks-owned-sinks' });
    const runId = `owned-${Date.now()}`;
    await new SequentialRunner().run(happyPipeline, new DataCatalog({ seed: 3 }), { hooks: [hooks], runId });
    await hooks.close();
    const logs = await client.readAllLogs({ flowRunId: hooks.flowRunFor(runId)?.id as string });
    expect(logs.filter((l) => l.message.startsWith('sentinel '))).toHaveLength(5);
  });

  it.each(runners)(
    'on %s: a failing node ends FAILED with its error, the flow FAILED, later nodes not run',
    async (runnerName, makeRunner) => {
      const sink = new PrefectApiSink({ client, batchIntervalMs: 200 });
      const hooks = prefectHooks({ client, sinks: [sink], flowName: 'hooks-failing' });
      const runId = `fail-${runnerName}-${Date.now()}`;
      await expect(
        makeRunner().run(failingPipeline, new DataCatalog({ seed: 2 }), { hooks: [hooks], runId }),
      ).rejects.toThrow(/Node 'explode' failed/);
      const flowRunId = hooks.flowRunFor(runId)?.id as string;
      const flowRun = await client.readFlowRun(flowRunId);
      expect(flowRun.state_type).toBe('FAILED');
      expect(flowRun.state?.message).toMatch(
        /^Flow run encountered an exception\. NodeFailedError: Node 'explode' failed: /,
      );
      const taskRuns = await client.readTaskRuns(flowRunId);
      expect(taskRuns.map((t) => [t.name, t.state_type]).sort()).toEqual([
        ['explode', 'FAILED'],
        ['extract', 'COMPLETED'],
      ]);
      const explode = taskRuns.find((t) => t.name === 'explode');
      expect(explode?.state?.message).toBe(
        'Task run encountered an exception RangeError: cannot handle 3 items',
      );
      const errors = await client.readAllLogs({ flowRunId, taskRunId: explode?.id as string, levelGe: 40 });
      expect(errors.some((l) => /RangeError: cannot handle 3 items\n\s+at /.test(l.message))).toBe(true);
      await sink.close();
    },
  );
});
