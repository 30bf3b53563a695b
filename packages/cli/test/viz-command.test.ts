/**
 * `weft viz`: the real bin in temporary copies of the fixture project, asked over HTTP what the
 * page shows (the browser tests of the page are @weft/viz's and the starter's): the project's
 * pipelines with catalog facts, parameters and code locations; runs of `weft run` in another process;
 * reloads when the project changes, a broken edit kept out; usage errors; Ctrl-C.
 */
import { createServer } from 'node:net';
import type { ProjectDescription, RunSummary } from '@weft/viz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyProject, type RunningViz, startViz, type TempProject, weft } from './support/projects.js';

const WAIT = { timeout: 60_000, interval: 100 };

async function project(viz: RunningViz): Promise<ProjectDescription> {
  return (await fetch(`${viz.url}api/project`)).json() as Promise<ProjectDescription>;
}

describe('weft viz', () => {
  let fixture: TempProject;
  let viz: RunningViz;

  beforeAll(async () => {
    fixture = await copyProject();
    viz = await startViz(fixture.dir);
  });
  afterAll(async () => {
    await viz?.stop();
    await fixture?.remove();
  });

  it('serves the pipelines: graphs, datasets as catalog.yml says them, parameters, code locations', async () => {
    expect(viz.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(viz.output().stdout).toContain("Weft viewer for 'spaceflights-mini': http://127.0.0.1:");
    expect(viz.output().stdout).toContain('Pipelines: __default__, data_processing, data_science, reporting');
    const p = await project(viz);
    expect(p.name).toBe('spaceflights-mini');
    expect(p.pipelines.map((x) => x.name)).toEqual([
      '__default__',
      'data_processing',
      'data_science',
      'reporting',
    ]);
    const all = p.pipelines[0];
    expect(all?.nodes).toHaveLength(7);
    const summarise = all?.nodes.find((n) => n.name === 'reporting.summarise');
    expect(summarise?.namespace).toBe('reporting');
    expect(summarise?.code?.file).toBe('src/pipelines/reporting/nodes.ts');
    expect(summarise?.code?.functionName).toBe('summarise');
    expect(all?.datasets.find((d) => d.name === 'shuttles')).toMatchObject({
      type: 'pandas.CSVDataset',
      filepath: 'data/01_raw/shuttles.csv',
      layer: 'raw',
    });
    // a dataset factory entry: the catalog object gives type and path
    expect(all?.datasets.find((d) => d.name === 'model_metrics')).toMatchObject({
      type: 'JSONDataset',
      filepath: 'data/08_reporting/model_metrics.json',
    });
    expect(p.parameters).toMatchObject({ preprocessing: { min_capacity: 2 } });
    const page = await (await fetch(viz.url)).text();
    expect(page).toContain('Weft viewer');
  });

  it('lists runs of weft run in another process, on any runner, as they are recorded', async () => {
    const run = await weft(fixture.dir, ['run', '--runner', 'parallel']);
    expect(run.code, run.stderr).toBe(0);
    await expect
      .poll(async () => ((await (await fetch(`${viz.url}api/runs`)).json()) as RunSummary[]).length, WAIT)
      .toBe(1);
    const [summary] = (await (await fetch(`${viz.url}api/runs`)).json()) as RunSummary[];
    expect(summary?.status).toBe('completed');
    const record = (await (await fetch(`${viz.url}api/runs/${summary?.id}`)).json()) as {
      nodes: { status: string }[];
    };
    expect(record.nodes.every((n: { status: string }) => n.status === 'completed')).toBe(true);
  });

  it('reloads the project when src/ or conf/ change, in a fresh process (propagatable ContextVars declared again are fine), and keeps the last good picture when an edit breaks it', async () => {
    // the fixture's src/context.ts declares a propagatable ContextVar: reloading it in this
    // process would declare its name twice
    await fixture.write(
      'src/pipelines/reporting/nodes.ts',
      `${await fixture.read('src/pipelines/reporting/nodes.ts')}\n/** Counts the rows. */\nexport function countRows(rows: unknown[]): number {\n  return rows.length;\n}\n`,
    );
    await fixture.write(
      'src/pipelines/reporting/pipeline.ts',
      (await fixture.read('src/pipelines/reporting/pipeline.ts'))
        .replace(
          "import { summarise } from './nodes.js';",
          "import { countRows, summarise } from './nodes.js';",
        )
        .replace(
          '      node(summarise,',
          "      node(countRows, 'model_input_table', 'row_count', { name: 'count_rows' }),\n      node(summarise,",
        ),
    );
    await expect
      .poll(async () => (await project(viz)).pipelines[0]?.nodes.map((n) => n.name), WAIT)
      .toContain('reporting.count_rows');
    const counted = (await project(viz)).pipelines[0]?.nodes.find((n) => n.name === 'reporting.count_rows');
    expect(counted?.doc).toBe('Counts the rows.');
    expect(viz.output().stderr).toMatch(/weft viz: reloaded the project \(src\/pipelines\/reporting\/\S+ts/);

    // conf/ too
    await fixture.write(
      'conf/base/parameters.yml',
      (await fixture.read('conf/base/parameters.yml')).replace('min_capacity: 2', 'min_capacity: 5'),
    );
    await expect
      .poll(async () => (await project(viz)).parameters?.preprocessing, WAIT)
      .toEqual({ min_capacity: 5 });

    // a broken edit: said on the terminal, the page keeps the last good description
    await fixture.write(
      'conf/base/catalog.yml',
      `${await fixture.read('conf/base/catalog.yml')}\n  bad: [\n`,
    );
    await viz.waitForStderr('the project does not load any more');
    expect(viz.output().stderr).toContain('conf/base/catalog.yml');
    expect((await project(viz)).pipelines[0]?.nodes.map((n) => n.name)).toContain('reporting.count_rows');
  });
});

describe('weft viz refuses what it cannot do (exit 2)', () => {
  let fixture: TempProject;
  beforeAll(async () => {
    fixture = await copyProject();
  });
  afterAll(() => fixture?.remove());

  it('listens on loopback addresses only', async () => {
    const result = await weft(fixture.dir, ['viz', '--host', '0.0.0.0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'weft: error: --host 0.0.0.0: weft viz listens on a loopback address only',
    );
  });

  it('names a port in use', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await weft(fixture.dir, ['viz', '--port', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`weft: error: --port ${port}: the port is in use on 127.0.0.1`);
    } finally {
      server.close();
    }
  });

  it('says where a configuration error is, as weft run does', async () => {
    const broken = await copyProject();
    try {
      await broken.write('conf/base/parameters.yml', 'preprocessing: [\n');
      const result = await weft(broken.dir, ['viz']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^weft: error: conf\/base\/parameters\.yml:\d+:\d+: invalid YAML/m);
    } finally {
      await broken.remove();
    }
  });

  it('stops on Ctrl-C (exit 0)', async () => {
    const viz = await startViz(fixture.dir, ['--no-reload']);
    expect(viz.output().stdout).not.toContain('reloads when');
    const stopped = await viz.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain('weft viz: stopped');
  });
});
