/**
 * `weft run` end to end: a Kedro-style project copied into a temporary folder, run by the real
 * `weft` bin (bin/weft.js → dist) in a child process, on every runner.
 */
import { mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { findRedisServer } from '@weft/distributed';
import type { Pipeline, PipelineFilter } from '@weft/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject, type RunRecord } from '../src/index.js';
import {
  copyProject,
  shell,
  type TempProject,
  WEFT_BIN,
  weft,
  weftInProcess,
  weftInterrupted,
} from './support/projects.js';

const skipWithoutRedis = findRedisServer() === undefined && process.env.CI !== 'true';
if (skipWithoutRedis) {
  console.warn(
    '\n[@weft/cli] redis-server not found: skipping --runner distributed (apt-get install redis-server).\n',
  );
}

interface Summary {
  rows: number;
  slope: number;
  alpha: number;
  label: string;
  run_label: string;
  user: string;
  tenant: string;
}

async function record(project: TempProject, file = 'out/run.json'): Promise<RunRecord> {
  return project.json<RunRecord>(file);
}

const ALL_NODES = [
  'create_model_input_table',
  'evaluate_model',
  'preprocess_companies',
  'preprocess_shuttles',
  'reporting.summarise',
  'split_data',
  'train_model',
];

function ran(r: RunRecord): string[] {
  return r.nodes
    .filter((n) => n.status === 'completed')
    .map((n) => n.name)
    .sort();
}

describe('weft run on every runner', () => {
  const runners = [
    { runner: 'sequential', skip: false },
    { runner: 'thread', skip: false },
    { runner: 'parallel', skip: false },
    { runner: 'distributed', skip: skipWithoutRedis },
  ];
  const results = new Map<string, { metrics: unknown; summary: Summary; noContext: Summary }>();

  it.each(runners)(
    'runs the whole project with $runner, context included, and without it (--no-context)',
    async ({ runner, skip }) => {
      if (skip) return;
      const project = await copyProject();
      try {
        const result = await weft(project.dir, ['run', '--runner', runner, '--report', 'out/run.json']);
        expect(result.code, result.stderr).toBe(0);
        const r = await record(project);
        expect(r.status).toBe('completed');
        expect(r.runner).toBe(runner);
        expect(ran(r)).toEqual(ALL_NODES);
        expect(result.stdout).toContain(`Completed: 7 of 7 nodes ran`);
        const summary = await project.json<Summary>('data/08_reporting/summary.json');
        expect(summary.tenant).toBe('acme-space');
        const metrics = await project.json('data/08_reporting/model_metrics.json');
        const without = await weft(project.dir, ['run', '--runner', runner, '--no-context']);
        expect(without.code, without.stderr).toBe(0);
        const noContext = await project.json<Summary>('data/08_reporting/summary.json');
        expect(noContext.tenant).toBe('(not set)');
        results.set(runner, { metrics, summary, noContext });
      } finally {
        await project.remove();
      }
    },
  );

  it('gives the same outputs on every runner', () => {
    const sequential = results.get('sequential');
    expect(sequential).toBeDefined();
    for (const [runner, r] of results) {
      expect(r.metrics, runner).toEqual(sequential?.metrics);
      expect(r.summary, runner).toEqual(sequential?.summary);
    }
  });
});

describe('weft run flags select nodes as Kedro does', () => {
  let project: TempProject;
  // The project's own pipelines, loaded in this process (the usage errors below run main() here too).
  let full: Readonly<Record<string, Pipeline>>;

  beforeAll(async () => {
    project = await copyProject();
    full = (await loadProject({ projectDir: project.dir })).pipelines;
    const first = await weft(project.dir, ['run']);
    expect(first.code, first.stderr).toBe(0);
  });
  afterAll(async () => {
    await project.remove();
  });

  const cases: [string[], () => string[]][] = [
    [['--pipeline', 'data_processing'], () => full.data_processing?.nodeNames ?? []],
    [
      ['--pipeline', 'data_science,reporting'],
      () => full.data_science?.add(full.reporting as never).nodeNames ?? [],
    ],
    [
      ['--nodes', 'preprocess_companies,reporting.summarise'],
      () => filter({ nodeNames: ['preprocess_companies', 'reporting.summarise'] }),
    ],
    [['--from-nodes', 'split_data'], () => filter({ fromNodes: ['split_data'] })],
    [['--to-nodes', 'create_model_input_table'], () => filter({ toNodes: ['create_model_input_table'] })],
    [['--from-inputs', 'model_input_table'], () => filter({ fromInputs: ['model_input_table'] })],
    [['--to-outputs', 'regressor'], () => filter({ toOutputs: ['regressor'] })],
    [['--tags', 'training'], () => filter({ tags: ['training'] })],
    [['-t', 'training', '-t', 'preprocessing'], () => filter({ tags: ['training', 'preprocessing'] })],
    [['--namespaces', 'reporting'], () => filter({ nodeNamespaces: ['reporting'] })],
    [
      ['--tags', 'preprocessing', '--to-nodes', 'preprocess_shuttles'],
      () => filter({ tags: ['preprocessing'], toNodes: ['preprocess_shuttles'] }),
    ],
    [
      ['--from-nodes', 'split_data', '--to-nodes', 'train_model'],
      () => filter({ fromNodes: ['split_data'], toNodes: ['train_model'] }),
    ],
  ];

  function filter(f: PipelineFilter): string[] {
    return (full.__default__ as NonNullable<typeof full.__default__>).filter(f).nodeNames;
  }

  it.each(cases)('weft run %j runs the nodes Pipeline.filter selects', async (args, expected) => {
    const result = await weft(project.dir, ['run', ...args, '--report', 'out/flags.json']);
    expect(result.code, result.stderr).toBe(0);
    const r = await record(project, 'out/flags.json');
    const want = expected();
    expect(want.length).toBeGreaterThan(0);
    expect(r.nodes.map((n) => n.name).sort()).toEqual([...want].sort());
    expect(ran(r)).toEqual([...want].sort());
  });

  it('--only-missing-outputs skips what exists and reruns what a missing output needs', async () => {
    const all = await weft(project.dir, ['run', '--only-missing-outputs', '--report', 'out/missing.json']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toContain('Skipping all 7 nodes (all persistent outputs exist)');
    expect((await record(project, 'out/missing.json')).skipped).toHaveLength(7);
    const { rm } = await import('node:fs/promises');
    await rm(join(project.dir, 'data/08_reporting/model_metrics.json'));
    const some = await weft(project.dir, ['run', '--only-missing-outputs', '--report', 'out/missing.json']);
    expect(some.code, some.stderr).toBe(0);
    expect(ran(await record(project, 'out/missing.json'))).toEqual(['evaluate_model', 'split_data']);
  });

  it.each([
    [
      ['--tags', 'nosuch'],
      "--tags: no tag named 'nosuch' in pipeline __default__. Tags: evaluation, preprocessing, reporting, training",
    ],
    [['--tags', 'training,nosuch'], "--tags: no tag named 'nosuch'"],
    [
      ['--nodes', 'nope'],
      "--nodes: no node named 'nope' in pipeline __default__. Nodes: create_model_input_table, evaluate_model, preprocess_companies",
    ],
    [['--from-nodes', 'nope'], "--from-nodes: no node named 'nope'"],
    [
      ['--to-outputs', 'nope'],
      "--to-outputs: no dataset named 'nope' in pipeline __default__. Datasets: X_test, X_train, api_status",
    ],
    [
      ['--namespaces', 'nope'],
      "--namespaces: no namespace named 'nope' in pipeline __default__. Namespaces: reporting",
    ],
    [
      ['--pipeline', 'nope'],
      "--pipeline: no pipeline named 'nope' in src/pipeline-registry.ts. Pipelines: __default__, data_processing, data_science, reporting",
    ],
    [
      ['--tags', 'training', '--namespaces', 'reporting'],
      '--tags training and --namespaces reporting: each selects nodes, but no node is selected by all of them',
    ],
    [
      ['--runner', 'sequential', '--max-workers', '2'],
      '--max-workers: the sequential runner runs one node at a time',
    ],
    [['--params', 'model_options.alpha'], "--params: 'model_options.alpha' is not key=value"],
    [['--load-versions', 'regressor'], "--load-versions: 'regressor' is not dataset:version"],
    [['--env', 'nosuch'], '--env nosuch: there is no conf/nosuch/ folder. Environments: base, local, prod'],
    [['--report', 'out/run.txt'], '--report out/run.txt: name a .html file (the run report) or a .json file'],
    [['--prefect-required'], '--prefect-required goes with --prefect'],
    [['--bogus'], "unknown option '--bogus'"],
    [['--runner', 'fast'], "argument 'fast' is invalid"],
    // pnpm's `pnpm <script> -- …` passes the `--` on: what follows is still read as options
    [['--report', 'out/r.json', '--', '--runner', 'fast'], "argument 'fast' is invalid"],
  ])('weft run %j is a usage error naming the fault (exit 2)', async (args, message) => {
    const result = await weftInProcess(project.dir, ['run', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toMatch(/weft: error: /);
  });

  it("accepts Kedro's runner class names and --pipelines / --namespace spellings", async () => {
    const result = await weft(project.dir, [
      'run',
      '--runner',
      'ThreadRunner',
      '--pipelines',
      'reporting',
      '--namespace',
      'reporting',
      '--report',
      'out/k.json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const r = await record(project, 'out/k.json');
    expect([r.runner, ran(r)]).toEqual(['thread', ['reporting.summarise']]);
  });
});

describe('weft run configuration: --params, --env, --conf-source, credentials', () => {
  let project: TempProject;
  beforeAll(async () => {
    project = await copyProject();
  });
  afterAll(async () => {
    await project.remove();
  });

  it('--params overrides nested values, typed by YAML, and warns about keys the parameters lack', async () => {
    const result = await weft(project.dir, [
      'run',
      '--params',
      'model_options.alpha=100,preprocessing.min_capacity=3',
      '--params',
      'reporting.settings.label=from the command line,model_options.alpah=1',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const summary = await project.json<Summary>('data/08_reporting/summary.json');
    expect(summary.alpha).toBe(100);
    expect(summary.label).toBe('from the command line');
    expect(summary.rows).toBe(5); // capacity >= 3: 5 of 8 shuttles
    expect(result.stderr).toContain(
      "--params: 'model_options.alpah' is not in the project's parameters; it is added",
    );
  });

  it('conf/local overlays conf/base; --env prod overlays conf/prod instead; runtime_params and oc.env interpolate', async () => {
    const local = await weft(project.dir, ['run', '--pipeline', 'reporting'], {
      env: { WEFT_TEST_TOKEN: 'from-env' },
    });
    expect(local.code, local.stderr).toBe(0);
    const l = await project.json<Summary>('data/08_reporting/summary.json');
    expect([l.label, l.run_label, l.user]).toEqual(['local', 'no-label', 'token:from-env']);
    const prod = await weft(project.dir, [
      'run',
      '--pipeline',
      'reporting',
      '--env',
      'prod',
      '--params',
      'label=nightly',
    ]);
    expect(prod.code, prod.stderr).toBe(0);
    const p = await project.json<Summary>('data/08_reporting/summary.json');
    expect([p.label, p.run_label, p.user]).toEqual(['prod', 'prod-nightly', 'token:prod-token']);
    expect(prod.stdout).toContain('env prod');
  });

  it('--conf-source reads another configuration folder', async () => {
    const { cp } = await import('node:fs/promises');
    await cp(join(project.dir, 'conf'), join(project.dir, 'other-conf'), { recursive: true });
    await project.write(
      'other-conf/local/parameters_reporting.yml',
      'reporting:\n  settings:\n    label: other\n    run_label: x\n',
    );
    const result = await weft(project.dir, ['run', '--pipeline', 'reporting', '--conf-source', 'other-conf']);
    expect(result.code, result.stderr).toBe(0);
    expect((await project.json<Summary>('data/08_reporting/summary.json')).label).toBe('other');
  });
});

describe('dataset versioning from the command line', () => {
  it('versioned outputs accumulate, are never overwritten, and --load-versions pins the one to read', async () => {
    const project = await copyProject();
    try {
      const first = await weft(project.dir, ['run', '--report', 'out/first.json']);
      expect(first.code, first.stderr).toBe(0);
      const v1 = (await record(project, 'out/first.json')).saveVersion as string;
      const regressorV1 = await project.read(`data/06_models/regressor.json/${v1}/regressor.json`);
      const second = await weft(project.dir, [
        'run',
        '--params',
        'model_options.alpha=1000',
        '--report',
        'out/second.json',
      ]);
      expect(second.code, second.stderr).toBe(0);
      const r2 = await record(project, 'out/second.json');
      const v2 = r2.saveVersion as string;
      expect(v2 > v1).toBe(true);
      expect(r2.savedVersions.map((v) => v.dataset).sort()).toEqual(['model_input_table', 'regressor']);
      expect(second.stdout).toContain(`Saved version ${v2}:`);
      expect((await readdir(join(project.dir, 'data/06_models/regressor.json'))).sort()).toEqual([v1, v2]);
      expect((await readdir(join(project.dir, 'data/03_primary/model_input_table.csv'))).sort()).toEqual([
        v1,
        v2,
      ]);
      expect(await project.read(`data/06_models/regressor.json/${v1}/regressor.json`)).toBe(regressorV1);

      // newest by default
      const latest = await weft(project.dir, ['run', '--pipeline', 'reporting']);
      expect(latest.code, latest.stderr).toBe(0);
      expect((await project.json<Summary>('data/08_reporting/summary.json')).alpha).toBe(1000);
      // pinned
      const pinned = await weft(project.dir, [
        'run',
        '--pipeline',
        'reporting',
        '--load-versions',
        `regressor:${v1}`,
      ]);
      expect(pinned.code, pinned.stderr).toBe(0);
      expect((await project.json<Summary>('data/08_reporting/summary.json')).alpha).toBe(1);
      expect(pinned.stdout).toContain(`Loaded versions: regressor:${v1}`);

      const missing = await weft(project.dir, [
        'run',
        '--pipeline',
        'reporting',
        '--load-versions',
        'regressor:2000-01-01T00.00.00.000Z',
      ]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(
        "--load-versions regressor:2000-01-01T00.00.00.000Z: Did not find version '2000-01-01T00.00.00.000Z'",
      );
      expect(missing.stderr).toContain(`Versions found, newest first: ${v2}, ${v1}.`);
      const unversioned = await weft(project.dir, ['run', '--load-versions', 'companies:v1']);
      expect(unversioned.code).toBe(2);
      expect(unversioned.stderr).toContain(
        "--load-versions: dataset 'companies' is not versioned (conf/base/catalog.yml:4:1): add 'versioned: true' to its catalog entry",
      );
      const unknown = await weft(project.dir, ['run', '--load-versions', 'nope:v1']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain("--load-versions: the catalog has no dataset 'nope'");
    } finally {
      await project.remove();
    }
  });
});

describe('a failed run', () => {
  it('exits 1, names the node, and prints a weft run line that, pasted, completes the run', async () => {
    const project = await copyProject();
    const bin = join(project.dir, '.bin');
    await mkdir(bin);
    await symlink(WEFT_BIN, join(bin, 'weft'));
    const PATH = `${bin}:${process.env.PATH}`;
    try {
      const failed = await weft(
        project.dir,
        [
          'run',
          '--runner',
          'thread',
          '--params',
          'reporting.settings.label=it works, really',
          '--report',
          'out/failed.json',
        ],
        { env: { PATH, WEFT_TEST_FAIL_AT: 'evaluate_model' } },
      );
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain(
        "Error in node 'evaluate_model': Error: evaluate_model failed on purpose",
      );
      expect(failed.stderr).toMatch(/There are [12] nodes that have not run\./);
      expect(failed.stderr).toContain(
        'You can resume the pipeline run from the nearest nodes with persisted inputs by adding the following argument to your previous command:\n  --from-nodes "split_data"',
      );
      const r = await record(project, 'out/failed.json');
      expect(r.status).toBe('failed');
      expect(r.resume?.fromNodes).toEqual(['split_data']);
      expect(r.nodes.find((n) => n.name === 'evaluate_model')?.status).toBe('failed');
      const line = /To resume, run:\n {2}(.+)\n/.exec(failed.stderr)?.[1];
      expect(line).toBe(
        "weft run --runner thread --params 'reporting.settings.label=it works, really' --report out/failed.json --from-nodes split_data",
      );
      const resumed = await shell(project.dir, line as string, { env: { PATH } });
      expect(resumed.code, resumed.stderr).toBe(0);
      const again = await record(project, 'out/failed.json');
      expect(ran(again)).toEqual(['evaluate_model', 'reporting.summarise', 'split_data', 'train_model']);
      expect((await project.json<Summary>('data/08_reporting/summary.json')).label).toBe('it works, really');
    } finally {
      await project.remove();
    }
  });

  it('says to repeat the command when no node completed', async () => {
    const project = await copyProject();
    try {
      const failed = await weft(project.dir, ['run'], { env: { WEFT_TEST_FAIL_AT: 'preprocess_companies' } });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain(
        "Error in node 'preprocess_companies': Error: preprocess_companies failed on purpose",
      );
      expect(failed.stderr).toContain('No nodes ran. Repeat the previous command to attempt a new run.');
      expect(failed.stderr).not.toContain('--from-nodes');
      const again = await weft(project.dir, ['run']);
      expect(again.code, again.stderr).toBe(0);
    } finally {
      await project.remove();
    }
  });
});

describe('Ctrl-C', () => {
  it('stops the run: no new node starts, the summary and the resume command follow, exit 1', async () => {
    const project = await copyProject();
    try {
      const result = await weftInterrupted(
        project.dir,
        ['run', '--runner', 'thread', '--report', 'out/stopped.json'],
        '[4/7] completed split_data',
        { WEFT_TEST_SLOW_AT: 'train_model' },
      );
      expect(result.code, result.stderr).toBe(1);
      expect(result.exitedAfterMs).toBeLessThan(30_000); // train_model would take a minute
      expect(result.stderr).toContain('weft: stopping the run (Ctrl-C again to quit at once)');
      expect(result.stderr).toContain('The run was stopped (left running: train_model).');
      expect(result.stderr).toContain('--from-nodes "split_data"');
      expect(result.stdout).toContain('Cancelled: 4 of 7 nodes ran');
      const r = await record(project, 'out/stopped.json');
      expect(r.status).toBe('cancelled');
      expect(
        r.nodes
          .filter((n) => n.status === 'not-run')
          .map((n) => n.name)
          .sort(),
      ).toEqual(['evaluate_model', 'reporting.summarise', 'train_model']);
    } finally {
      await project.remove();
    }
  });
});

describe('a project that uses @weft/prefect-bridge', () => {
  it('gets the run context without --prefect: getRunLogger() in a node logs under its task run, nothing is sent', async () => {
    const project = await copyProject();
    try {
      await project.write(
        'package.json',
        '{ "name": "spaceflights-mini", "private": true, "type": "module", "dependencies": { "@weft/prefect-bridge": "*" } }\n',
      );
      const nodes = await project.read('src/pipelines/reporting/nodes.ts');
      await project.write(
        'src/pipelines/reporting/nodes.ts',
        `import { getRunLogger } from '@weft/prefect-bridge';\n${nodes.replace(
          '  return {\n    rows',
          '  getRunLogger().info(`summarising ${table.length} rows`);\n  return {\n    rows',
        )}`,
      );
      const result = await weft(project.dir, ['run', '--runner', 'parallel', '--report', 'out/r.json']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/\| INFO {4}\| Task run 'reporting\.summarise' - summarising 7 rows/);
      const r = await record(project, 'out/r.json');
      expect(r.prefect?.mode).toBe('embedded');
      expect(r.nodes.every((n) => n.taskRun !== undefined)).toBe(true);
      expect(result.stdout).toContain(
        `Flow run '${r.prefect?.flowRunName}' (local run context; --prefect reports it to a server)`,
      );
    } finally {
      await project.remove();
    }
  });
});

describe('weft --help', () => {
  it('the bin refuses an unknown tag and an unknown option with exit 2', async () => {
    const project = await copyProject();
    try {
      const tag = await weft(project.dir, ['run', '--tags', 'nosuch']);
      expect([tag.code, tag.stderr]).toEqual([
        2,
        "weft: error: --tags: no tag named 'nosuch' in pipeline __default__. Tags: evaluation, preprocessing, reporting, training\n",
      ]);
      const option = await weft(project.dir, ['run', '--bogus']);
      expect(option.code).toBe(2);
      expect(option.stderr).toContain("weft: error: unknown option '--bogus'");
    } finally {
      await project.remove();
    }
  });

  it('lists the commands; weft run --help lists every flag with what it does', async () => {
    const top = await weft('/', ['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Usage: weft [options] [command]');
    expect(top.stdout).toContain("run [options]   run the project's pipeline");
    const run = await weft('/', ['run', '--help']);
    expect(run.code).toBe(0);
    for (const flag of [
      '--runner',
      '--max-workers',
      '--pipeline',
      '--nodes',
      '--from-nodes',
      '--to-nodes',
      '--from-inputs',
      '--to-outputs',
      '--tags',
      '--namespaces',
      '--params',
      '--env',
      '--conf-source',
      '--load-versions',
      '--only-missing-outputs',
      '--prefect [url]',
      '--prefect-required',
      '--no-context',
      '--report',
    ]) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toContain('Exit status: 0 the run completed, 1 it failed');
    const bare = await weft('/', []);
    expect([bare.code, bare.stdout.includes('Usage: weft')]).toEqual([0, true]);
    const unknown = await weft('/', ['rnu']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("weft: error: unknown command 'rnu'");
  });

  it('outside a project, says what is missing (exit 2)', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'weft-empty-'));
    try {
      const result = await weft(dir, ['run']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('weft: error: no configuration folder at conf');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
