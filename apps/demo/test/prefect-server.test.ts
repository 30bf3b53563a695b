/**
 * `--prefect` against a real Prefect 3 server (pip-installed into a cached virtual environment and
 * started on a free loopback port by @weft/prefect-bridge/testing): the run becomes a flow run,
 * each node a task run, and every node's log lines are stored under its own task run, worker
 * threads included.
 */
import { PrefectClient } from '@weft/prefect-bridge';
import { type PrefectServer, startPrefectServer } from '@weft/prefect-bridge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli.js';
import { NODE_NAMES } from '../src/pipeline.js';
import { runDemo } from '../src/run-demo.js';
import { APP_DIR, tempDataDir } from './support/demo-run.js';

describe('--prefect against a real Prefect server', () => {
  let server: PrefectServer;

  beforeAll(async () => {
    server = await startPrefectServer({ log: (line) => console.log(line) });
  }, 600_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('reports the flow run, one task run per node and every node’s logs under its task run', async () => {
    const env = { PREFECT_API_URL: server.apiUrl };
    const outcome = parseCli(
      ['--prefect', '--runner', 'parallel', '--data-dir', tempDataDir(), '--no-live'],
      NODE_NAMES,
      APP_DIR,
      env,
    );
    if (outcome.kind !== 'run') throw new Error(outcome.output);
    let stderr = '';
    const result = await runDemo(outcome.options, {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t) },
    });
    expect(result.exitCode, stderr.slice(-3000)).toBe(0);
    expect(stderr).not.toContain('Error logging to API');
    const record = result.record;
    if (record === undefined || record.flowRunId === undefined) throw new Error('no flow run');
    expect(record.reportedTo).toBe(server.apiUrl);

    const client = new PrefectClient({ apiUrl: server.apiUrl });
    const flowRun = await client.readFlowRun(record.flowRunId);
    expect(flowRun.name).toBe(record.flowRunName);
    expect(flowRun.state_type).toBe('COMPLETED');
    const taskRuns = await client.readTaskRuns(record.flowRunId);
    expect(taskRuns.map((t) => t.name).sort()).toEqual([...NODE_NAMES].sort());
    for (const t of taskRuns) expect(t.state_type, t.name).toBe('COMPLETED');

    const logs = await client.readLogs({ flowRunId: record.flowRunId, limit: 200 });
    for (const n of record.nodes) {
      const taskRun = taskRuns.find((t) => t.name === n.name);
      expect(taskRun?.id).toBe(n.taskRunId);
      const stored = logs.filter((l) => l.task_run_id === n.taskRunId).map((l) => l.message);
      const printed = n.logs.filter((l) => l.level >= 20).map((l) => l.message);
      expect(stored.length, n.name).toBeGreaterThanOrEqual(2);
      expect(stored).toEqual(expect.arrayContaining(printed));
    }
    const flowLevel = logs.filter((l) => l.task_run_id === null).map((l) => l.message);
    expect(flowLevel).toContain(`Beginning flow run '${record.flowRunName}' for flow 'spaceflights'`);
  }, 120_000);
});
