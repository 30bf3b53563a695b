// Plain Node ESM consumer of the @weft/executor tarball: the submitter's context reaches an
// in-thread task and a worker-thread task, both through the installed @weft/contextvars.
import assert from 'node:assert/strict';
import { AsyncExecutor, WorkerThreadExecutor } from '@weft/executor';
import { traceId } from './executor-shared.mjs';
import { tasks } from './executor-tasks.mjs';

const inThread = new AsyncExecutor({ maxWorkers: 2 });
const future = traceId.run('t-1', () =>
  inThread.submit(async (suffix) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return `${traceId.get()}:${suffix}`;
  }, 'async'),
);
assert.equal(await future, 't-1:async');
assert.equal(future.done(), true);
await inThread.shutdown();

const workers = new WorkerThreadExecutor({ maxWorkers: 1 });
try {
  const result = await traceId.run('t-2', () => workers.submit(tasks.readTrace, 'worker'));
  assert.equal(result, 't-2:worker');
} finally {
  await workers.shutdown();
}

console.log('@weft/executor: ok');
