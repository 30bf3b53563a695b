/** Runs the small pipeline with the Prefect hooks (embedded) and a recorder; returns the record. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prefectHooks } from '@weft/prefect-bridge';
import { ThreadRunner } from '@weft/runner';
import { type RunRecord, RunRecorder } from '../../src/index.js';
import { GATE_DIR_ENV } from '../fixtures/nodes.js';
import { SMALL_NODES, smallCatalog, smallPipeline } from './pipelines.js';

/** A finished run of the small pipeline (failing at `fail` when given), recorded into `dir`'s history. */
export async function recordSmallRun(
  options: { fail?: string; dir?: string } = {},
): Promise<{ dir: string; record: RunRecord }> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'weft-viz-'));
  const recorder = new RunRecorder({
    projectDir: dir,
    project: 'spaceflights',
    resumeHint: (nodes) => `weft run --from-nodes "${nodes.join(',')}"`,
    userContext: { tenant: 'acme-space' },
  });
  const prefect = prefectHooks({ client: null, sinks: [recorder.logSink], flowName: 'spaceflights' });
  if (options.fail !== undefined) {
    process.env[GATE_DIR_ENV] = dir;
    for (const n of SMALL_NODES) writeFileSync(join(dir, `${n}.${n === options.fail ? 'fail' : 'go'}`), '');
  }
  try {
    await new ThreadRunner().run(smallPipeline(), smallCatalog(dir), { hooks: [prefect, recorder] });
  } catch {
    // the record says how it failed
  } finally {
    delete process.env[GATE_DIR_ENV];
  }
  return { dir, record: recorder.lastRun as RunRecord };
}
