/**
 * The errors a node of a group gets when its job did not run it, or its result was discarded (see
 * {@link GroupNotRunError}).
 *
 * @module
 */
import type { Node } from '@weft/runner';
import { GroupNotRunError } from './errors.js';

/** Why a node of a job was not run or its result not used. */
export type NotRunReason = 'not-submitted' | 'failed-before' | 'discarded';

/** Builds the error of `node`, kept from running (or from completing) by `blocker`. */
export function groupNotRun(
  node: Node,
  blocker: Node,
  reason: NotRunReason,
  cause: unknown,
): GroupNotRunError {
  const message =
    reason === 'discarded'
      ? `Node '${node.name}' ran in one job (groupNodes) with node '${blocker.name}', which failed on the coordinator after the job (its hooks or saves); the results of the nodes after it in the job are discarded.`
      : reason === 'failed-before'
        ? `Node '${node.name}' was not run: it is in one job (groupNodes) with node '${blocker.name}', which comes before it and failed.`
        : `Node '${node.name}' was not run: its job (groupNodes, with node '${blocker.name}' first) could not run.`;
  return new GroupNotRunError(
    'ERR_GROUP_NOT_RUN',
    message,
    node.name,
    blocker.name,
    cause === undefined ? undefined : { cause },
  );
}
