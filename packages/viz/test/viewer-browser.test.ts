/**
 * The viewer in headless Chromium: a project's pipelines with code locations and docstrings, and
 * live runs of another process (`weft run`'s stand-in, support/gated-run.ts) whose node statuses,
 * progress and log lines change on the open page while the nodes run. The nodes wait on gate files
 * the test creates, so the test decides when each node ends; it waits for what the page shows.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findRedisServer, REDIS_INSTALL_HINT } from '@weft/distributed';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeProject, RunHistory, startViewer, type Viewer, writeReport } from '../src/index.js';
import {
  launchChromium,
  MISSING_CHROMIUM,
  openPage,
  requireChromium,
  screenshot,
} from './support/browser.js';
import { SMALL_NODES, smallCatalog, smallPipeline } from './support/pipelines.js';

const available = requireChromium('the viewer browser tests');
const redis = findRedisServer() !== undefined;
if (!redis && process.env.CI)
  throw new Error(
    `redis-server not found; under CI=true the distributed live test must run. ${REDIS_INSTALL_HINT}`,
  );
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const GATED_RUN = new URL('./support/gated-run.ts', import.meta.url).pathname;
const WAIT = { timeout: 30_000, interval: 50 };

let browser: BrowserContext | undefined;
const children: ChildProcess[] = [];
const viewers: Viewer[] = [];
beforeAll(async () => {
  if (available) browser = await launchChromium();
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const v of viewers.splice(0)) await v.close();
});
afterAll(() => browser?.close());

async function project(dir: string) {
  return describeProject({
    name: 'spaceflights',
    pipelines: {
      __default__: smallPipeline(),
      data_processing: smallPipeline().onlyNodesWithTags('data_processing'),
    },
    catalog: smallCatalog(dir),
    parameters: { model: { scale: 2 } },
    projectDir: dir,
  });
}

/** Starts the gated run in its own process; resolves with its exit code when it ends. */
function startRun(kind: string, dir: string): Promise<number | null> {
  const child = spawn(
    process.execPath,
    ['--import', tsx, '--conditions=@weft/source', GATED_RUN, kind, dir],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
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

const open = (dir: string, name: string, how: 'go' | 'fail' = 'go') =>
  writeFileSync(join(dir, `${name}.${how}`), '');
const nodeClass = (page: Page, name: string) =>
  page.locator(`g.node[data-node="${name}"]`).getAttribute('class');

describe('the viewer in headless Chromium', () => {
  it('shows the project: pipelines, datasets with type and path, parameters, code location and docstring, tag filter, namespaces', async (ctx) => {
    ctx.skip(!available, MISSING_CHROMIUM);
    const dir = mkdtempSync(join(tmpdir(), 'weft-viz-view-'));
    const viewer = await startViewer({ projectDir: dir, project: await project(dir) });
    viewers.push(viewer);
    const { page, errors, requests } = await openPage(browser as BrowserContext, viewer.url);
    expect(await page.title()).toBe('__default__ · Weft viewer');
    expect(await page.locator('g.node[data-node]').count()).toBe(5);
    expect(await page.locator('#runs').textContent()).toContain('No runs recorded yet');
    // a node: its code location and docstring (a JSDoc block, and a // comment)
    await page.locator('g.node[data-node="prep.preprocess_companies"]').click();
    expect(await page.locator('#code-location').textContent()).toMatch(/test\/fixtures\/nodes\.ts:\d+:\d+$/);
    expect(await page.locator('#docstring').textContent()).toBe(
      'Cleans the raw company table: ratings from `90%` to 0.9.\nDrops rows without an id.',
    );
    await page.locator('g.node[data-node="prep.preprocess_shuttles"]').click();
    expect(await page.locator('#docstring').textContent()).toBe('Shuttles: capacity as numbers.');
    // a dataset: type and path; a parameter: its value
    await page.locator('g.dataset[data-dataset="model_input"]').click();
    expect(await page.locator('#panel').textContent()).toContain('JSONDataset');
    expect(await page.locator('#dataset-filepath').textContent()).toBe('data/03_primary/model_input.json');
    await page.locator('g.dataset[data-dataset="params:model"]').click();
    expect(await page.locator('#panel').textContent()).toContain('"scale": 2');
    // filter by tag
    await page.locator('#tag-summary').click();
    await page.locator('#tag-menu input[value="data_science"]').check();
    await expect.poll(() => page.locator('g.node[data-node]').count()).toBe(2);
    await page.locator('#tag-menu input[value="data_science"]').uncheck();
    await expect.poll(() => page.locator('g.node[data-node]').count()).toBe(5);
    await page.locator('#tag-summary').click();
    // collapse a namespace, then expand it from the keyboard
    await page.locator('#ns-details summary').click();
    await page.locator('#ns-menu input[value="prep"]').check();
    await expect.poll(() => page.locator('g.node[data-node]').count()).toBe(3);
    const group = page.locator('g.group[data-namespace="prep"]');
    expect(await group.textContent()).toContain('2 nodes');
    // the namespace's inner datasets are hidden, its inputs and outputs stay
    expect(await page.locator('g.dataset[data-dataset="prep.companies_clean"]').count()).toBe(1);
    await page.locator('#ns-details summary').click();
    await group.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#panel-title').textContent()).toBe('prep');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('g.node[data-node]').count()).toBe(5);
    // another pipeline
    await page.locator('button[data-pipeline="data_processing"]').click();
    await expect.poll(() => page.locator('g.node[data-node]').count()).toBe(3);
    await screenshot(page, 'viewer-project.png');
    expect(errors).toEqual([]);
    expect(requests.every((u) => u.startsWith(viewer.url))).toBe(true);
    await page.close();
  });

  for (const kind of ['thread', 'distributed']) {
    it(`follows a live ${kind} run of another process: statuses, progress and log lines change while nodes run, and it ends on the report's picture`, async (ctx) => {
      ctx.skip(!available, MISSING_CHROMIUM);
      ctx.skip(kind === 'distributed' && !redis, `redis-server not found: ${REDIS_INSTALL_HINT}`);
      const dir = mkdtempSync(join(tmpdir(), 'weft-viz-live-'));
      const viewer = await startViewer({ projectDir: dir, project: await project(dir), pollIntervalMs: 500 });
      viewers.push(viewer);
      const { page, errors } = await openPage(browser as BrowserContext, viewer.url);
      const exited = startRun(kind, dir);
      // the page switches to the new run by itself
      await expect.poll(() => page.locator('#run-status').textContent(), WAIT).toBe('running');
      const companies = 'prep.preprocess_companies';
      await expect.poll(() => nodeClass(page, companies), WAIT).toContain('status-running');
      expect(await nodeClass(page, 'model.evaluate_model')).toContain('status-pending');
      // the running node's log line arrives while it runs (thread runner: the recorder gets it at once)
      await page.locator(`g.node[data-node="${companies}"]`).click();
      if (kind === 'thread') {
        await expect
          .poll(() => page.locator('#panel .logs').textContent(), WAIT)
          .toContain('Cleaning 2 companies');
      }
      await screenshot(page, `viewer-live-${kind}-running.png`);
      open(dir, companies);
      await expect.poll(() => nodeClass(page, companies), WAIT).toContain('status-completed');
      expect(await page.locator('#run-status').textContent()).toBe('running');
      await expect.poll(() => page.locator('#progress').getAttribute('aria-valuenow'), WAIT).toBe('1');
      expect(await nodeClass(page, 'prep.preprocess_shuttles')).toContain('status-running');
      for (const n of SMALL_NODES.slice(1)) {
        open(dir, n);
        await expect.poll(() => nodeClass(page, n), WAIT).toContain('status-completed');
      }
      await expect.poll(() => page.locator('#run-status').textContent(), WAIT).toBe('completed');
      expect(await exited).toBe(0);
      await screenshot(page, `viewer-live-${kind}-done.png`);

      // the same picture as the static report of that run
      const history = RunHistory.forProject(dir);
      const [summary] = await history.list();
      const report = await writeReport(await history.read(summary?.id as string), join(dir, 'report.html'));
      const r = await openPage(browser as BrowserContext, pathToFileURL(report).href);
      const picture = (p: Page) =>
        p.evaluate<string[]>(
          "[...document.querySelectorAll('#graph [data-id]')].map((e) => [e.getAttribute('data-id'), e.getAttribute('class').replace(' selected', ''), e.textContent].join(' | '))",
        );
      await page.locator('#back').click();
      expect(await picture(page)).toEqual(await picture(r.page));
      expect(await page.locator('#nodes-table tbody').textContent()).toBe(
        await r.page.locator('#nodes-table tbody').textContent(),
      );
      expect(errors).toEqual([]);
      await r.page.close();
      await page.close();
    });
  }

  it('shows a failed live run: the failed node, its error, the nodes not run, where to resume', async (ctx) => {
    ctx.skip(!available, MISSING_CHROMIUM);
    const dir = mkdtempSync(join(tmpdir(), 'weft-viz-fail-'));
    const viewer = await startViewer({ projectDir: dir, project: await project(dir) });
    viewers.push(viewer);
    const { page, errors } = await openPage(browser as BrowserContext, viewer.url);
    const exited = startRun('thread', dir);
    await expect.poll(() => page.locator('#run-status').textContent(), WAIT).toBe('running');
    for (const n of SMALL_NODES.slice(0, 3)) open(dir, n);
    await expect.poll(() => nodeClass(page, 'model.train_model'), WAIT).toContain('status-running');
    open(dir, 'model.train_model', 'fail');
    await expect.poll(() => page.locator('#run-status').textContent(), WAIT).toBe('failed');
    expect(await exited).toBe(1);
    expect(await nodeClass(page, 'model.train_model')).toContain('status-failed');
    expect(await nodeClass(page, 'model.evaluate_model')).toContain('status-not-run');
    await expect.poll(() => page.locator('#panel-title').textContent(), WAIT).toBe('model.train_model');
    expect(await page.locator('#panel .err').textContent()).toBe(
      'Error: Gate says model.train_model fails: shuttle capacity out of range',
    );
    expect(await page.locator('#alert').textContent()).toContain('weft run --from-nodes "model.train_model"');
    // the run history lists it as failed
    expect(await page.locator('#runs').textContent()).toContain('failed');
    await screenshot(page, 'viewer-live-failed.png');
    expect(errors).toEqual([]);
    await page.close();
  });
});
