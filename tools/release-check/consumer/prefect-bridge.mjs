// Plain Node ESM consumer of the @weft/prefect-bridge tarball: getRunLogger() outside a run fails
// as Prefect's does; inside a task run its records carry the flow-run and task-run ids, also when
// prefectHooks map a pipeline run on ParallelRunner to a flow run and the node logs from a worker.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  getRunLogger,
  MissingContextError,
  prefectHooks,
  runInFlowRun,
  runInTaskRun,
} from '@weft/prefect-bridge';
import { flushLogs, MemorySink, setDefaultSinks } from '@weft/prefect-bridge/logging';
import { DataCatalog, ParallelRunner } from '@weft/runner';
import { greeting } from './prefect-bridge-pipeline.mjs';

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

const hookSink = new MemorySink();
const hooks = prefectHooks({ client: null, sinks: [hookSink], flowName: 'release-check' });
const runner = new ParallelRunner({
  module: new URL('./prefect-bridge-pipeline.mjs', import.meta.url),
  maxWorkers: 1,
});
try {
  const outputs = await runner.run(greeting, new DataCatalog({ name: 'tarball' }), {
    hooks: [hooks],
    runId: 'release-check-run',
  });
  assert.deepEqual(outputs, { greeting: 'hello tarball' });
} finally {
  await runner.close();
}
const [fromWorker] = hookSink.find('greeting tarball main=false');
assert.ok(
  fromWorker,
  `the worker's record reached the main thread's sink: ${JSON.stringify(hookSink.messages())}`,
);
assert.equal(fromWorker.flowRunId, hooks.flowRuns.get('release-check-run')?.id);
assert.equal(fromWorker.extra.task_run_name, 'greet');
assert.ok(fromWorker.taskRunId, 'the record carries the task run of its node');

console.log('@weft/prefect-bridge: ok');
