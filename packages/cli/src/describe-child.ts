/**
 * The child process of `weft viz` that loads and describes the project (see
 * `project-description.ts`): argv[2] is the request as JSON; the description (or what went wrong)
 * goes back over the IPC channel, and the parent ends the process.
 *
 * @module
 */

import { describeError } from '@weft/runner/extend';
import { ConfigError, UsageError } from './errors.js';
import { type DescribeReply, type DescribeRequest, describeLoadedProject } from './project-description.js';
import { registerTypeScript } from './typescript-loader.js';

function send(reply: DescribeReply): void {
  process.send?.(reply);
}

// the parent ends this process once it has the reply; should the parent die first, go too
process.on('disconnect', () => process.exit(0));

try {
  registerTypeScript();
  const request = JSON.parse(process.argv[2] ?? '{}') as DescribeRequest;
  send({ ok: true, project: await describeLoadedProject(request) });
} catch (error) {
  const message = describeError(error);
  send({
    ok: false,
    message:
      UsageError.is(error) || ConfigError.is(error)
        ? message
        : `loading the project failed: ${error instanceof Error ? (error.stack ?? message) : message}`,
    kind: UsageError.is(error) ? 'usage' : ConfigError.is(error) ? 'config' : 'crash',
  });
}
