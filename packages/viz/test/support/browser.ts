/**
 * Debian's Chromium through playwright-core, as the other browser tests of the repository use it,
 * and the rule for a missing binary: skipped with an install hint locally, a failure under CI.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
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
/** Where screenshots go (gitignored). */
export const RESULTS_DIR = resolve(import.meta.dirname, '../../test-results');
export const chromiumAvailable = existsSync(CHROMIUM);
export const MISSING_CHROMIUM = `${CHROMIUM} not found: install Debian's chromium to run this test (apt-get install chromium)`;

/** Throws under CI when Chromium is missing; returns whether the browser tests can run. */
export function requireChromium(what: string): boolean {
  if (chromiumAvailable) return true;
  if (process.env.CI) throw new Error(`${MISSING_CHROMIUM}. Under CI=true ${what} must run.`);
  console.warn(`skipping ${what}: ${MISSING_CHROMIUM}`);
  return false;
}

/** A headless Chromium with its own profile. */
export function launchChromium(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'weft-viz-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1440, height: 1000 },
  });
}

/** A page that records its requests and errors. */
export async function openPage(browser: BrowserContext, url: string) {
  const page = await browser.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  // A selector, not a string predicate: polling a string evaluates it in the page, which the
  // viewer's Content-Security-Policy (no 'unsafe-eval') rightly refuses.
  await page.locator('body[data-ready]').waitFor({ state: 'attached' });
  return { page, requests, errors };
}

/** Saves a full-page screenshot under `test-results/`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}
