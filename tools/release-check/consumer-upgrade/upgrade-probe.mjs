// Run by the release test in a consumer project after it upgraded to the patch release:
//   node upgrade-probe.mjs <version> <package>...
// Every package imports as <version> with the patch's marker export, and the node of a pipeline
// sees that same @weft/runner on every runner: in this thread, in a worker thread, and (where
// redis-server is installed, always under CI) in a weft-worker process.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const [expected, ...names] = process.argv.slice(2);
assert.ok(expected && names.length > 0, 'usage: node upgrade-probe.mjs <version> <package>...');

for (const name of names) {
  const ns = await import(name);
  const manifestUrl = new URL('../package.json', import.meta.resolve(name));
  const { version } = JSON.parse(readFileSync(manifestUrl, 'utf8'));
  assert.equal(version, expected, `${name} resolves to ${manifestUrl.pathname}, version ${version}`);
  assert.equal(ns.RELEASE_TEST_PATCH, 'patched', `${name}@${version} lacks the patch release's marker`);
}

const { DataCatalog, ParallelRunner, SequentialRunner, ThreadRunner } = await import('@weft/runner');
const { probe } = await import('./upgrade-probe-nodes.mjs');
const parallel = new ParallelRunner({
  module: new URL('./upgrade-probe-nodes.mjs', import.meta.url),
  maxWorkers: 1,
});
const seen = [];
try {
  for (const runner of [new SequentialRunner(), new ThreadRunner(), parallel]) {
    const { loaded } = await runner.run(probe, new DataCatalog({ tag: runner.constructor.name }));
    seen.push(loaded);
  }
} finally {
  await parallel.close();
}
assert.notEqual(seen[2].threadId, 0, 'ParallelRunner ran the node in a worker thread');

const { findRedisServer, REDIS_INSTALL_HINT, startLocalCluster } = await import('@weft/distributed');
if (findRedisServer() === undefined) {
  if (process.env.CI) throw new Error(`redis-server is missing under CI: ${REDIS_INSTALL_HINT}`);
  console.log(`upgrade probe: distributed run skipped (${REDIS_INSTALL_HINT})`);
} else {
  const cluster = await startLocalCluster({
    modules: new URL('./upgrade-probe-nodes.mjs', import.meta.url),
    workers: 1,
  });
  try {
    const { loaded } = await cluster.runner.run(probe, new DataCatalog({ tag: 'DistributedRunner' }));
    assert.notEqual(loaded.pid, process.pid, 'DistributedRunner ran the node in a weft-worker process');
    seen.push(loaded);
  } finally {
    await cluster.close();
  }
}

for (const loaded of seen) {
  assert.equal(loaded.version, expected, `${loaded.tag} ran the node with @weft/runner ${loaded.version}`);
  assert.equal(loaded.marker, 'patched', `${loaded.tag} ran the node without the patch's marker`);
}
console.log(`upgrade probe: ok (${seen.map((l) => l.tag).join(', ')} ran @weft/runner ${expected})`);
