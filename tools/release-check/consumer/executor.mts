// Typed consumer of the @weft/executor tarball, checked by tsc against the shipped .d.ts.
import { ContextVar } from '@weft/contextvars';
import {
  AsyncExecutor,
  asCompleted,
  type Executor,
  ExecutorError,
  type Future,
  taskRef,
  WorkerThreadExecutor,
  wait,
} from '@weft/executor';

const traceId = new ContextVar<string>('release-check.typed_trace_id', { propagate: true });
const inThread = new AsyncExecutor({ maxWorkers: 2, propagateContext: true });
const executor: Executor<(text: string) => number> = inThread;

const length: Future<number> = inThread.submit((text: string) => text.length, 'abc');
// @ts-expect-error the task takes a string
inThread.submit((text: string) => text.length, 42);

async function consume(): Promise<number> {
  const { done, notDone } = await wait([length], { timeoutMs: 1000, returnWhen: 'ALL_COMPLETED' });
  let completed = 0;
  for await (const finished of asCompleted([length], { timeoutMs: 1000 }))
    completed += await finished.result();
  const workers = new WorkerThreadExecutor({ maxWorkers: 1, contextFilter: { allow: [traceId] } });
  const checksum = taskRef<(text: string) => string>(new URL('./tasks.js', import.meta.url), 'checksum');
  const digest: string = await workers.submit(checksum, 'hello');
  await workers.shutdown({ wait: true });
  await executor.shutdown();
  return completed + done.size + notDone.size + digest.length + (await length.result({ timeoutMs: 10 }));
}

function describe(error: unknown): string {
  return error instanceof ExecutorError ? `${error.name} ${error.code}` : 'other';
}

export { consume, describe };
