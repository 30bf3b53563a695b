/**
 * Test support: the random DAGs of @weft/runner/testing, made of this package's fixture `mix`
 * nodes (which the test workers import by name); the same seed gives the same DAG.
 */
import { type RandomDag, type RandomDagOptions, randomDag as sharedRandomDag } from '@weft/runner/testing';

export { prng } from '@weft/runner/testing';

import { mix, mixAsync, mixTwo } from '../fixtures/nodes.js';

/** A random DAG of the fixture's mix nodes, and its inputs (compare runners with each other). */
export function randomDag(seed: number, options: RandomDagOptions = {}): RandomDag {
  return sharedRandomDag(seed, {
    size: 4 + (seed % 12),
    fns: { one: [mix, mixAsync], two: mixTwo },
    ...options,
  });
}
