import { findRedisServer, REDIS_INSTALL_HINT } from '@weft/distributed';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CapturedRun, runCli, tempDataDir } from './support/demo-run.js';

// Needs Debian's redis-server: skipped with a message locally, a failure under CI=true.
const skip = findRedisServer() === undefined && process.env.CI !== 'true';
if (skip)
  console.warn(
    `\n[demo] redis-server not found: skipping --runner distributed. To run it, ${REDIS_INSTALL_HINT}.\n`,
  );

describe.skipIf(skip)(
  'the demo on the distributed runner (local redis-server, two weft-worker processes)',
  () => {
    const dataDir = tempDataDir();
    let sequential: CapturedRun;
    let distributed: CapturedRun;

    beforeAll(async () => {
      sequential = await runCli(dataDir, ['--runner', 'sequential']);
      distributed = await runCli(dataDir, ['--runner', 'distributed']);
    }, 180_000);

    it('completes with the same report as the sequential runner', () => {
      expect(distributed.exitCode, distributed.stderr.slice(-2000)).toBe(0);
      expect(distributed.record?.nodes.every((n) => n.status === 'completed')).toBe(true);
      expect(distributed.report).toEqual(sequential.report);
    });

    it("brings every remote node's log records back under its own task run, with the worker process", () => {
      const record = distributed.record;
      if (record === undefined) throw new Error('no record');
      const processes = new Set<string>();
      for (const n of record.nodes) {
        const own = distributed.records.filter((r) => r.taskRunId === n.taskRunId);
        // the node's own lines (from the worker) plus the bridge's lifecycle line (on the coordinator)
        expect(own.length, `${n.name} logged`).toBeGreaterThanOrEqual(2);
        for (const r of own) {
          expect(r.extra.task_run_name).toBe(n.name);
          expect(r.flowRunId).toBe(record.flowRunId);
        }
        expect(n.thread, n.name).toMatch(/^process \d+$/);
        processes.add(n.thread as string);
        expect(n.logs.length, `${n.name} logs in the run report`).toBe(own.length);
      }
      expect(processes.has(`process ${process.pid}`), 'no node ran in the coordinator').toBe(false);
      expect(distributed.stderr).toContain("for tenant 'acme-space' (a user ContextVar set before the run)");
    });
  },
);
