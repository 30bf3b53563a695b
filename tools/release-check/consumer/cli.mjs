// Plain Node ESM consumer of the @weft/cli tarball: the installed `weft` command runs a TypeScript
// project (conf/ YAML, pipeline registry, a versioned output) with no build step, on the
// sequential runner and in worker threads, and refuses an unknown tag with exit 2; `weft viz`
// serves the project and the runs it recorded.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProject, UsageError } from '@weft/cli';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, 'node_modules', '.bin', 'weft');
// Inside the consumer project, so the project's imports find the installed tarballs.
const project = mkdtempSync(join(here, 'weft-project-'));
const files = {
  'package.json': '{ "name": "tiny", "private": true, "type": "module" }\n',
  'conf/base/catalog.yml':
    'numbers:\n  type: CSVDataset\n  filepath: data/numbers.csv\n' +
    'total:\n  type: JSONDataset\n  filepath: data/total.json\n  versioned: true\n',
  'conf/base/parameters.yml': 'scale:\n  factor: 10\n',
  'data/numbers.csv': 'n\n1\n2\n3\n',
  'src/nodes.ts': [
    'export function sum(rows: { n: string }[], factor: number): number {',
    '  return rows.reduce((a, r) => a + Number(r.n), 0) * factor;',
    '}',
    '',
  ].join('\n'),
  'src/pipeline-registry.ts': [
    "import { node, pipeline, type Pipeline } from '@weft/runner';",
    "import { sum } from './nodes.js';",
    'export function registerPipelines(): Record<string, Pipeline> {',
    "  return { __default__: pipeline([node(sum, ['numbers', 'params:scale.factor'], 'total', { name: 'sum', tags: ['math'] })]) };",
    '}',
    '',
  ].join('\n'),
};
try {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(project, path)), { recursive: true });
    writeFileSync(join(project, path), text);
  }
  const run = (...args) =>
    spawnSync(bin, args, { cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  const help = run('run', '--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: weft run /);
  for (const runner of ['sequential', 'parallel']) {
    const result = run('run', '--runner', runner);
    assert.equal(result.status, 0, `weft run --runner ${runner}: ${result.stderr}`);
    assert.match(result.stdout, /Completed: 1 of 1 nodes ran/);
  }
  const versions = readdirSync(join(project, 'data', 'total.json'));
  assert.equal(versions.length, 2, `two versioned outputs, got ${versions}`);
  for (const v of versions)
    assert.equal(readFileSync(join(project, 'data', 'total.json', v, 'total.json'), 'utf8'), '60\n');
  const bad = run('run', '--tags', 'nosuch');
  assert.equal(bad.status, 2);
  assert.equal(
    bad.stderr,
    "weft: error: --tags: no tag named 'nosuch' in pipeline __default__. Tags: math\n",
  );

  await assert.rejects(runProject({ projectDir: project, pipelines: ['nope'] }), UsageError);

  // weft viz: the project described in its child process, and the runs above from the history
  const viz = spawn(bin, ['viz', '--port', '0', '--no-reload'], {
    cwd: project,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let printed = '';
    viz.stderr.on('data', (d) => (printed += d));
    const url = await new Promise((resolve, reject) => {
      viz.stdout.setEncoding('utf8').on('data', (d) => {
        printed += d;
        const found = /http:\/\/\S+\//.exec(printed);
        if (found) resolve(found[0]);
      });
      viz.on('exit', (code) => reject(new Error(`weft viz exited (${code}): ${printed}`)));
    });
    const described = await (await fetch(`${url}api/project`)).json();
    assert.equal(described.pipelines[0].nodes[0].code.functionName, 'sum');
    assert.equal(
      described.pipelines[0].datasets.find((d) => d.name === 'numbers').filepath,
      'data/numbers.csv',
    );
    const runs = await (await fetch(`${url}api/runs`)).json();
    assert.equal(runs.filter((r) => r.status === 'completed').length, 2);
  } finally {
    viz.kill('SIGINT');
    await new Promise((resolve) => (viz.exitCode === null ? viz.on('exit', resolve) : resolve()));
  }
} finally {
  rmSync(project, { recursive: true, force: true });
}

console.log('@weft/cli: ok');
