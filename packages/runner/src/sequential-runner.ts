/**
 * `SequentialRunner`: one node at a time, in topological order, on the caller's thread.
 *
 * @module
 */
import { AbstractRunner } from './abstract-runner.js';
import { type Execution, invokeInline } from './execution.js';

/**
 * Runs nodes one at a time in `pipeline.nodes` order (deterministic). Each node still runs in its
 * own copy of the caller's context.
 *
 * @example
 * ```ts
 * const outputs = await new SequentialRunner().run(pipeline([node(double, 'x', 'y')]), new DataCatalog({ x: 2 }));
 * outputs.y; // 4
 * ```
 * @since 0.1.0
 */
export class SequentialRunner extends AbstractRunner {
  protected _prepare(): Execution {
    return { slots: 1, invoke: invokeInline };
  }
}
