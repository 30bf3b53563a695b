// Plain Node ESM consumer of the @weft/cli tarball: the installed `weft` command runs a TypeScript
// project (conf/ YAML, pipeline registry, a versioned output) with no build step, on the
// sequential runner and in worker threads, and refuses an unknown tag with exit 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
} finally {
  rmSync(project, { recursive: true, force: true });
}

console.log('@weft/cli: ok');
