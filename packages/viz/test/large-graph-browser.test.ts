/**
 * A 500-node pipeline in the viewer, in headless Chromium: namespaces start collapsed, "Expand all"
 * lays out and draws every node within a generous bound (the real figure is measured in
 * `bench/`, `pnpm bench:viz`), and the expanded graph stays usable from the keyboard and search.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeProject, startViewer, type Viewer } from '../src/index.js';
import {
  launchChromium,
  MISSING_CHROMIUM,
  openPage,
  requireChromium,
  screenshot,
} from './support/browser.js';
import { generatedPipeline } from './support/pipelines.js';

const available = requireChromium('the large graph browser test');

describe('a 500-node pipeline in the viewer', () => {
  let browser: BrowserContext | undefined;
  let viewer: Viewer | undefined;
  beforeAll(async () => {
    if (!available) return;
    const dir = mkdtempSync(join(tmpdir(), 'weft-viz-large-'));
    const project = await describeProject({
      name: 'large',
      pipelines: { __default__: generatedPipeline(500) },
      locateCode: false,
    });
    viewer = await startViewer({ projectDir: dir, project });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await viewer?.close();
    await browser?.close();
  });

  it('opens collapsed by namespace, expands to all 500 nodes within the bound, and stays usable', async (ctx) => {
    ctx.skip(!available, MISSING_CHROMIUM);
    const { page, errors } = await openPage(browser as BrowserContext, (viewer as Viewer).url);
    expect(await page.locator('g.group[data-namespace]').count()).toBe(10);
    await screenshot(page, 'large-collapsed.png');
    const started = Date.now();
    await page.locator('#expand-all').click();
    await expect.poll(() => page.locator('g.node[data-node]').count(), { timeout: 60_000 }).toBe(500);
    const wall = Date.now() - started;
    const timings = await page.evaluate<{ layoutMs: number; renderMs: number; vertices: number }>(
      '({ ...window.weftViz.timings })',
    );
    console.log(
      `500 nodes: layout ${Math.round(timings.layoutMs)} ms, layout + drawing ${Math.round(timings.renderMs)} ms (${timings.vertices} layered vertices), click to drawn ${wall} ms`,
    );
    // generous: the bound of the issue (2 s) is checked by the benchmark, on a quiet machine
    expect(timings.renderMs).toBeLessThan(15_000);
    // boxes do not overlap
    const overlaps = await page.evaluate<number>(`(() => {
      const boxes = [...document.querySelectorAll('#graph [data-id]')].map((e) => e.getBBox && e.getBoundingClientRect());
      let n = 0;
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) n++;
      }
      return n;
    })()`);
    expect(overlaps).toBe(0);
    // search finds a node deep in the graph; Enter opens it and scrolls it into view
    await page.locator('#search').fill('ns_7.step_42');
    await page.locator('#search').press('Enter');
    await expect.poll(() => page.locator('#panel-title').textContent()).toBe('ns_7.step_42');
    const box = await page.locator('g.node[data-node="ns_7.step_42"]').boundingBox();
    expect(box).not.toBeNull();
    // arrow keys walk the graph
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate<string>("document.activeElement.getAttribute('data-id')")).toMatch(/^[dn]:/);
    await screenshot(page, 'large-expanded.png');
    expect(errors).toEqual([]);
    await page.close();
  });
});
