import { getEnvironmentData } from 'node:worker_threads';
import { serializeContext } from '@weft/contextvars';
import { describe, expect, it } from 'vitest';
import { runInFlowRun, runInTaskRun } from '../src/index.js';
import {
  flushLogs,
  isForwardingThread,
  MemorySink,
  setDefaultSinks,
  waitForWorkerLogs,
} from '../src/logging.js';
import { runTsWorker } from './support/ts-worker.js';

const fixture = new URL('./fixtures/log-worker.ts', import.meta.url);

const runWorker = (data: Record<string, unknown>) => runTsWorker<{ forwarding: boolean }>(fixture, data);

describe('logs from worker threads', () => {
  it('reach the root thread sinks with the ids they were emitted with, in emit order', async () => {
    const sink = new MemorySink();
    setDefaultSinks([sink]);
    expect(isForwardingThread()).toBe(false);
    const flowRun = { id: 'f-w', name: 'run', flowName: 'flow' };
    const contexts = ['a', 'b', 'c'].map((tag) =>
      runInFlowRun(flowRun, () =>
        runInTaskRun({ id: `task-${tag}`, name: tag, taskName: tag, flowRunId: 'f-w' }, () =>
          serializeContext(),
        ),
      ),
    );
    const results = await Promise.all(
      contexts.map((context, i) =>
        runWorker({ context, count: 200, tag: ['a', 'b', 'c'][i], unclonable: i === 0 }),
      ),
    );
    expect(results.every((r) => r.forwarding)).toBe(true);
    expect(await waitForWorkerLogs(5000)).toBe(true);
    await flushLogs();
    for (const tag of ['a', 'b', 'c']) {
      const own = sink.records.filter((r) => r.extra.worker === tag || r.message.startsWith(`${tag} `));
      const numbered = own.filter((r) => /^\w \d+$/.test(r.message));
      expect(numbered.map((r) => r.message)).toEqual(Array.from({ length: 200 }, (_, i) => `${tag} ${i}`));
      expect(new Set(numbered.map((r) => r.taskRunId))).toEqual(new Set([`task-${tag}`]));
      expect(numbered.every((r) => r.flowRunId === 'f-w' && r.name === 'prefect.task_runs')).toBe(true);
      const stamps = numbered.map((r) => r.timestamp);
      expect([...stamps].sort((x, y) => x - y)).toEqual(stamps);
      expect(sink.find(`${tag} from a timer`)[0]).toMatchObject({ taskRunId: `task-${tag}`, level: 30 });
      expect(sink.find(`${tag} nested task`)[0]?.taskRunId).toBe(`${tag}-nested`);
    }
    // an extra value that cannot be cloned travels as a string instead of losing the record
    expect(sink.find('a with a function')[0]?.extra.fn).toMatch(/^\[Function/);
  }, 60_000);

  it('records lost in transit are waited for once, not again at every later wait', async () => {
    expect(await waitForWorkerLogs(1000)).toBe(true);
    // a worker counted 5 records as posted, then died before they were delivered
    const link = getEnvironmentData('@weft/prefect-bridge/log-forwarding/v1') as {
      counter: SharedArrayBuffer;
    };
    Atomics.add(new Int32Array(link.counter), 0, 5);
    let started = Date.now();
    expect(await waitForWorkerLogs(200)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    started = Date.now();
    for (let node = 0; node < 20; node++) expect(await waitForWorkerLogs(200)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000); // not 20 x 200 ms
  });
});
