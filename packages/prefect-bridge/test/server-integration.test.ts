/**
 * Integration tests against a real Prefect 3 server (started by test/support/global-setup.ts).
 * These cover reference/prefect.md §6: sanity, flow and task runs with states and names, log
 * routing (worker threads and nested async callbacks included), ordering, failure, volume,
 * truncation, missing context, API down and the orchestration guard.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serializeContext } from '@weft/contextvars';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import {
  flow,
  getRunLogger,
  type Log,
  MissingContextError,
  PrefectAbortError,
  PrefectApiError,
  PrefectApiSink,
  PrefectClient,
  task,
} from '../src/index.js';
import { getDefaultSinks, MemorySink, setDefaultSinks } from '../src/logging.js';
import { TRUNCATION_SUFFIX } from '../src/prefect-api-sink.js';
import { API_ERROR_HEADER, captureApiProblems } from '../src/testing.js';
import { freePort, PREFECT_VERSION } from './support/prefect-server.js';
import { runTsWorker } from './support/ts-worker.js';

// worker threads and a real server on a shared, loaded machine: bound each test generously
vi.setConfig({ testTimeout: 60_000 });

const apiUrl = inject('prefectApiUrl');
const workerFixture = new URL('./fixtures/log-worker.ts', import.meta.url);
const exitFixture = new URL('./fixtures/exit-without-flush.ts', import.meta.url);

describe.skipIf(apiUrl === null)('against a real Prefect server', () => {
  let client: PrefectClient;
  beforeAll(() => {
    client = new PrefectClient({ apiUrl: apiUrl as string });
  });

  const uniq = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

  describe('sanity', () => {
    it('health, API version and server version', async () => {
      expect(await client.health()).toBe(true);
      expect(await client.version()).toMatch(/^\d+\.\d+\.\d+$/);
      expect(await client.serverVersion()).toBe(PREFECT_VERSION);
    });

    it('the server rejects a malformed API version header with 400', async () => {
      const bad = new PrefectClient({ apiUrl: apiUrl as string, apiVersion: 'abc' });
      const error = await bad.createFlow('x').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PrefectApiError);
      expect((error as PrefectApiError).status).toBe(400);
      expect((error as Error).message).toMatch(/Invalid X-PREFECT-API-VERSION header format/);
    });

    it('the server rejects a log with an extra field (422), so the sink must never send one', async () => {
      const error = await client
        .request('POST', '/logs/', [
          {
            name: 'x',
            level: 20,
            message: 'm',
            timestamp: new Date().toISOString(),
            flow_run_id: null,
            node: 'n',
          },
        ])
        .catch((e: unknown) => e);
      expect((error as PrefectApiError).status).toBe(422);
      expect(JSON.stringify((error as PrefectApiError).body)).toMatch(/extra_forbidden/);
    });

    it('flows are idempotent on name; unknown names read as undefined', async () => {
      const name = uniq('idem');
      const a = await client.createFlow(name);
      const b = await client.createFlow(name);
      expect(b.id).toBe(a.id);
      expect((await client.readFlowByName(name))?.id).toBe(a.id);
      expect(await client.readFlowByName(uniq('missing'))).toBeUndefined();
    });

    it('lists the flow runs of a flow, newest first', async () => {
      const f = await client.createFlow(uniq('list'));
      const first = await client.createFlowRun({ flowId: f.id, name: 'first' });
      const second = await client.createFlowRun({ flowId: f.id, name: 'second' });
      const runs = await client.readFlowRuns({ flowId: f.id });
      expect(runs.map((r) => r.id)).toEqual([second.id, first.id]);
      expect(await client.readFlowRuns({ flowId: f.id, limit: 1, offset: 1 })).toHaveLength(1);
      await expect(client.readFlowRuns({ limit: 0 })).rejects.toThrow(
        'readFlowRuns limit must be an integer from 1 to 200, got 0',
      );
    });

    it('orchestration guard: a task run cannot start while its flow run is PENDING (ABORT)', async () => {
      const f = await client.createFlow(uniq('guard'));
      const run = await client.createFlowRun({ flowId: f.id });
      expect(run.state_type).toBe('PENDING');
      const t = await client.createTaskRun({ flowRunId: run.id, taskKey: 'k', dynamicKey: '0', name: 'k-0' });
      const error = await client.setTaskRunState(t.id, { type: 'RUNNING' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PrefectAbortError);
      expect((error as Error).message).toMatch(/The enclosing flow must be running/);
      expect((await client.setFlowRunState(run.id, { type: 'RUNNING' })).status).toBe('ACCEPT');
      expect((await client.setTaskRunState(t.id, { type: 'RUNNING' })).status).toBe('ACCEPT');
    });
  });

  describe('flow() and task()', () => {
    it('report a flow run with one task run per task, logs routed to each task run (worker threads and nested callbacks included)', async () => {
      const sink = new PrefectApiSink({ client, batchIntervalMs: 200 });
      const memory = new MemorySink();
      const flowName = uniq('happy');
      const extract = task(
        async () => {
          getRunLogger().info('sentinel extract');
          await new Promise<void>((resolve) =>
            setTimeout(() => {
              Promise.resolve().then(() => getRunLogger().info('sentinel extract nested callback'));
              resolve();
            }, 5),
          );
          for (let i = 0; i < 50; i++) getRunLogger().info(`order ${i}`);
          return [1, 2, 3];
        },
        { name: 'extract' },
      );
      const transform = task(
        async (xs: number[]) => {
          // the body hands work to a worker thread, carrying the run context along
          await runTsWorker(workerFixture, {
            context: serializeContext(),
            count: 3,
            tag: 'transform',
            nested: false,
          });
          getRunLogger().error('sentinel transform error level');
          return xs.map((x) => x * 2);
        },
        { name: 'transform' },
      );
      const load = task(
        async (xs: number[]) => {
          getRunLogger().info('sentinel load');
          return xs.length;
        },
        { name: 'load' },
      );
      const pipeline = flow(
        async () => {
          getRunLogger().info('sentinel flow level');
          const xs = await extract();
          const ys = await transform(xs);
          return load(ys);
        },
        { name: flowName, client, sinks: [sink, memory], runName: uniq('run') },
      );

      expect(await pipeline()).toBe(3);

      const flowRunId = memory.find('sentinel flow level')[0]?.flowRunId as string;
      const flowRun = await client.readFlowRun(flowRunId);
      expect(flowRun.state_type).toBe('COMPLETED');
      expect(flowRun.start_time).not.toBeNull();
      expect(flowRun.end_time).not.toBeNull();
      expect((await client.readFlowByName(flowName))?.id).toBe(flowRun.flow_id);

      const taskRuns = await client.readTaskRuns(flowRunId);
      expect(taskRuns.map((t) => t.name).sort()).toEqual(['extract-0', 'load-0', 'transform-0']);
      expect(taskRuns.every((t) => t.state_type === 'COMPLETED')).toBe(true);
      const taskId = (name: string) => taskRuns.find((t) => t.name === `${name}-0`)?.id;

      const logs = await client.readAllLogs({ flowRunId });
      const find = (text: string): Log[] => logs.filter((l) => l.message === text);
      expect(find('sentinel extract')[0]?.task_run_id).toBe(taskId('extract'));
      expect(find('sentinel extract nested callback')[0]?.task_run_id).toBe(taskId('extract'));
      expect(find('sentinel load')[0]?.task_run_id).toBe(taskId('load'));
      for (const text of ['transform 0', 'transform 1', 'transform 2', 'transform from a timer']) {
        expect(find(text)[0]?.task_run_id, text).toBe(taskId('transform'));
      }
      expect(find('transform from a timer')[0]?.level).toBe(30);
      expect(find('sentinel transform error level')[0]).toMatchObject({
        level: 40,
        name: 'prefect.task_runs',
      });

      const flowLevel = await client.readAllLogs({ flowRunId, taskRunId: null });
      expect(flowLevel.map((l) => l.message)).toContain('sentinel flow level');
      expect(flowLevel.every((l) => l.name === 'prefect.flow_runs' && l.task_run_id === null)).toBe(true);
      expect(find('sentinel flow level')[0]).toMatchObject({ level: 20, name: 'prefect.flow_runs' });

      // within a task, TIMESTAMP_ASC returns messages in emit order
      const ordered = (
        await client.readAllLogs({ flowRunId, taskRunId: taskId('extract') as string })
      ).filter((l) => l.message.startsWith('order '));
      expect(ordered.map((l) => l.message)).toEqual(Array.from({ length: 50 }, (_, i) => `order ${i}`));
      expect(sink.stats.failed).toBe(0);
      await sink.close();
    });

    it('a failing task ends FAILED with the error; the flow run ends FAILED; an ERROR log holds the stack', async () => {
      const memory = new MemorySink();
      const sink = new PrefectApiSink({ client, batchIntervalMs: 200 });
      const after = task(() => 'never', { name: 'after' });
      const boom = task(
        () => {
          throw new TypeError('bad input in boom');
        },
        { name: 'boom' },
      );
      const failing = flow(
        async () => {
          await boom();
          await after();
        },
        { name: uniq('failing'), client, sinks: [sink, memory] },
      );
      await expect(failing()).rejects.toThrow('bad input in boom');
      const flowRunId = memory.records[0]?.flowRunId as string;
      const flowRun = await client.readFlowRun(flowRunId);
      expect(flowRun.state_type).toBe('FAILED');
      expect(flowRun.state?.message).toBe('Flow run encountered an exception. TypeError: bad input in boom');
      const taskRuns = await client.readTaskRuns(flowRunId);
      expect(taskRuns).toHaveLength(1);
      expect(taskRuns[0]).toMatchObject({ name: 'boom-0', state_type: 'FAILED' });
      expect(taskRuns[0]?.state?.message).toBe(
        'Task run encountered an exception TypeError: bad input in boom',
      );
      const errors = await client.readAllLogs({ flowRunId, levelGe: 40 });
      const withStack = errors.find((l) => l.task_run_id === taskRuns[0]?.id);
      expect(withStack?.message).toMatch(/TypeError: bad input in boom\n\s+at /);
      await sink.close();
    });

    it('a standalone task (no flow) reports a task run without a flow run; its logs carry its id', async () => {
      const memory = new MemorySink();
      const previous = getDefaultSinks();
      setDefaultSinks([memory]);
      try {
        const alone = task(() => getRunLogger().info('standalone'), { name: uniq('alone'), client });
        await alone();
      } finally {
        setDefaultSinks(previous);
      }
      const [record] = memory.find('standalone');
      expect(record?.flowRunId).toBeNull();
      const run = await client.readTaskRun(record?.taskRunId as string);
      expect(run).toMatchObject({ flow_run_id: null, state_type: 'COMPLETED' });
    });
  });

  describe('log shipping', () => {
    it('a process that ends without flushing still delivers its queued logs (beforeExit drain)', async () => {
      const f = await client.createFlow(uniq('exit'));
      const run = await client.createFlowRun({ flowId: f.id });
      const marker = uniq('exit-marker');
      const tsx = createRequire(import.meta.url).resolve('tsx');
      const result = spawnSync(
        process.execPath,
        [
          '--import',
          pathToFileURL(tsx).href,
          '--conditions=@weft/source',
          fileURLToPath(exitFixture),
          run.id,
          marker,
        ],
        { env: { ...process.env, PREFECT_API_URL: apiUrl as string }, encoding: 'utf8', timeout: 60_000 },
      );
      expect(result.status, result.stderr).toBe(0);
      const logs = await client.readAllLogs({ flowRunId: run.id });
      expect(logs.map((l) => l.message)).toEqual([marker]);
    });

    it('1,000 logs all arrive (read back with offset pagination, 200 per page)', async () => {
      const sink = new PrefectApiSink({ client, batchIntervalMs: 200 });
      const memory = new MemorySink();
      const run = flow(
        () => {
          const logger = getRunLogger();
          for (let i = 0; i < 1000; i++) logger.info(`volume ${i}`);
        },
        { name: uniq('volume'), client, sinks: [sink, memory], logLifecycle: false },
      );
      await run();
      // the flow's own flush gives up after flushTimeoutMs (5 s); a loaded server may need longer
      await sink.flush();
      const flowRunId = memory.records[0]?.flowRunId as string;
      const logs = await client.readAllLogs({ flowRunId, limit: 200 });
      expect(logs).toHaveLength(1000);
      expect(logs.map((l) => l.message)).toEqual(Array.from({ length: 1000 }, (_, i) => `volume ${i}`));
      expect(sink.stats).toMatchObject({ sent: 1000, failed: 0, dropped: 0 });
      await sink.close();
    }, 60_000);

    it('a 50 KB message is stored truncated to maxLogBytes, ending in "... [truncated]"', async () => {
      const sink = new PrefectApiSink({ client, batchIntervalMs: 200, maxLogBytes: 10_000 });
      const memory = new MemorySink();
      await flow(() => getRunLogger().info(`big ${'z'.repeat(50_000)}`), {
        name: uniq('trunc'),
        client,
        sinks: [sink, memory],
        logLifecycle: false,
      })();
      await sink.flush();
      const [log] = await client.readAllLogs({ flowRunId: memory.records[0]?.flowRunId as string });
      expect(log?.message.startsWith('big zzz')).toBe(true);
      expect(log?.message.endsWith(TRUNCATION_SUFFIX)).toBe(true);
      expect(log?.message.length).toBeGreaterThan(9000);
      expect(log?.message.length).toBeLessThan(10_000);
      await sink.close();
    });

    it('outside a run getRunLogger throws; records without a run id are not sent (ignore) or warned about once (warn)', async () => {
      expect(() => getRunLogger()).toThrow(MissingContextError);
      const marker = uniq('orphan');
      const warnings: string[] = [];
      const warn = new PrefectApiSink({ client, onWarning: (m) => warnings.push(m) });
      const ignore = new PrefectApiSink({
        client,
        whenMissingFlow: 'ignore',
        onWarning: (m) => warnings.push(m),
      });
      const orphan = {
        name: 'prefect.extra',
        level: 20,
        message: marker,
        timestamp: Date.now() * 1000,
        flowRunId: null,
        taskRunId: null,
        extra: {},
      };
      warn.write(orphan);
      warn.write(orphan);
      ignore.write(orphan);
      await Promise.all([warn.close(), ignore.close()]);
      expect(warnings).toHaveLength(1);
      expect(await client.readLogs({ text: marker })).toHaveLength(0);
    });

    it('with the API down the flow still finishes; one "--- Error logging to API ---" report; nothing rejects', async () => {
      const port = await freePort();
      const down = new PrefectClient({ apiUrl: `http://127.0.0.1:${port}/api` });
      const printed: string[] = [];
      const restore = captureApiProblems((t) => printed.push(t));
      try {
        const sink = new PrefectApiSink({ client: down, batchIntervalMs: 50 });
        const memory = new MemorySink();
        const step = task(
          () => {
            getRunLogger().info('still runs');
            return 7;
          },
          { name: 'step' },
        );
        const started = Date.now();
        const result = await flow(async () => (await step()) + (await step()), {
          name: 'down',
          client: down,
          sinks: [sink, memory],
        })();
        expect(result).toBe(14);
        await sink.close({ timeoutMs: 5000 });
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(memory.find('still runs')).toHaveLength(2);
        // local ids stand in for the server's: every node still has its own task run id
        const ids = memory.find('still runs').map((r) => r.taskRunId);
        expect(new Set(ids).size).toBe(2);
        expect(printed).toHaveLength(1);
        expect(printed[0]).toMatch(new RegExp(`^${API_ERROR_HEADER.replace(/[-[\]]/g, '\\$&')}\\n`));
        expect(printed[0]).toMatch(/ECONNREFUSED/);
      } finally {
        restore();
      }
    });
  });
});
