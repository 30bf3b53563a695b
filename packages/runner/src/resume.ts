/**
 * Kedro's resume suggestion: after a failure, the nearest nodes with persisted inputs from which
 * `pipeline.fromNodes(...)` re-runs everything that did not run.
 *
 * @module
 */
import type { DataCatalog } from './data-catalog.js';
import type { ResumeSuggestion } from './errors.js';
import { isParameter, stripTranscoding } from './names.js';
import type { Node } from './node.js';
import { Pipeline } from './pipeline.js';

/**
 * The node names to resume from, given the nodes that did not finish: backtrack from them through
 * producers of non-persistent (ephemeral or unregistered) inputs, extend downstream, and take the
 * first topological layer of the result.
 * @since 0.1.0
 */
export function findNodesToResumeFrom(
  pipeline: Pipeline,
  unfinished: readonly Node[],
  catalog: DataCatalog,
): string[] {
  if (unfinished.length === 0) return [];
  const toRun = new Set<Node>(unfinished);
  const sub = new Pipeline(unfinished);
  const subInputs = new Set([...sub.inputs()].map(stripTranscoding));
  const initial = unfinished.filter((n) => n.inputs.some((i) => subInputs.has(stripTranscoding(i))));
  const queue = [...initial];
  const visited = new Set<Node>(initial);
  while (queue.length > 0) {
    const current = queue.shift() as Node;
    toRun.add(current);
    for (const input of current.inputs) {
      if (isParameter(input)) continue;
      const ds = catalog.get(input);
      if (ds !== undefined && !ds.ephemeral) continue;
      const producer = pipeline._producer.get(stripTranscoding(input));
      if (producer !== undefined && !visited.has(producer)) {
        visited.add(producer);
        queue.push(producer);
      }
    }
  }
  const required = pipeline.fromNodes(...[...toRun].map((n) => n.name));
  return (required.groupedNodes[0] ?? []).map((n) => n.name);
}

/**
 * The suggestion object and its message, in a library's words (what to call). A command line
 * words it as what to type (`--from-nodes`).
 */
export function suggestResume(
  pipeline: Pipeline,
  unfinished: readonly Node[],
  catalog: DataCatalog,
  anyCompleted: boolean,
): ResumeSuggestion {
  if (!anyCompleted) {
    return {
      fromNodes: [],
      remaining: unfinished.length,
      message: 'No node completed: there is nothing to resume from; run the pipeline again.',
    };
  }
  const fromNodes = findNodesToResumeFrom(pipeline, unfinished, catalog).sort();
  if (fromNodes.length === 0) return { fromNodes, remaining: 0, message: 'All nodes ran.' };
  return {
    fromNodes,
    remaining: unfinished.length,
    message:
      `${unfinished.length} ${unfinished.length === 1 ? 'node' : 'nodes'} did not run. ` +
      `Resume from the nearest nodes with persisted inputs: run pipeline.fromNodes(${fromNodes.map((n) => JSON.stringify(n)).join(', ')}).`,
  };
}
