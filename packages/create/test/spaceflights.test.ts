/**
 * The project `npm create @weft` makes (the demo), run as a user runs it: the real `weft` bin on
 * every runner, the project's own vitest tests, what context propagation carries and what breaks
 * without it, a failure and its resume. The workspace's packages stand in for an install here; the
 * release test installs the published ones.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { findRedisServer, REDIS_INSTALL_HINT } from '@weft/distributed';
import { RunHistory, type RunRecord } from '@weft/viz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, type Project, type Result, run, weft } from './support/projects.js';

const NODES = [
  'preprocess_companies',
  'preprocess_shuttles',
  'aggregate_reviews',
  'create_model_input_table',
  'profile_model_input',
  'split_data',
  'linear_regression.train_model',
  'ridge_regression.train_model',
  'linear_regression.evaluate_model',
  'ridge_regression.evaluate_model',
  'build_report',
].sort();

const redis = findRedisServer() !== undefined;
if (!redis && process.env.CI === 'true') {
  throw new Error(
    `redis-server not found; under CI=true the distributed runner must be tested. ${REDIS_INSTALL_HINT}`,
  );
}
const RUNNERS = ['sequential', 'thread', 'parallel', ...(redis ? ['distributed'] : [])];
if (!redis)
  console.warn(`[create] redis-server not found: skipping --runner distributed. ${REDIS_INSTALL_HINT}`);

async function lastRun(project: Project): Promise<RunRecord> {
  const history = RunHistory.forProject(project.dir);
  const [latest] = await history.list();
  return history.read(latest?.id as string);
}

describe('the spaceflights project on every runner', () => {
  let project: Project;
  const runs = new Map<string, { result: Result; record: RunRecord; report: unknown }>();

  beforeAll(async () => {
    project = await generate();
    for (const runner of RUNNERS) {
      const result = await weft(project.dir, ['run', '--runner', runner]);
      runs.set(runner, {
        result,
        record: await lastRun(project),
        report: await project.json('data/08_reporting/report.json').catch(() => undefined),
      });
    }
  }, 600_000);
  afterAll(() => project?.remove());

  it('completes on every runner, with the same report', () => {
    const reports = RUNNERS.map((runner) => {
      const { result, record, report } = runs.get(runner) as NonNullable<ReturnType<typeof runs.get>>;
      expect(result.code, `${runner}: ${result.stderr.slice(-3000)}`).toBe(0);
      expect(result.stdout).toContain('Completed: 11 of 11 nodes ran');
      expect(record.nodes.map((n) => n.name).sort()).toEqual(NODES);
      expect(record.nodes.every((n) => n.status === 'completed')).toBe(true);
      return report;
    });
    const first = reports[0] as { tenant: string; models: Record<string, { r2: number; alpha: number }> };
    expect(first.tenant).toBe('acme-space');
    expect(first.models.linear_regression?.r2).toBeGreaterThan(0.85);
    expect(first.models.ridge_regression?.alpha).toBe(1);
    for (const r of reports) expect(r).toEqual(first);
  });

  it("prints every node's lines under its own task run and records them in the run history, on every runner", () => {
    for (const runner of RUNNERS) {
      const { result, record } = runs.get(runner) as NonNullable<ReturnType<typeof runs.get>>;
      expect(record.flowRunName).toMatch(/^[a-z]+-[a-z]+$/);
      expect(result.stderr).toContain(`| Flow run '${record.flowRunName}' - Beginning flow run`);
      for (const n of record.nodes) {
        expect(n.taskRunName, `${runner} ${n.name}`).toBe(n.name);
        const own = n.logs.filter((l) => l.level >= 20 && !l.message.startsWith('Finished in state'));
        expect(own.length, `${runner} ${n.name} logged`).toBeGreaterThanOrEqual(1);
        for (const line of own) {
          expect(result.stderr, `${runner}: a line of ${n.name}`).toMatch(
            new RegExp(
              `\\| (INFO|WARNING) +\\| Task run '${n.name.replace(/\./g, '\\.')}' - ${escapeRegExp(line.message.split('\n')[0] as string)}`,
            ),
          );
        }
      }
      // the cross-validation fits, tasks of the node's executor, log under the node's task run
      const ridge = record.nodes.find((n) => n.name === 'ridge_regression.train_model');
      expect(ridge?.logs.filter((l) => l.message.startsWith('fold '))).toHaveLength(35);
      // the context variable set before the run reached the node, wherever it ran
      expect(result.stderr).toContain("for tenant 'acme-space' (a context variable set before the run)");
    }
  });

  it('says where each node ran: the main thread, worker threads, weft-worker processes', () => {
    for (const runner of RUNNERS) {
      const { result, record } = runs.get(runner) as NonNullable<ReturnType<typeof runs.get>>;
      expect(result.stdout).toMatch(/│ Node\s+│ Status\s+│ Thread\s+│ Duration\s+│ Task run/);
      for (const n of record.nodes) {
        const thread = n.thread ?? '';
        const pid = Number(/\(pid (\d+)\)$/.exec(thread)?.[1]);
        if (runner === 'parallel') expect(thread, n.name).toMatch(/^worker \d+ \(pid \d+\)$/);
        else expect(thread, n.name).toMatch(/^main \(pid \d+\)$/);
        if (runner === 'distributed') expect(pid, `${n.name} ran in a weft-worker`).not.toBe(record.pid);
        else expect(pid, n.name).toBe(record.pid);
      }
    }
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('the spaceflights project, as its README says', () => {
  let project: Project;
  beforeAll(async () => {
    project = await generate();
    const first = await weft(project.dir, ['run', '--report', 'data/08_reporting/run-report.html']);
    expect(first.code, first.stderr).toBe(0);
  });
  afterAll(() => project?.remove());

  it('passes its own tests (npm test: vitest)', async () => {
    const vitest = join(project.dir, 'node_modules', 'vitest', 'vitest.mjs');
    const result = await run(process.execPath, [vitest, 'run'], project.dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Test Files\s+5 passed/);
  });

  it('writes the run report it was asked for', async () => {
    const html = await project.read('data/08_reporting/run-report.html');
    expect(html).toContain('ridge_regression.train_model');
    expect(html).toContain('Content-Security-Policy');
  });

  it('--no-context: nodes start in an empty context, the tenant does not arrive, and weft says why', async () => {
    const result = await weft(project.dir, ['run', '--no-context', '--runner', 'thread']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /\| WARNING \| Task run 'profile_model_input' - Profiling \d+ rows, tenant \(not set\): the value set before the run did not reach this node/,
    );
    expect(result.stderr).toContain('Ran with context propagation off (--no-context)');
    expect((await project.json<{ tenant: string }>('data/08_reporting/report.json')).tenant).toBe(
      '(not set)',
    );
  });

  it('an executor that drops the context: MissingContextError in the fits, explained, and the command that resumes', async () => {
    const result = await weft(project.dir, [
      'run',
      '--runner',
      'parallel',
      '--params',
      'cv_executor.propagate_context=false',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Error in node 'ridge_regression.train_model': MissingContextError");
    expect(result.stderr).toContain(
      "Node 'ridge_regression.train_model' called getRunLogger() where no flow run or task run was bound",
    );
    expect(result.stderr).toContain('PrefectHQ/prefect#8652');
    const resume = /To resume, run:\n {2}(.+)\n/.exec(result.stderr)?.[1] ?? '';
    expect(resume).toContain('--from-nodes split_data');
    const record = await lastRun(project);
    expect(record.status).toBe('failed');
    expect(record.nodes.find((n) => n.name === 'ridge_regression.train_model')?.status).toBe('failed');
    expect(record.nodes.find((n) => n.name === 'build_report')?.status).toBe('not-run');
    // resuming with context: the nodes from split_data on
    const resumed = await weft(project.dir, ['run', '--runner', 'parallel', '--from-nodes', 'split_data']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('Completed: 6 of 6 nodes ran');
  });

  it('--only-missing-outputs skips what is on disk; a removed output reruns only what it needs', async () => {
    const all = await weft(project.dir, ['run', '--only-missing-outputs']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toContain('Skipping all 11 nodes (all persistent outputs exist)');
    await rm(join(project.dir, 'data', '08_reporting', 'report.json'));
    const some = await weft(project.dir, ['run', '--only-missing-outputs']);
    expect(some.code, some.stderr).toBe(0);
    const record = await lastRun(project);
    // the report needs the metrics and models (files, kept); nothing upstream reruns
    expect(record.nodes.filter((n) => n.status === 'completed').map((n) => n.name)).toEqual(['build_report']);
  });

  it('runs one registered pipeline, and fails on a bad parameter naming it', async () => {
    const dp = await weft(project.dir, ['run', '--pipeline', 'data_processing']);
    expect(dp.code, dp.stderr).toBe(0);
    expect(dp.stdout).toContain('Completed: 4 of 4 nodes ran');
    const bad = await weft(project.dir, ['run', '--params', 'split_options.test_size=2']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      "Error in node 'split_data': DataError: params:split_options.test_size must be in (0, 1), got 2",
    );
  });
});

describe('the skeleton (--no-example)', () => {
  let project: Project;
  beforeAll(async () => {
    project = await generate(false);
  });
  afterAll(() => project?.remove());

  it('has no pipeline yet; the README’s first pipeline runs as written', async () => {
    const empty = await weft(project.dir, ['run']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('weft: error: pipeline __default__ has no nodes');
    const readme = await project.read('README.md');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const [nodes, pipeline] = code.split('// src/pipelines/greeting/pipeline.ts\n');
    await project.write('src/pipelines/greeting/nodes.ts', (nodes ?? '').replace(/^\/\/.*\n/, ''));
    await project.write('src/pipelines/greeting/pipeline.ts', pipeline ?? '');
    await project.write('conf/base/parameters.yml', 'name: World\n');
    const result = await weft(project.dir, ['run', '--runner', 'parallel']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Completed: 1 of 1 nodes ran');
    const vitest = join(project.dir, 'node_modules', 'vitest', 'vitest.mjs');
    const tests = await run(process.execPath, [vitest, 'run', '--passWithNoTests'], project.dir);
    expect(tests.code, tests.stdout + tests.stderr).toBe(0);
  });
});
