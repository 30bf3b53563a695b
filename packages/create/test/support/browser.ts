/**
 * Debian's Chromium through playwright-core, as the viewer's own tests use it, and the rule for a
 * missing binary: skipped with an install hint locally, a failure under CI.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Where screenshots go (gitignored). */
export const RESULTS_DIR = resolve(import.meta.dirname, '../../test-results');
export const MISSING_CHROMIUM = `${CHROMIUM} not found: install Debian's chromium to run this test (apt-get install chromium)`;

/** Throws under CI when Chromium is missing; returns whether the browser tests can run. */
export function requireChromium(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${MISSING_CHROMIUM}. Under CI=true ${what} must run.`);
  console.warn(`skipping ${what}: ${MISSING_CHROMIUM}`);
  return false;
}

const profiles = new WeakMap<BrowserContext, string>();

/** A headless Chromium with its own profile ({@link closeChromium} removes it). */
export async function launchChromium(): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'weft-create-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
    viewport: { width: 1440, height: 1000 },
  });
  profiles.set(context, profile);
  return context;
}

/** Closes a browser of {@link launchChromium} and removes its profile. */
export async function closeChromium(browser: BrowserContext | undefined): Promise<void> {
  if (browser === undefined) return;
  await browser.close();
  const profile = profiles.get(browser);
  if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
}

/** Opens `url` and waits for the viewer's page to be ready; collects its errors and requests. */
export async function openPage(browser: BrowserContext, url: string) {
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  // A selector, not a string predicate: polling a string evaluates it in the page, which the
  // viewer's Content-Security-Policy (no 'unsafe-eval') rightly refuses.
  await page.locator('body[data-ready]').waitFor({ state: 'attached' });
  return { page, errors, requests };
}

/** Saves a full-page screenshot under `packages/create/test-results/`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}
