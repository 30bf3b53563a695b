// Plain Node ESM consumer of the @weft/distributed tarball: bad options fail clearly, the installed
// weft-worker command runs, and (where redis-server is installed, always under CI) a local cluster
// of weft-worker processes runs a node in another process, in the caller's context.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  DistributedConfigError,
  DistributedRunner,
  findRedisServer,
  REDIS_INSTALL_HINT,
  startLocalCluster,
} from '@weft/distributed';
import { DataCatalog } from '@weft/runner';
import { shouting, tenant } from './distributed-pipeline.mjs';

assert.throws(
  () => new DistributedRunner({ redis: '/tmp/none.sock', storage: '/tmp' }),
  DistributedConfigError,
);

// The installed `weft-worker` command (node_modules/.bin, linked by npm from the package's bin).
const bin = fileURLToPath(new URL('./node_modules/.bin/weft-worker', import.meta.url));
const help = spawnSync(bin, ['--help'], { encoding: 'utf8' });
assert.equal(help.status, 0, `weft-worker --help failed: ${help.error ?? help.stderr}`);
assert.match(help.stdout, /^Usage: weft-worker /);

if (findRedisServer() === undefined) {
  if (process.env.CI) throw new Error(`redis-server is missing under CI: ${REDIS_INSTALL_HINT}`);
  console.log(`@weft/distributed: ok (cluster run skipped: ${REDIS_INSTALL_HINT})`);
} else {
  const cluster = await startLocalCluster({
    modules: new URL('./distributed-pipeline.mjs', import.meta.url),
    workers: 1,
  });
  try {
    const outputs = await tenant.run('acme', () =>
      cluster.runner.run(shouting, new DataCatalog({ word: 'hi' })),
    );
    const [who, word, pid] = String(outputs.shouted).split(':');
    assert.deepEqual([who, word], ['acme', 'HI']);
    assert.notEqual(Number(pid), process.pid, 'the node ran in a worker process');
  } finally {
    await cluster.close();
  }
  console.log('@weft/distributed: ok');
}
