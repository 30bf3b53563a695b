/**
 * Every `weft run` is recorded in the project's run history (`.weft/runs/`, what `weft viz`
 * shows), `--no-history` leaves it out, and `--report <path>.html` writes the self-contained run
 * report of `@weft/viz`: the real bin in temporary copies of the fixture project.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunHistory } from '@weft/viz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyProject, type TempProject, weft } from './support/projects.js';

const ALL_NODES = [
  'preprocess_companies',
  'preprocess_shuttles',
  'create_model_input_table',
  'split_data',
  'train_model',
  'evaluate_model',
  'reporting.summarise',
];

/** The fixture's reporting node, logging through the run logger with the thread it runs on. */
const LOGGING_NODES = `import { isMainThread, threadId } from 'node:worker_threads';
import { getRunLogger } from '@weft/prefect-bridge';
import { tenantVar } from '../../context.js';

export function summarise(
  table: unknown[],
  model: { slope: number; alpha: number },
  reporting: { label: string; run_label: string },
  status: { user: string },
) {
  const log = getRunLogger({ thread: isMainThread ? 'main' : \`worker \${threadId}\` });
  log.info(\`Summarising \${table.length} rows\`);
  return { rows: table.length, slope: model.slope, alpha: model.alpha, label: reporting.label, run_label: reporting.run_label, user: status.user, tenant: tenantVar.get('(not set)') };
}
`;

describe('weft run records every run in the run history', () => {
  let project: TempProject;

  beforeAll(async () => {
    project = await copyProject();
    // a project that uses the Prefect bridge gets the run context: flow run, task runs, log lines
    await project.write(
      'package.json',
      '{ "name": "spaceflights-mini", "private": true, "type": "module", "dependencies": { "@weft/prefect-bridge": "*" } }\n',
    );
    await project.write('src/pipelines/reporting/nodes.ts', LOGGING_NODES);
  });
  afterAll(() => project?.remove());

  it('records a run with its graph, catalog facts, statuses, task runs, threads and log lines, and writes the HTML report', async () => {
    const result = await weft(project.dir, ['run', '--runner', 'parallel', '--report', 'out/run.html']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      "Run report: out/run.html (open it in a browser: graph, statuses, each node's logs)",
    );
    // the summary shows where each node ran, as its log records say
    expect(result.stdout).toMatch(/│ reporting\.summarise\s+│ completed │ worker \d+\s+│/);

    const history = RunHistory.forProject(project.dir);
    const [summary, ...others] = await history.list();
    expect(others).toEqual([]);
    const run = await history.read(summary?.id as string);
    expect(run.status).toBe('completed');
    expect(run.project).toBe('spaceflights-mini');
    expect(run.pipeline).toBe('__default__');
    expect(run.runner).toMatch(/^parallel \(\d+ worker threads\)$/);
    expect(run.reportedTo).toBe('local (no server)');
    expect(run.userContext).toEqual({
      env: 'local',
      command: 'weft run --runner parallel --report out/run.html',
    });
    expect(run.nodes.map((n) => [n.name, n.status])).toEqual(ALL_NODES.map((n) => [n, 'completed']));
    expect(run.flowRunName).toMatch(/^[a-z]+-[a-z]+$/);
    for (const n of run.nodes) expect(n.taskRunName, n.name).toBe(n.name);
    const summarise = run.nodes.find((n) => n.name === 'reporting.summarise');
    expect(summarise?.thread).toMatch(/^worker \d+$/);
    expect(summarise?.logs.map((l) => l.message)).toContainEqual(
      expect.stringMatching(/^Summarising \d+ rows$/),
    );
    // datasets as catalog.yml says them: configured type, path as written, Kedro-Viz layer
    expect(run.datasets.find((d) => d.name === 'shuttles')).toEqual({
      name: 'shuttles',
      type: 'pandas.CSVDataset',
      kind: 'file',
      filepath: 'data/01_raw/shuttles.csv',
      layer: 'raw',
    });

    const html = await project.read('out/run.html');
    expect(html).toContain('Content-Security-Policy');
    expect(html).toMatch(/Summarising \d+ rows/);
    expect(html).toContain(run.runId);
  });

  it('records a failed run with the failed node, its error and the command that resumes it', async () => {
    const result = await weft(project.dir, ['run', '--runner', 'thread'], {
      env: { WEFT_TEST_FAIL_AT: 'evaluate_model' },
    });
    expect(result.code).toBe(1);
    const history = RunHistory.forProject(project.dir);
    const [latest] = await history.list();
    const run = await history.read(latest?.id as string);
    expect(run.status).toBe('failed');
    const failed = run.nodes.find((n) => n.name === 'evaluate_model');
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toBe('Error: evaluate_model failed on purpose');
    expect(run.resumeFromNodes?.length).toBeGreaterThan(0);
    // the hint is the command weft printed to resume
    const printed = /To resume, run:\n {2}(.+)\n/.exec(result.stderr)?.[1];
    expect(printed).toBeDefined();
    expect(run.resumeHint).toBe(printed);
  });

  it('--no-history leaves the history alone and still writes the report', async () => {
    const before = await readdir(join(project.dir, '.weft', 'runs'));
    const result = await weft(project.dir, ['run', '--no-history', '--report', 'out/quiet.html']);
    expect(result.code, result.stderr).toBe(0);
    expect(await readdir(join(project.dir, '.weft', 'runs'))).toEqual(before);
    expect(await project.read('out/quiet.html')).toMatch(/Summarising \d+ rows/);
  });

  it('warns once and completes the run when the history cannot be written', async () => {
    const other = await copyProject();
    try {
      // .weft/runs is a file: no run file can be created in it
      await mkdir(join(other.dir, '.weft'), { recursive: true });
      await writeFile(join(other.dir, '.weft', 'runs'), 'not a folder\n');
      const result = await weft(other.dir, ['run', '--report', 'out/run.html']);
      expect(result.code, result.stderr).toBe(0);
      const warnings = result.stderr.match(/this run is not recorded in the run history/g) ?? [];
      expect(warnings).toHaveLength(1);
      expect(await readFile(join(other.dir, 'out', 'run.html'), 'utf8')).toContain('preprocess_companies');
    } finally {
      await other.remove();
    }
  });

  it('says why when the report cannot be written (exit 1), after a completed run', async () => {
    await project.write('blocked', 'a file where a folder should be\n');
    const result = await weft(project.dir, ['run', '--no-history', '--report', 'blocked/run.html']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Completed: 7 of 7 nodes ran');
    expect(result.stderr).toMatch(/weft: error: cannot write blocked\/run\.html: /);
  });
});
