import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prefectHooks } from '@weft/prefect-bridge';
import { ParallelRunner, SequentialRunner, ThreadRunner } from '@weft/runner';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEventLines, RunHistory, RunRecorder } from '../src/index.js';
import { GATE_DIR_ENV } from './fixtures/nodes.js';
import { NODES_MODULE, SMALL_NODES, smallCatalog, smallPipeline } from './support/pipelines.js';

const parallel = new ParallelRunner({ module: NODES_MODULE, maxWorkers: 2 });
afterAll(() => parallel.close());

async function recordRun(
  runner: ThreadRunner | SequentialRunner | ParallelRunner,
  options: { fail?: string } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'weft-viz-rec-'));
  const recorder = new RunRecorder({
    projectDir: dir,
    project: 'spaceflights',
    resumeHint: (nodes) => `weft run --from-nodes "${nodes.join(',')}"`,
  });
  const prefect = prefectHooks({ client: null, sinks: [recorder.logSink], flowName: 'spaceflights' });
  if (options.fail !== undefined) {
    process.env[GATE_DIR_ENV] = dir;
    for (const n of SMALL_NODES) writeFileSync(join(dir, `${n}.${n === options.fail ? 'fail' : 'go'}`), '');
  }
  let error: unknown;
  try {
    await runner.run(smallPipeline(), smallCatalog(dir), { hooks: [prefect, recorder] });
  } catch (e) {
    error = e;
  } finally {
    delete process.env[GATE_DIR_ENV];
  }
  return { dir, recorder, record: recorder.lastRun, error };
}

describe('RunRecorder', () => {
  for (const runner of [new SequentialRunner(), new ThreadRunner(), parallel]) {
    it(`records every node's status, timing, task run and log lines on the ${runner.constructor.name}`, async () => {
      const { dir, recorder, record, error } = await recordRun(runner);
      expect(error).toBeUndefined();
      expect(record?.status).toBe('completed');
      expect(record?.runner).toBe(runner.constructor.name);
      expect(record?.flowRunName).toEqual(expect.any(String));
      expect(record?.nodes.map((n) => n.name)).toEqual(SMALL_NODES);
      for (const n of record?.nodes ?? []) {
        expect(n.status, n.name).toBe('completed');
        expect(n.durationMs, n.name).toBeGreaterThanOrEqual(0);
        expect(n.taskRunName, n.name).toBe(n.name);
        expect(n.taskRunId, n.name).toMatch(/^[0-9a-f-]{36}$/);
        // the node's own line and Prefect's closing line, under the node's task run
        expect(n.logs.map((l) => l.message).join('\n'), n.name).toMatch(/Finished in state Completed\(\)/);
      }
      const train = record?.nodes.find((n) => n.name === 'model.train_model');
      // each line once, although the sink is given to the bridge and the recorder adds itself too
      expect(train?.logs.map((l) => l.message)).toEqual([
        'Training on 2 rows with scale 2',
        'Finished in state Completed()',
      ]);
      expect(train?.namespace).toBe('model');
      expect(train?.tags).toEqual(['data_science']);
      expect(record?.flowLogs.map((l) => l.message).join('\n')).toMatch(/Beginning flow run/);
      // datasets: file datasets with paths relative to the project, memory and parameters
      const ds = Object.fromEntries((record?.datasets ?? []).map((d) => [d.name, d]));
      expect(ds.companies).toEqual({
        name: 'companies',
        type: 'JSONDataset',
        kind: 'file',
        filepath: 'data/01_raw/companies.json',
      });
      expect(ds['prep.companies_clean']).toEqual({
        name: 'prep.companies_clean',
        type: 'MemoryDataset',
        kind: 'memory',
      });
      expect(ds['params:model']?.kind).toBe('parameters');

      // the history holds the same run, folded from its file
      const history = RunHistory.forProject(dir);
      const [summary] = await history.list();
      expect(summary).toMatchObject({
        status: 'completed',
        nodes: 5,
        completed: 5,
        failed: 0,
        project: 'spaceflights',
      });
      expect(summary?.id).toBe(recorder.historyId(record?.runId as string));
      expect(await history.read(summary?.id as string)).toEqual(record);
    });
  }

  it('records a failed run: the failed node with its error and phase, the nodes not run, where to resume', async () => {
    const { dir, record, error } = await recordRun(new ThreadRunner(), { fail: 'model.train_model' });
    expect(error).toBeDefined();
    expect(record?.status).toBe('failed');
    const byName = Object.fromEntries((record?.nodes ?? []).map((n) => [n.name, n]));
    expect(byName['model.train_model']?.status).toBe('failed');
    expect(byName['model.train_model']?.error).toBe(
      'Error: Gate says model.train_model fails: shuttle capacity out of range',
    );
    expect(byName['model.train_model']?.errorPhase).toBe('run');
    expect(byName['model.evaluate_model']?.status).toBe('not-run');
    expect(byName.create_model_input?.status).toBe('completed');
    expect(record?.error).toMatch(/^Node 'model.train_model' failed: Error: Gate says/);
    expect(record?.resumeFromNodes).toEqual(['model.train_model']);
    expect(record?.resumeHint).toBe('weft run --from-nodes "model.train_model"');
    // the failed node's exception is logged under its task run
    expect(byName['model.train_model']?.logs.some((l) => l.level === 40)).toBe(true);
    const history = RunHistory.forProject(dir);
    expect(await history.read((await history.ids())[0] as string)).toEqual(record);
  });

  it('writes one JSON event per line, every line complete, starting with the run and ending with its outcome', async () => {
    const { dir } = await recordRun(new ThreadRunner());
    const history = RunHistory.forProject(dir);
    const text = readFileSync(history.fileOf((await history.ids())[0] as string), 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(text.endsWith('\n')).toBe(true);
    const events = parseEventLines(text);
    expect(events).toHaveLength(lines.length);
    expect(events[0]?.e).toBe('run');
    expect(events.at(-1)?.e).toBe('done');
    expect(events.filter((e) => e.e === 'start')).toHaveLength(5);
    expect(events.filter((e) => e.e === 'end')).toHaveLength(5);
  });

  it("records the nodes' log lines with no sink wiring: the recorder joins the flow run's sinks for the run", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-viz-rec-'));
    const recorder = new RunRecorder({ history: false });
    const printed: string[] = [];
    const sink = { level: 20, write: (r: { message: string }) => void printed.push(r.message) };
    const prefect = prefectHooks({ client: null, sinks: [sink] });
    for (const runner of [new ThreadRunner(), parallel]) {
      await runner.run(smallPipeline(), smallCatalog(dir), { hooks: [prefect, recorder] });
      const record = recorder.lastRun;
      expect(record?.nodes.find((n) => n.name === 'model.train_model')?.logs.map((l) => l.message)).toEqual([
        'Training on 2 rows with scale 2',
        'Finished in state Completed()',
      ]);
      // the flow run's opening line is logged before the recorder learns the flow run (give the
      // bridge the recorder's sink to keep it); its closing line is recorded
      expect(record?.flowLogs.map((l) => l.message)).toContain('Finished in state Completed()');
    }
    // the bridge's own sinks got every line as well
    expect(printed.filter((m) => m === 'Training on 2 rows with scale 2')).toHaveLength(2);
  });

  it('keeps recording in memory when the history cannot be written, and says so once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-viz-rec-'));
    writeFileSync(join(dir, '.weft'), 'a file where the folder should be');
    const errors: unknown[] = [];
    const recorder = new RunRecorder({ projectDir: dir, onError: (e) => errors.push(e) });
    const prefect = prefectHooks({ client: null, sinks: [recorder.logSink] });
    await new ThreadRunner().run(smallPipeline(), smallCatalog(dir), { hooks: [prefect, recorder] });
    expect(recorder.lastRun?.status).toBe('completed');
    expect(recorder.lastRun?.nodes.every((n) => n.logs.length > 0)).toBe(true);
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message)).toContain(join(dir, '.weft', 'runs'));
  });

  it('caps the log lines kept per run and counts the dropped ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-viz-rec-'));
    const recorder = new RunRecorder({ projectDir: dir, maxLogBytes: 400 });
    const prefect = prefectHooks({ client: null, sinks: [recorder.logSink] });
    await new ThreadRunner().run(smallPipeline(), smallCatalog(dir), { hooks: [prefect, recorder] });
    const record = recorder.lastRun;
    const kept =
      (record?.flowLogs.length ?? 0) + (record?.nodes ?? []).reduce((s, n) => s + n.logs.length, 0);
    expect(kept).toBeGreaterThan(0);
    expect(record?.droppedLogs).toBeGreaterThan(0);
    const history = RunHistory.forProject(dir);
    expect(await history.read((await history.ids())[0] as string)).toEqual(record);
  });
});
