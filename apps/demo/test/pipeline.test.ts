import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatConsoleRecord } from '@weft/prefect-bridge';
import { beforeAll, describe, expect, it } from 'vitest';
import { NOT_SET } from '../src/nodes.js';
import { NODE_NAMES } from '../src/pipeline.js';
import { type CapturedRun, runCli, tempDataDir } from './support/demo-run.js';

const RUNNERS = ['sequential', 'thread', 'parallel'] as const;

describe('the spaceflights pipeline on every runner', () => {
  const dataDir = tempDataDir();
  const runs = new Map<string, CapturedRun>();

  beforeAll(async () => {
    for (const runner of RUNNERS) runs.set(runner, await runCli(dataDir, ['--runner', runner]));
  }, 180_000);

  it('has about ten nodes with fan-out and fan-in', () => {
    expect(NODE_NAMES.length).toBeGreaterThanOrEqual(10);
    const run = runs.get('thread') as CapturedRun;
    const producers = new Map<string, string>();
    for (const n of run.record?.nodes ?? []) for (const o of n.outputs) producers.set(o, n.name);
    const consumers = new Map<string, number>();
    for (const n of run.record?.nodes ?? [])
      for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
    expect([...consumers.values()].some((c) => c >= 2)).toBe(true); // fan-out
    const fanIn = (run.record?.nodes ?? []).filter(
      (n) => n.inputs.filter((i) => producers.has(i)).length >= 3,
    );
    expect(fanIn.map((n) => n.name)).toEqual(
      expect.arrayContaining(['create_model_input_table', 'build_report']),
    );
  });

  it('completes on all three runners with identical metrics and the same JSON report', async () => {
    const reports = RUNNERS.map((r) => {
      const run = runs.get(r) as CapturedRun;
      expect(run.exitCode, `${r}: ${run.stderr.slice(-2000)}`).toBe(0);
      expect(run.record?.status).toBe('completed');
      expect(run.record?.nodes.every((n) => n.status === 'completed')).toBe(true);
      return run.report;
    });
    expect(reports[0]?.models.linear_regression?.r2).toBeGreaterThan(0.8);
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[2]).toEqual(reports[0]);
    expect(reports[0]?.tenant).toBe('acme-space');
    const onDisk = JSON.parse(await readFile(join(dataDir, '08_reporting', 'report.json'), 'utf8'));
    expect(onDisk).toEqual(reports[0]);
    expect((runs.get('thread') as CapturedRun).stdout).toMatch(
      /linear_regression\s+R²=0\.\d{4}\s+MAE=\d+\.\d\s+RMSE=\d+\.\d/,
    );
  });

  it('writes the raw data once, deterministically, and the datasets under the data folder', async () => {
    const first = runs.get('sequential') as CapturedRun;
    expect(first.stderr).toMatch(
      /First run: generated synthetic input data in .*01_raw \(600 companies, 1800 shuttles, \d+ reviews\)/,
    );
    expect((runs.get('thread') as CapturedRun).stderr).not.toMatch(/First run/);
    const shuttles = await readFile(join(dataDir, '01_raw', 'shuttles.csv'), 'utf8');
    expect(shuttles.split('\n')[0]).toBe(
      'id,shuttle_location,shuttle_type,engine_type,engine_vendor,engines,passenger_capacity,cancellation_policy,crew,d_check_complete,moon_clearance_complete,price,company_id',
    );
    const table = await readFile(join(dataDir, '03_primary', 'model_input_table.csv'), 'utf8');
    expect(table.split('\n').length).toBeGreaterThan(1000);
    const model = JSON.parse(await readFile(join(dataDir, '06_models', 'ridge_regression.json'), 'utf8'));
    expect(model.name).toBe('ridge_regression');
  });

  it("tags every node's log lines with its own task run, on every runner, worker threads included", () => {
    for (const runner of RUNNERS) {
      const run = runs.get(runner) as CapturedRun;
      const record = run.record;
      if (record === undefined) throw new Error('no record');
      for (const n of record.nodes) {
        expect(n.taskRunName, `${runner}/${n.name}`).toBe(n.name);
        const own = run.records.filter((r) => r.taskRunId === n.taskRunId);
        expect(own.length, `${runner}/${n.name} logged`).toBeGreaterThanOrEqual(2);
        for (const r of own) {
          expect(r.name).toBe('prefect.task_runs');
          expect(r.extra.task_run_name).toBe(n.name);
          expect(r.flowRunId).toBe(record.flowRunId);
          expect(r.extra.flow_run_name).toBe(record.flowRunName);
        }
        // what the console printed: every INFO+ line of the node, naming its task run
        const printed = new Set(run.stderr.split('\n'));
        const lines = own
          .filter((r) => r.level >= 20)
          .map((r) => formatConsoleRecord(r).split('\n')[0] as string);
        // the run report keeps the same lines under the node
        expect(n.logs.filter((l) => l.level >= 20).map((l) => l.message)).toEqual(
          own.filter((r) => r.level >= 20).map((r) => r.message),
        );
        expect(lines.length).toBeGreaterThanOrEqual(2);
        for (const line of lines) {
          expect(printed.has(line), `${runner}: '${line}' printed`).toBe(true);
          expect(line).toMatch(
            new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\| (INFO|WARNING) +\\| Task run '${n.name}' - `),
          );
        }
        if (runner === 'parallel') expect(n.thread).toMatch(/^worker \d+$/);
        else expect(n.thread).toBe('main');
      }
      // the cross-validation fits, tasks of an executor inside the node, log under that node's task run
      const ridge = record.nodes.find((n) => n.name === 'train_ridge_regression');
      const folds = run.records.filter((r) => r.message.startsWith('fold '));
      expect(folds).toHaveLength(35);
      for (const r of folds) expect(r.taskRunId).toBe(ridge?.taskRunId);
      // a plain user ContextVar set before the run reached the nodes
      expect(run.stderr).toContain("for tenant 'acme-space' (a user ContextVar set before the run)");
      // flow-run lines name the flow run
      expect(run.stderr).toMatch(new RegExp(`\\| Flow run '${record.flowRunName}' - Beginning flow run`));
    }
  });

  it('prints a summary table: node, runner thread, duration, status', () => {
    const out = (runs.get('parallel') as CapturedRun).stdout;
    expect(out).toMatch(/Node\s+│ Status\s+│ Runner thread\s+│ Duration\s+│ Task run/);
    for (const name of NODE_NAMES)
      expect(out).toMatch(
        new RegExp(`│ ${name}\\s+│ completed\\s+│ worker \\d+\\s+│\\s+\\d+(\\.\\d+)? m?s │`),
      );
    expect(out).toMatch(/Completed: 11 of 11 nodes ran in .* on the parallel runner/);
  });
});

describe('options', () => {
  const dataDir = tempDataDir();

  it('--only-missing skips nodes whose outputs exist; deleting the report reruns only what it needs', async () => {
    const first = await runCli(dataDir, ['--runner', 'sequential']);
    expect(first.exitCode).toBe(0);
    const again = await runCli(dataDir, ['--only-missing']);
    expect(again.exitCode).toBe(0);
    expect(again.record?.nodes.every((n) => n.status === 'skipped')).toBe(true);
    expect(again.stderr).toContain('Skipping all 11 nodes (all persistent outputs exist)');
    const { rm } = await import('node:fs/promises');
    await rm(join(dataDir, '08_reporting', 'report.json'));
    const partial = await runCli(dataDir, ['--only-missing']);
    const ran = partial.record?.nodes.filter((n) => n.status === 'completed').map((n) => n.name);
    // the report needs the metrics (memory), which need the test set (memory): split and evaluation rerun,
    // the models (JSON files) and the cleaned tables (CSV files) are reused
    expect(ran?.sort()).toEqual(
      [
        'build_report',
        'evaluate_linear_regression',
        'evaluate_ridge_regression',
        'profile_model_input',
        'split_data',
      ].sort(),
    );
    expect(partial.report).toEqual(first.report);
  });

  it('--from-nodes / --to-nodes / --tags filter the pipeline', async () => {
    const to = await runCli(dataDir, ['--to-nodes', 'create_model_input_table']);
    expect(to.record?.nodes.map((n) => n.name).sort()).toEqual([
      'aggregate_reviews',
      'create_model_input_table',
      'preprocess_companies',
      'preprocess_shuttles',
    ]);
    const tags = await runCli(dataDir, ['--tags', 'data_processing']);
    expect(tags.record?.nodes).toHaveLength(4);
    const from = await runCli(dataDir, ['--from-nodes', 'train_linear_regression', '--tags', 'linear']);
    expect(from.exitCode, from.stderr).toBe(1); // train_set is a memory dataset: nobody produced it in this run
    expect(from.stderr).toMatch(/train_set/);
  });

  it('a failing node: non-zero exit, failed summary, and the resume hint', async () => {
    const run = await runCli(dataDir, ['--fail-at', 'train_linear_regression', '--runner', 'parallel']);
    expect(run.exitCode).toBe(1);
    const failed = run.record?.nodes.find((n) => n.name === 'train_linear_regression');
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(
      /SimulatedFailureError: Simulated failure in node 'train_linear_regression'/,
    );
    expect(run.record?.nodes.find((n) => n.name === 'build_report')?.status).toBe('not-run');
    expect(run.stdout).toMatch(/│ train_linear_regression\s+│ failed/);
    expect(run.stdout).toMatch(/FAILED: \d+ of 11 nodes ran/);
    expect(run.stderr).toContain(
      "Run failed in node 'train_linear_regression': SimulatedFailureError: Simulated failure in node 'train_linear_regression' (requested with --fail-at train_linear_regression)",
    );
    expect(run.stderr).toContain('npx pnpm@10.34.9 demo -- --from-nodes "profile_model_input,split_data"');
    const resumed = await runCli(dataDir, ['--from-nodes', 'profile_model_input,split_data']);
    expect(resumed.exitCode).toBe(0);
    expect(resumed.record?.nodes).toHaveLength(7);
  });
});

describe('--no-context', () => {
  const dataDir = tempDataDir();

  for (const runner of RUNNERS) {
    it(`shows what breaks without propagation on the ${runner} runner: MissingContextError, explained`, async () => {
      const run = await runCli(dataDir, ['--no-context', '--runner', runner]);
      expect(run.exitCode).toBe(1);
      expect(run.error).toBeDefined();
      expect(run.stderr).toContain(
        "getRunLogger() raised MissingContextError in node 'train_ridge_regression': There is no active flow or task run context.",
      );
      expect(run.stderr).toContain('What breaks with context propagation off (--no-context):');
      expect(run.stderr).toContain('PrefectHQ/prefect#8652');
      expect(run.stderr).toContain(`for tenant '${NOT_SET}'`);
      expect(run.stderr).not.toContain('To resume');
      expect(run.record?.nodes.find((n) => n.name === 'train_ridge_regression')?.status).toBe('failed');
    });
  }
});
