/**
 * How many nodes of a pipeline can usefully run at once (Kedro's `_get_required_workers_count`).
 *
 * @module
 */
import type { Pipeline } from './pipeline.js';

/** `nodes − layers + 1`: the most nodes that can ever be ready at the same time is at most this. */
export function requiredWorkers(pipeline: Pipeline): number {
  return Math.max(1, pipeline.nodes.length - pipeline.groupedNodes.length + 1);
}
