// Plain Node ESM consumer of the @weft/runner tarball: one pipeline on every runner, the caller's
// context and a hook-bound per-node value visible inside each node (worker threads included).
import assert from 'node:assert/strict';
import { DataCatalog, node, ParallelRunner, pipeline, SequentialRunner, ThreadRunner } from '@weft/runner';
import { biconcat, identity, mix, suiteNodesModule } from '@weft/runner/testing';
import { currentNode, incrementAndLabel, runTag } from './runner-pipeline.mjs';

const hooks = [{ beforeNodeRun: ({ node }) => void currentNode.set(node.name) }];
const parallel = new ParallelRunner({
  module: new URL('./runner-pipeline.mjs', import.meta.url),
  maxWorkers: 1,
});
try {
  for (const runner of [new SequentialRunner(), new ThreadRunner(), parallel]) {
    const outputs = await runTag.run('run-7', () =>
      runner.run(incrementAndLabel, new DataCatalog({ x: 1 }), { hooks }),
    );
    assert.deepEqual(outputs, { labelled: 'run-7/label/2' }, runner.constructor.name);
  }
  assert.equal(currentNode.get('unbound'), 'unbound', 'node context must not leak into the caller');
} finally {
  await parallel.close();
}

// The conformance matrix's node functions: worker threads import them from the published module.
const matrix = new ParallelRunner({ module: suiteNodesModule, maxWorkers: 1 });
try {
  const p = pipeline([
    node(identity, 'a', 'b', { name: 'copy' }),
    node(mix, ['seed', 'b'], 'm', { name: 'mix' }),
    node(biconcat, ['b', 'm'], 'both', { name: 'both' }),
  ]);
  const outputs = await matrix.run(p, new DataCatalog({ a: 5, seed: 3 }));
  assert.deepEqual(outputs, { both: [5, mix(3, 5)] }, '@weft/runner/testing suiteNodesModule');
} finally {
  await matrix.close();
}

console.log('@weft/runner: ok');
