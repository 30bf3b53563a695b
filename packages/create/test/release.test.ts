/**
 * The starter as a user gets it, from a registry: every public package built and packed as for a
 * release (the release check's own machinery), published to a throwaway Verdaccio on loopback that
 * serves the `@weft` scope, then, in an empty folder with a user `.npmrc` routing `@weft` there:
 *
 *     npm create @weft@latest demo && cd demo && npm install && npx weft run
 *
 * then `npm test`, `npx weft run` on every runner, and `npx weft viz` in Chromium: the project's
 * graph, a live run whose statuses change on the page while its nodes wait on gates the test opens,
 * and a failed run with its node and error. Screenshots go to `packages/create/test-results/`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRedisServer, REDIS_INSTALL_HINT } from '@weft/distributed';
import type { RunSummary } from '@weft/viz';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInFolder } from '../../../test-support/run-command.js';
import {
  buildPackages,
  isolatedEnv,
  type LocalRegistry,
  listPublicPackages,
  packPackages,
  runCommand,
  startLocalRegistry,
} from '../../../tools/release-check/src/index.js';
import {
  closeChromium,
  launchChromium,
  MISSING_CHROMIUM,
  openPage,
  requireChromium,
  screenshot,
} from './support/browser.js';
import { REPO_ROOT, type Result } from './support/projects.js';

const browserAvailable = requireChromium('the starter viewer tests');
const redis = findRedisServer() !== undefined;
if (!redis && process.env.CI === 'true') {
  throw new Error(
    `redis-server not found; under CI=true the distributed runner must be tested. ${REDIS_INSTALL_HINT}`,
  );
}
const WAIT = { timeout: 60_000, interval: 50 };

/** `weft run` with a gate before each node: the test opens `<gates>/<node>.go` or fails it with `.fail`. */
const GATED_RUN = `// weft run of this project, each node held at a gate until the test opens it
import { existsSync, watch } from 'node:fs';
import { join } from 'node:path';
import { runProject } from '@weft/cli';

const [runner, gates] = process.argv.slice(2);
function gate(name) {
  return new Promise((resolve, reject) => {
    const watcher = watch(gates);
    const check = () => {
      if (existsSync(join(gates, name + '.fail'))) {
        watcher.close();
        reject(new Error('the test failed ' + name + ' at its gate'));
      } else if (existsSync(join(gates, name + '.go'))) {
        watcher.close();
        resolve();
      }
    };
    watcher.on('change', check);
    check();
  });
}
const { exitCode } = await runProject({
  projectDir: process.cwd(),
  runner,
  command: 'weft run --runner ' + runner + ' (gated)',
  hooks: [{ beforeNodeRun: ({ node }) => gate(node.name) }],
  onEvent: () => {},
});
process.exit(exitCode);
`;

let work: string;
let registry: LocalRegistry | undefined;
let env: NodeJS.ProcessEnv;
let demo: string;
const children: ChildProcess[] = [];

function sh(command: string, args: readonly string[], cwd: string, timeoutMs = 600_000): Promise<Result> {
  return runInFolder(command, args, cwd, { env, timeoutMs });
}

/** npx keeps what it ran under `<cache>/_npx/<hash>`: an older @weft/create of the same version must not be reused. */
async function forgetCachedStarters(): Promise<void> {
  const cache = (await runCommand('npm', ['config', 'get', 'cache'], { cwd: work, env })).stdout.trim();
  const npx = join(cache, '_npx');
  if (!existsSync(npx)) return;
  for (const entry of readdirSync(npx)) {
    if (existsSync(join(npx, entry, 'node_modules', '@weft', 'create'))) {
      await rm(join(npx, entry), { recursive: true, force: true });
    }
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'weft-starter-release-'));
  const t0 = performance.now();
  const lap = (what: string) =>
    console.log(`[create release] ${what}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const packages = await listPublicPackages(REPO_ROOT);
  await buildPackages(
    REPO_ROOT,
    packages.map((p) => p.dir),
  );
  const tarballs = await packPackages(REPO_ROOT, packages, join(work, 'tarballs'));
  lap('built and packed');
  registry = await startLocalRegistry({ dir: join(work, 'registry'), scope: '@weft' });
  const token = await registry.addUser('starter-test', 'starter-test-password');
  // a user whose npm configuration routes @weft to the registry; everything else comes from npm as usual
  const npmrc = join(work, 'npmrc');
  await writeFile(npmrc, `@weft:registry=${registry.url}\n${registry.authKey}=${token}\n`);
  env = isolatedEnv({ npm_config_userconfig: npmrc, NO_COLOR: '1' });
  for (const t of tarballs) {
    await runCommand('npm', ['publish', t.tarball, '--access', 'public', '--no-git-checks'], {
      cwd: work,
      env,
      timeoutMs: 120_000,
    });
  }
  lap('published');
  await forgetCachedStarters();
  const app = join(work, 'app');
  await mkdir(app);
  const created = await sh('npm', ['create', '@weft@latest', 'demo'], app);
  expect(created.code, created.stdout + created.stderr).toBe(0);
  expect(created.stdout).toContain('Created demo in demo: a Weft project');
  demo = join(app, 'demo');
  lap('npm create @weft@latest demo (with its npm install)');
}, 900_000);

afterAll(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await registry?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('npm create @weft@latest demo && cd demo && npm install && npx weft run', () => {
  it('makes a project that depends on the published @weft/* at the starter’s version, installed from the registry', async () => {
    const installed = await sh('npm', ['install'], demo);
    expect(installed.code, installed.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(demo, 'package.json'), 'utf8'));
    const starter = (await registry?.packument('@weft/create'))?.['dist-tags'].latest;
    expect(manifest.dependencies['@weft/cli']).toBe(`^${starter}`);
    const lock = JSON.parse(readFileSync(join(demo, 'package-lock.json'), 'utf8'));
    for (const name of ['@weft/cli', '@weft/runner', '@weft/viz', '@weft/prefect-bridge']) {
      const entry = lock.packages[`node_modules/${name}`];
      expect(entry?.version, name).toBe(starter);
      expect(entry?.resolved, name).toMatch(new RegExp(`^${registry?.url}`));
    }
  });

  it('runs: npx weft run', async () => {
    const result = await sh('npx', ['weft', 'run'], demo);
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    expect(result.stdout).toContain('Completed: 11 of 11 nodes ran');
    expect(result.stderr).toMatch(/\| INFO +\| Task run 'build_report' - Best model: /);
  });

  it('passes its own tests: npm test', async () => {
    const result = await sh('npm', ['test'], demo);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Test Files\s+5 passed/);
  });

  it.each(['thread', 'parallel', 'distributed'])('runs on the %s runner', async (runner) => {
    if (runner === 'distributed' && !redis) return;
    const result = await sh('npx', ['weft', 'run', '--runner', runner], demo);
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    expect(result.stdout).toContain('Completed: 11 of 11 nodes ran');
    expect(result.stderr).toContain("for tenant 'acme-space' (a context variable set before the run)");
  });
});

describe('npx weft viz in Chromium', () => {
  let browser: BrowserContext | undefined;
  let url: string;
  let viz: ChildProcess | undefined;

  beforeAll(async () => {
    if (!browserAvailable) return;
    browser = await launchChromium();
    viz = spawn(join(demo, 'node_modules', '.bin', 'weft'), ['viz', '--port', '0'], {
      cwd: demo,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(viz);
    let printed = '';
    viz.stderr?.on('data', (d) => (printed += d));
    url = await new Promise<string>((resolve, reject) => {
      viz?.stdout?.setEncoding('utf8').on('data', (d: string) => {
        printed += d;
        const found = /http:\/\/\S+\//.exec(printed);
        if (found) resolve(found[0]);
      });
      viz?.on('exit', (code) => reject(new Error(`weft viz exited (${code}): ${printed}`)));
    });
    await writeFile(join(demo, 'gated-run.mjs'), GATED_RUN);
  });
  afterAll(async () => {
    viz?.kill('SIGINT');
    await closeChromium(browser);
  });

  const nodeClass = (page: Page, name: string) =>
    page.locator(`g.node[data-node="${name}"]`).getAttribute('class');

  /** Nodes of the graph whose status line runs past their box or into their log count. */
  const overflowingText = (page: Page) =>
    page.evaluate<string[]>(`[...document.querySelectorAll('g.node[data-node]')].filter((g) => {
      const meta = g.querySelector('.meta').getBBox();
      const count = g.querySelector('.count');
      const edge = count ? count.getBBox().x - 2 : Number(g.querySelector('rect.box').getAttribute('width'));
      return meta.x + meta.width > edge;
    }).map((g) => g.getAttribute('data-node'))`);

  /** Starts the gated run; resolves with its exit code when it ends. */
  function gatedRun(runner: string, gates: string): Promise<number | null> {
    const child = spawn(process.execPath, ['gated-run.mjs', runner, gates], {
      cwd: demo,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    return new Promise((resolve) =>
      child.on('exit', (code) => {
        if (code !== 0 && code !== 1) console.error(stderr);
        resolve(code);
      }),
    );
  }

  it("shows the project: the graph, namespaces, datasets with type and path, a node's code and docstring, tags, the runs so far", async (ctx) => {
    ctx.skip(!browserAvailable, MISSING_CHROMIUM);
    const { page, errors, requests } = await openPage(browser as BrowserContext, url);
    expect(await page.title()).toBe('__default__ · Weft viewer');
    expect(await page.locator('g.node[data-node]').count()).toBe(11);
    await page.locator('g.node[data-node="split_data"]').click();
    expect(await page.locator('#code-location').textContent()).toMatch(
      /^src\/pipelines\/data_science\/nodes\.ts:\d+:\d+$/,
    );
    expect(await page.locator('#docstring').textContent()).toBe(
      'Builds the feature matrix and splits it into train and test sets.',
    );
    await page.locator('g.dataset[data-dataset="ridge_regression.regressor"]').click();
    expect(await page.locator('#panel').textContent()).toContain('JSONDataset');
    expect(await page.locator('#dataset-filepath').textContent()).toBe(
      'data/06_models/ridge_regression.json',
    );
    // a namespace collapses into one box
    await page.locator('#ns-details summary').click();
    await page.locator('#ns-menu input[value="ridge_regression"]').check();
    await expect.poll(() => page.locator('g.node[data-node]').count(), WAIT).toBe(9);
    expect(await page.locator('g.group[data-namespace="ridge_regression"]').textContent()).toContain(
      '2 nodes',
    );
    await page.locator('#ns-menu input[value="ridge_regression"]').uncheck();
    await page.locator('#ns-details summary').click();
    // filter by tag
    await page.locator('#tag-summary').click();
    await page.locator('#tag-menu input[value="ridge"]').check();
    await expect.poll(() => page.locator('g.node[data-node]').count(), WAIT).toBe(2);
    await page.locator('#tag-menu input[value="ridge"]').uncheck();
    await page.locator('#tag-summary').click();
    // the runs of the tests above, from the run history
    const runs = (await (await fetch(`${url}api/runs`)).json()) as RunSummary[];
    expect(runs.filter((r) => r.status === 'completed').length).toBeGreaterThanOrEqual(redis ? 4 : 3);
    expect(await page.locator('#runs').textContent()).toContain('completed');
    await screenshot(page, 'starter-viewer-project.png');
    expect(errors).toEqual([]);
    expect(requests.every((u) => u.startsWith(url))).toBe(true);
    await page.close();
  });

  it('follows a live weft run of the project in worker threads: statuses change on the page as nodes run', async (ctx) => {
    ctx.skip(!browserAvailable, MISSING_CHROMIUM);
    const gates = await mkdtemp(join(work, 'gates-'));
    const { page, errors } = await openPage(browser as BrowserContext, url);
    const exited = gatedRun('parallel', gates);
    await expect.poll(() => page.locator('#run-status').textContent(), WAIT).toBe('running');
    await expect.poll(() => nodeClass(page, 'preprocess_companies'), WAIT).toContain('status-running');
    expect(await nodeClass(page, 'build_report')).toContain('status-pending');
    await screenshot(page, 'starter-viewer-live-running.png');
    const order = [
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
    ];
    for (const [i, name] of order.entries()) {
      await writeFile(join(gates, `${name}.go`), '');
      await expect.poll(() => nodeClass(page, name), WAIT).toContain('status-completed');
      if (i < order.length - 1) expect(await page.locator('#run-status').textContent()).toBe('running');
      if (name === 'split_data') {
        // the models wait at their gates: the page shows them started, the report not
        await expect
          .poll(() => nodeClass(page, 'ridge_regression.train_model'), WAIT)
          .toContain('status-running');
        expect(await nodeClass(page, 'build_report')).toContain('status-pending');
        // boxes keep their pending width while the run goes on: the longer lines (a worker's
        // thread) are fitted to them, not drawn past their edge or over the log count
        expect(await overflowingText(page)).toEqual([]);
        await screenshot(page, 'starter-viewer-live-models.png');
      }
    }
    await expect.poll(() => page.locator('#run-status').textContent(), WAIT).toBe('completed');
    expect(await exited).toBe(0);
    await screenshot(page, 'starter-viewer-live-done.png');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a failed run: the failed node, its error, the nodes not run, where to resume', async (ctx) => {
    ctx.skip(!browserAvailable, MISSING_CHROMIUM);
    const gates = await mkdtemp(join(work, 'gates-'));
    const { page, errors } = await openPage(browser as BrowserContext, url);
    const exited = gatedRun('thread', gates);
    await expect.poll(() => page.locator('#run-status').textContent(), WAIT).toBe('running');
    for (const name of [
      'preprocess_companies',
      'preprocess_shuttles',
      'aggregate_reviews',
      'create_model_input_table',
      'profile_model_input',
    ]) {
      await writeFile(join(gates, `${name}.go`), '');
    }
    await expect.poll(() => nodeClass(page, 'split_data'), WAIT).toContain('status-running');
    await writeFile(join(gates, 'split_data.fail'), '');
    await expect.poll(() => page.locator('#run-status').textContent(), WAIT).toBe('failed');
    expect(await exited).toBe(1);
    expect(await nodeClass(page, 'split_data')).toContain('status-failed');
    expect(await nodeClass(page, 'build_report')).toContain('status-not-run');
    await expect.poll(() => page.locator('#panel-title').textContent(), WAIT).toBe('split_data');
    expect(await page.locator('#panel .err').textContent()).toBe(
      'Error: the test failed split_data at its gate',
    );
    expect(await page.locator('#alert').textContent()).toContain('--from-nodes "split_data"');
    await screenshot(page, 'starter-viewer-live-failed.png');
    expect(errors).toEqual([]);
    await page.close();
  });
});
