// Plain Node ESM consumer of the @weft/prefect-bridge tarball: getRunLogger() outside a run fails
// as Prefect's does; inside a task run its records carry the flow-run and task-run ids.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  flushLogs,
  getRunLogger,
  MemorySink,
  MissingContextError,
  runInFlowRun,
  runInTaskRun,
  setDefaultSinks,
} from '@weft/prefect-bridge';

assert.throws(() => getRunLogger(), MissingContextError);

const sink = new MemorySink();
setDefaultSinks([sink]);
const flowRun = { id: randomUUID(), name: 'release-check', flowName: 'smoke' };
const taskRun = { id: randomUUID(), name: 'smoke-1', taskName: 'smoke', flowRunId: flowRun.id };
await runInFlowRun(flowRun, () =>
  runInTaskRun(taskRun, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    getRunLogger().info('hello from a task run');
  }),
);
await flushLogs();

const [record] = sink.find('hello from a task run');
assert.ok(record, 'the record reached the sink');
assert.equal(record.flowRunId, flowRun.id);
assert.equal(record.taskRunId, taskRun.id);
assert.equal(record.extra.task_run_name, 'smoke-1');

console.log('@weft/prefect-bridge: ok');
