// The pipeline runner.mjs runs: node functions are module exports, so ParallelRunner's worker
// threads can import them from this file.
import { ContextVar } from '@weft/contextvars';
import { node, pipeline } from '@weft/runner';

/** Bound by the caller of run(): every node sees it, on every runner. */
export const runTag = new ContextVar('release-check.run_tag', { propagate: true });
/** Bound per node by a beforeNodeRun hook: the node function sees its own name. */
export const currentNode = new ContextVar('release-check.current_node', { propagate: true });

export function increment(x) {
  return x + 1;
}

export function label(y) {
  return `${runTag.get('untagged')}/${currentNode.get('unbound')}/${y}`;
}

export const incrementAndLabel = pipeline([
  node(increment, 'x', 'y', { name: 'increment' }),
  node(label, 'y', 'labelled', { name: 'label' }),
]);
