// Plain Node ESM consumer of the @weft/viz tarball: a run recorded by the hooks (with its log
// lines from the Prefect bridge), read back from the run history, and written as a report.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRunLogger, prefectHooks } from '@weft/prefect-bridge';
import { DataCatalog, node, pipeline, SequentialRunner } from '@weft/runner';
import { describeProject, RunHistory, RunRecorder, startViewer, writeReport } from '@weft/viz';

const dir = mkdtempSync(join(tmpdir(), 'weft-viz-consumer-'));
function double(x) {
  getRunLogger().info(`doubling ${x}`);
  return x * 2;
}
const recorder = new RunRecorder({ projectDir: dir, pipelineName: 'smoke' });
const hooks = [prefectHooks({ client: null, sinks: [recorder.logSink] }), recorder];
await new SequentialRunner().run(
  pipeline([node(double, 'x', 'y', { name: 'double' })]),
  new DataCatalog({ x: 21 }),
  {
    hooks,
  },
);
const run = recorder.lastRun;
assert.equal(run.status, 'completed');
assert.equal(run.nodes[0].status, 'completed');
assert.equal(run.nodes[0].logs[0].message, 'doubling 21');

const history = RunHistory.forProject(dir);
const [summary] = await history.list();
assert.deepEqual(await history.read(summary.id), run);

const html = readFileSync(await writeReport(run, join(dir, 'report.html')), 'utf8');
assert.match(html, /Content-Security-Policy/);
assert.match(html, /doubling 21/);
assert.match(html, /B6\.d3=|globalThis/); // the layout library is inlined

// the viewer: the project (code location of the node function, through the inspector) and the runs
const project = await describeProject({
  name: 'smoke',
  pipelines: { __default__: pipeline([node(double, 'x', 'y', { name: 'double' })]) },
});
assert.equal(project.pipelines[0].nodes[0].code.functionName, 'double');
assert.match(project.pipelines[0].nodes[0].code.file, /viz\.mjs$/);
const viewer = await startViewer({ projectDir: dir, project });
try {
  const runs = await (await fetch(`${viewer.url}api/runs`)).json();
  assert.equal(runs[0].status, 'completed');
  const page = await (await fetch(viewer.url)).text();
  assert.match(page, /Weft viewer/);
} finally {
  await viewer.close();
}

console.log('@weft/viz: ok');
