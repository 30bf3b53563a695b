/**
 * How many workers a runner uses: how many nodes of a pipeline can usefully run at once (Kedro's
 * `_get_required_workers_count`), and the check of a `maxWorkers` option.
 *
 * @module
 */
import { RunnerConfigError } from './errors.js';
import type { Pipeline } from './pipeline.js';

/**
 * `nodes − layers + 1`: the most nodes that can ever be ready at the same time is at most this.
 *
 * @since 0.1.0
 * @experimental
 */
export function requiredWorkers(pipeline: Pipeline): number {
  return Math.max(1, pipeline.nodes.length - pipeline.groupedNodes.length + 1);
}

/**
 * Validates a `maxWorkers` option: a positive integer (or undefined).
 *
 * @since 0.1.0
 * @experimental
 */
export function validateMaxWorkers(runner: string, maxWorkers: number | undefined): void {
  if (maxWorkers === undefined) return;
  if (!(Number.isInteger(maxWorkers) && maxWorkers > 0)) {
    throw new RunnerConfigError(
      'ERR_RUNNER_OPTIONS',
      `${runner}: max_workers should be positive (maxWorkers: ${maxWorkers}).`,
    );
  }
}
