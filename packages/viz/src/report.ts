/**
 * The run report: one self-contained HTML file (no network access, inline everything) showing a
 * recorded run as the viewer shows it when the run has ended.
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { VizError } from './errors.js';
import { renderPage } from './page.js';
import type { RunRecord } from './run-record.js';

/**
 * Renders a run as a self-contained HTML document.
 *
 * @example
 * ```ts
 * const html = renderReport(recorder.lastRun!);
 * ```
 */
export function renderReport(run: RunRecord): string {
  if (run === null || typeof run !== 'object' || !Array.isArray(run.nodes)) {
    throw new VizError(
      'VIZ_REPORT',
      'renderReport needs a RunRecord (from a RunRecorder or RunHistory.read)',
    );
  }
  return renderPage({ mode: 'report', run }, `${run.pipeline} · ${run.status} · Weft run report`);
}

/**
 * Writes the run report of `run` to `path` (folders created as needed).
 *
 * @throws {VizError} when the file cannot be written.
 */
export async function writeReport(run: RunRecord, path: string): Promise<string> {
  const html = renderReport(run);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, html);
  } catch (error) {
    throw new VizError('VIZ_REPORT_WRITE', `Cannot write the run report to ${path}`, { cause: error });
  }
  return path;
}
