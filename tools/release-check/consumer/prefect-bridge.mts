// Typed consumer of the @weft/prefect-bridge tarball, checked by tsc against the shipped .d.ts.
import {
  type FlowRunInfo,
  getRunLogger,
  PrefectBridgeError,
  PrefectClient,
  type RunLogger,
  runInFlowRun,
  type TaskRunInfo,
} from '@weft/prefect-bridge';
import { type LogRecord, type LogSink, MemorySink } from '@weft/prefect-bridge/logging';

const flowRun: FlowRunInfo = { id: 'f', name: 'release-check', flowName: 'smoke' };
const taskRun: TaskRunInfo = { id: 't', name: 'smoke-1', taskName: 'smoke', flowRunId: flowRun.id };
// @ts-expect-error a flow run needs its flow's name
const incomplete: FlowRunInfo = { id: 'f', name: 'release-check' };

const sink: LogSink = new MemorySink({ level: 20 });
const logger: RunLogger = runInFlowRun(flowRun, () => getRunLogger({ component: 'consumer' }));
logger.info('typed');
const records: readonly LogRecord[] = (sink as MemorySink).records;
const client = new PrefectClient({ apiUrl: 'http://127.0.0.1:4200/api' });

function describe(error: unknown): string {
  return error instanceof PrefectBridgeError ? `${error.name} ${error.code}` : 'other';
}

export { client, describe, incomplete, records, taskRun };
