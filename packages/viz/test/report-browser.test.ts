/**
 * The static run report in headless Chromium: every node drawn with its status, logs reachable by
 * click, hover and keyboard, nothing loaded from the network, a failed run showing its failed node.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunRecord, writeReport } from '../src/index.js';
import {
  launchChromium,
  MISSING_CHROMIUM,
  openPage,
  requireChromium,
  screenshot,
} from './support/browser.js';
import { recordSmallRun } from './support/record.js';

const available = requireChromium('the run report browser tests');

describe('the run report in headless Chromium', () => {
  let browser: BrowserContext | undefined;
  let ok: { path: string; record: RunRecord };
  let failed: { path: string; record: RunRecord };

  beforeAll(async () => {
    if (!available) return;
    const a = await recordSmallRun();
    ok = { path: await writeReport(a.record, join(a.dir, 'report.html')), record: a.record };
    const b = await recordSmallRun({ fail: 'model.train_model' });
    failed = { path: await writeReport(b.record, join(b.dir, 'failed.html')), record: b.record };
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it('draws every node with its status and duration; each node’s logs are reachable by click and by hover', async (ctx) => {
    ctx.skip(!available, MISSING_CHROMIUM);
    const { page, requests, errors } = await openPage(browser as BrowserContext, pathToFileURL(ok.path).href);
    expect(await page.title()).toBe('__default__ · completed · Weft run report');
    expect(await page.locator('g.node[data-node]').count()).toBe(ok.record.nodes.length);
    for (const n of ok.record.nodes) {
      const box = page.locator(`g.node[data-node="${n.name}"]`);
      expect(await box.getAttribute('class')).toContain('status-completed');
      expect(await box.textContent()).toMatch(/✓ completed · \d+(\.\d+)? m?s/);
      await box.click();
      await expect.poll(() => page.locator('#panel-title').textContent()).toBe(n.name);
      const panel = page.locator('#panel');
      expect(await panel.textContent()).toContain(`Logs (${n.logs.length})`);
      expect(await panel.textContent()).toContain(n.taskRunId as string);
      const visible = n.logs.filter((l) => l.level >= 20);
      const shown = await panel.locator('.logs li').allTextContents();
      expect(shown).toHaveLength(visible.length);
      for (const [i, l] of visible.entries()) expect(shown[i]).toContain(l.message.split('\n')[0] as string);
      await page.mouse.move(0, 0);
      await box.hover();
      await expect.poll(() => page.locator('#tooltip').isVisible()).toBe(true);
      expect(await page.locator('#tooltip').textContent()).toContain(`${n.logs.length} log lines`);
    }
    // DEBUG lines behind a checkbox
    await page.locator('g.node[data-node="prep.preprocess_shuttles"]').click();
    await page.locator('#show-debug').check();
    expect(await page.locator('#panel .logs').textContent()).toContain('capacity parsed as integers');
    // datasets with type and path
    expect(await page.locator('g.dataset').count()).toBe(ok.record.datasets.length);
    expect(await page.locator('g.dataset[data-dataset="companies"] title').textContent()).toBe(
      'companies — JSONDataset (data/01_raw/companies.json)',
    );
    await page.locator('g.dataset[data-dataset="companies"]').click();
    expect(await page.locator('#dataset-filepath').textContent()).toBe('data/01_raw/companies.json');
    // table rows select nodes too
    await page.locator('tr[data-row="create_model_input"] button').click();
    await expect.poll(() => page.locator('#panel-title').textContent()).toBe('create_model_input');
    expect(requests).toEqual([pathToFileURL(ok.path).href]);
    expect(errors).toEqual([]);
    await page.locator('g.node[data-node="model.train_model"]').click();
    await page.mouse.move(0, 0);
    await screenshot(page, 'report.png');
    await page.close();
  });

  it('shows a failed run: the failed node selected with its error, the nodes after it not run, the resume hint', async (ctx) => {
    ctx.skip(!available, MISSING_CHROMIUM);
    const { page, errors } = await openPage(browser as BrowserContext, pathToFileURL(failed.path).href);
    expect(await page.locator('#run-status').textContent()).toBe('failed');
    expect(await page.locator('g.node[data-node="model.train_model"]').getAttribute('class')).toContain(
      'status-failed',
    );
    expect(await page.locator('g.node[data-node="model.evaluate_model"]').getAttribute('class')).toContain(
      'status-not-run',
    );
    expect(await page.locator('#panel-title').textContent()).toBe('model.train_model');
    expect(await page.locator('#panel .err').textContent()).toBe(
      'Error: Gate says model.train_model fails: shuttle capacity out of range',
    );
    expect(await page.locator('#alert').textContent()).toContain('weft run --from-nodes "model.train_model"');
    expect(errors).toEqual([]);
    await screenshot(page, 'report-failed.png');
    await page.close();
  });

  it('is usable from the keyboard: arrows move between boxes, Enter opens one, focus is visible', async (ctx) => {
    ctx.skip(!available, MISSING_CHROMIUM);
    const { page, errors } = await openPage(browser as BrowserContext, pathToFileURL(ok.path).href);
    // Tab from the start of the page reaches the graph through the toolbar: the graph is one tab stop
    const first = page.locator('#graph [tabindex="0"]');
    expect(await first.count()).toBe(1);
    await first.focus();
    const focused = () =>
      page.evaluate<string | null>("document.activeElement?.getAttribute('data-id') ?? null");
    const start = await focused();
    expect(start).toMatch(/^n:prep\./);
    await page.keyboard.press('ArrowDown');
    const below = await focused();
    expect(below).not.toBe(start);
    expect(below).toMatch(/^d:/);
    await page.keyboard.press('ArrowUp');
    expect(await focused()).toBe(start);
    await page.keyboard.press('ArrowRight');
    const right = await focused();
    expect(right).not.toBe(start);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#panel-title').textContent()).toBe(right?.replace(/^[nd]:/, ''));
    // only the focused box is in the tab order; its outline is drawn (focus-visible)
    expect(await page.locator('#graph [tabindex="0"]').count()).toBe(1);
    const outline = await page.evaluate<string | null>(
      "(() => { const el = document.activeElement?.querySelector('.box, rect'); return el ? getComputedStyle(el).strokeWidth : null; })()",
    );
    expect(outline).toBe('3.5px');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#panel-title').textContent()).toBe('__default__');
    // "/" jumps to the search box; Enter in it opens the first match
    await page.keyboard.press('/');
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe('search');
    await page.keyboard.type('evaluate');
    expect(await page.locator('#search-status').textContent()).toBe('1 match');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#panel-title').textContent()).toBe('model.evaluate_model');
    expect(await focused()).toBe('n:model.evaluate_model');
    await screenshot(page, 'report-keyboard.png');
    expect(errors).toEqual([]);
    await page.close();
  });
});
