/**
 * Opens the demo's HTML run report (written by @weft/viz) of a real run in headless Chromium
 * (Debian's `chromium`, driven by playwright-core) and checks what a person would: every node is
 * drawn with its status and thread, its logs are reachable by clicking it (and by hovering), and
 * nothing is loaded from the network. The report's own behaviour is tested in packages/viz.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunRecord } from '@weft/viz';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_DIR, type CapturedRun, runCli, tempDataDir } from './support/demo-run.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const RESULTS_DIR = resolve(APP_DIR, 'test-results');
const available = existsSync(CHROMIUM);
const MISSING = `${CHROMIUM} not found: install Debian's chromium to run this test (apt-get install chromium)`;

describe('the HTML run report in headless Chromium', () => {
  let browser: BrowserContext | undefined;
  let ok: CapturedRun;
  let failed: CapturedRun;

  beforeAll(async () => {
    if (!available) {
      if (process.env.CI) throw new Error(`${MISSING}. Under CI=true this test must run.`);
      console.warn(`skipping the run report browser test: ${MISSING}`);
      return;
    }
    const dataDir = tempDataDir();
    ok = await runCli(dataDir, ['--runner', 'parallel']);
    failed = await runCli(dataDir, [
      '--fail-at',
      'evaluate_ridge_regression',
      '--report',
      join(dataDir, 'failed.html'),
    ]);
    browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'weft-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1440, height: 1000 },
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function open(path: string) {
    const page = await (browser as BrowserContext).newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(pathToFileURL(path).href);
    await page.waitForFunction('document.body.dataset.ready === "true"');
    return { page, requests, errors };
  }

  it('draws every node with its status and duration, and every node’s logs are reachable by click and hover', async (ctx) => {
    ctx.skip(!available, MISSING);
    expect(ok.exitCode, ok.stderr.slice(-3000)).toBe(0);
    const record = ok.record as RunRecord;
    const { page, requests, errors } = await open(ok.reportPath as string);
    expect(await page.title()).toBe('spaceflights · completed · Weft run report');
    expect(await page.locator('g.node[data-node]').count()).toBe(record.nodes.length);
    for (const n of record.nodes) {
      const box = page.locator(`g.node[data-node="${n.name}"]`);
      await expect.poll(() => box.isVisible()).toBe(true);
      const bb = await box.boundingBox();
      expect(bb?.width).toBeGreaterThan(100);
      const text = await box.textContent();
      expect(text).toContain(n.name);
      expect(text).toMatch(/✓ completed · \d+(\.\d+)? m?s · worker \d+/);
      expect(await box.getAttribute('class')).toContain('status-completed');

      await box.click();
      await expect.poll(() => page.locator('#panel-title').textContent()).toBe(n.name);
      const panel = page.locator('#panel');
      expect(await panel.textContent()).toContain(`Logs (${n.logs.length})`);
      expect(await panel.textContent()).toContain(n.taskRunId as string);
      // INFO and above at once; DEBUG lines (the cross-validation fits) behind a checkbox
      const visible = n.logs.filter((l) => l.level >= 20);
      let shown = await panel.locator('.logs li').allTextContents();
      expect(shown).toHaveLength(visible.length);
      for (const [i, l] of visible.entries()) expect(shown[i]).toContain(l.message.split('\n')[0] as string);
      if (visible.length < n.logs.length) {
        await panel.locator('#show-debug').check();
        shown = await panel.locator('.logs li').allTextContents();
        expect(shown).toHaveLength(n.logs.length);
        for (const [i, l] of n.logs.entries()) expect(shown[i]).toContain(l.message.split('\n')[0] as string);
        await panel.locator('#show-debug').uncheck();
      }

      await page.mouse.move(0, 0);
      await box.hover();
      const tip = page.locator('#tooltip');
      await expect.poll(() => tip.isVisible()).toBe(true);
      expect(await tip.textContent()).toContain(`${n.logs.length} log lines`);
    }
    // the datasets are drawn too, file datasets with their paths
    expect(await page.locator('g.dataset').count()).toBe(record.datasets.length);
    expect(await page.locator('g.dataset[data-dataset="model_input_table"] title').textContent()).toMatch(
      /model_input_table — CSVDataset \(.*03_primary\/model_input_table\.csv\)/,
    );
    // the table rows select nodes as well
    await page.locator('tr[data-row="split_data"] button').click();
    await expect.poll(() => page.locator('#panel-title').textContent()).toBe('split_data');
    expect(requests).toEqual([pathToFileURL(ok.reportPath as string).href]);
    expect(errors).toEqual([]);

    await page.locator('g.node[data-node="train_ridge_regression"]').click();
    await page.evaluate('window.scrollTo(0, 0)');
    await page.mouse.move(0, 0);
    mkdirSync(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: join(RESULTS_DIR, 'run-report.png'), fullPage: true });
    await page.close();
  });

  it('shows a failed run: the failed node selected with its error, the rest not run, the resume hint', async (ctx) => {
    ctx.skip(!available, MISSING);
    expect(failed.exitCode).toBe(1);
    const { page, errors } = await open(failed.reportPath as string);
    expect(await page.locator('#run-status').textContent()).toBe('failed');
    expect(
      await page.locator('g.node[data-node="evaluate_ridge_regression"]').getAttribute('class'),
    ).toContain('status-failed');
    expect(await page.locator('g.node[data-node="build_report"]').getAttribute('class')).toContain(
      'status-not-run',
    );
    expect(await page.locator('#panel-title').textContent()).toBe('evaluate_ridge_regression');
    expect(await page.locator('#panel .err').textContent()).toContain(
      "SimulatedFailureError: Simulated failure in node 'evaluate_ridge_regression'",
    );
    expect(await page.locator('#alert').textContent()).toContain('--from-nodes');
    expect(errors).toEqual([]);
    mkdirSync(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: join(RESULTS_DIR, 'run-report-failed.png'), fullPage: true });
    await page.close();
  });
});
