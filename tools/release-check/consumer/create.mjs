// Plain Node ESM consumer of the @weft/create tarball: the installed `create-weft` command makes the
// spaceflights project (and the skeleton), and the installed `weft` runs it with no build step, on
// the sequential runner and in worker threads. (The whole `npm create @weft` flow, from a registry
// with `npm install` and the project's own tests, is @weft/create's release test.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProject, detectPackageManager } from '@weft/create';

const here = dirname(fileURLToPath(import.meta.url));
const bin = (name) => join(here, 'node_modules', '.bin', name);
// Inside the consumer project, so the project's imports find the installed tarballs.
const work = mkdtempSync(join(here, 'create-'));
const run = (command, args, cwd) =>
  spawnSync(bin(command), args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
try {
  const made = run('create-weft', ['spaceflights', '--no-install'], work);
  assert.equal(made.status, 0, made.stderr);
  assert.match(made.stdout, /^Created spaceflights in spaceflights: a Weft project/);
  const project = join(work, 'spaceflights');
  const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
  const own = JSON.parse(readFileSync(join(here, 'node_modules', '@weft', 'create', 'package.json'), 'utf8'));
  assert.equal(manifest.dependencies['@weft/runner'], `^${own.version}`);
  for (const file of [
    '.gitignore',
    'conf/local/.gitkeep',
    'data/01_raw/shuttles.csv',
    'test/pipelines.test.ts',
  ])
    assert.ok(existsSync(join(project, file)), file);

  for (const runner of ['sequential', 'parallel']) {
    const result = run('weft', ['run', '--runner', runner], project);
    assert.equal(result.status, 0, `weft run --runner ${runner}: ${result.stderr}`);
    assert.match(result.stdout, /Completed: 11 of 11 nodes ran/);
    assert.match(
      result.stderr,
      /\| Task run 'ridge_regression\.train_model' - ridge_regression: best alpha=/,
    );
  }
  const report = JSON.parse(readFileSync(join(project, 'data', '08_reporting', 'report.json'), 'utf8'));
  assert.equal(report.tenant, 'acme-space');
  assert.ok(report.models.linear_regression.r2 > 0.8);

  const skeleton = await createProject({ directory: join(work, 'empty'), example: false });
  assert.ok(!skeleton.files.some((f) => f.startsWith('src/pipelines/')));
  assert.equal(detectPackageManager('pnpm/10.34.9 npm/? node/v20.20.2'), 'pnpm');
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log('@weft/create: ok');
