/**
 * The whole story under fire: four worker processes run a 500-node random DAG reported to a real
 * Prefect server while workers are SIGKILLed at random moments (and replaced). The run completes,
 * its outputs equal SequentialRunner's, and for every node the Prefect server holds exactly the log
 * records its finished attempt emitted: none lost, none duplicated by the attempts that died.
 */
import { randomUUID } from 'node:crypto';
import { disableRunLogger, PrefectApiSink, PrefectClient, prefectHooks } from '@weft/prefect-bridge';
import { DataCatalog, SequentialRunner } from '@weft/runner';
import { prng, randomDag } from '@weft/runner/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerProcess } from '../src/index.js';
import { workerOfAttempt } from '../src/job-logs.js';
import { chatty, chattyTwo, isSlowChatty } from './fixtures/nodes.js';
import { skipWithoutRedis, startTestCluster, type TestCluster } from './support/cluster.js';
import { type PrefectServer, skipWithoutPrefect, startPrefect } from './support/prefect.js';

// Minutes on a loaded machine: the Prefect server (SQLite) sets the pace, not the cluster.
const LONG = 900_000;

describe.skipIf(skipWithoutRedis || skipWithoutPrefect)(
  'workers SIGKILLed at random moments during a 500-node run reported to Prefect',
  { timeout: LONG },
  () => {
    let cluster: TestCluster;
    let prefect: PrefectServer;
    beforeAll(async () => {
      [prefect, cluster] = await Promise.all([
        startPrefect(),
        // Short locks, so a killed worker's job is taken up again within seconds; appends of log
        // records within 5 ms, so killed attempts leave records in Redis to drop.
        startTestCluster({
          workers: 4,
          worker: {
            stdio: 'pipe',
            lockDurationMs: 2000,
            stalledIntervalMs: 500,
            maxStalledCount: 20,
            logFlushMs: 5,
          },
        }),
      ]);
    }, LONG);
    afterAll(async () => {
      await cluster?.close();
      await prefect?.stop();
    }, LONG);

    it('completes with the outputs of SequentialRunner, and Prefect holds each finished attempt’s records once', async () => {
      const seed = 4242;
      const dag = randomDag(seed, { size: 500, fns: { one: [chatty], two: chattyTwo } });
      process.stderr.write(`[workers-killed] ${dag.pipeline.groupedNodes.length} layers\n`);
      const expected = await disableRunLogger(() =>
        new SequentialRunner().run(dag.pipeline, new DataCatalog(dag.inputs)),
      );
      // More nodes in flight than workers, to keep them busy while the coordinator waits on the
      // Prefect server (three requests per node); not so many that its SQLite, on a loaded
      // machine, keeps answering 503 to concurrent writes.
      const runner = cluster.makeRunner({ maxInFlight: 6 });
      // A loaded machine makes the server slow: wait for its answers (and its /health) long
      // rather than take it for gone.
      const client = new PrefectClient({
        apiUrl: prefect.apiUrl,
        // Busy SQLite answers 503 to concurrent writes; Prefect's client retries those, and so
        // does this one, for minutes if need be (backoff doubling from 1 s up to 60 s).
        maxRetries: 12,
        timeoutMs: 180_000,
        probeTimeoutMs: 60_000,
      });
      const sink = new PrefectApiSink({ client });
      const hooks = prefectHooks({
        client,
        sinks: [sink],
        flowName: 'killed-workers',
        flushTimeoutMs: 120_000,
      });
      const runId = `killed-${randomUUID()}`;
      const warnings: string[] = [];
      let done = false;
      const run = runner
        .run(dag.pipeline, new DataCatalog(dag.inputs), {
          hooks: [hooks],
          runId,
          logger: { info: () => {}, warn: (m) => void warnings.push(m) },
        })
        .finally(() => {
          done = true;
        });
      // Kill a worker, and put a fresh one in its place, six times (or until the run ends), two
      // ways in turn: (a) mid-node after its records reached Redis: a worker running one of the
      // slow nodes whose attempt has appended records and no end entry yet (its records must be
      // dropped, and the count reported); (b) at a random moment, a worker that runs something.
      const rand = prng(seed);
      const queue = new Queue('weft-nodes', {
        connection: { path: cluster.redis.socket },
        prefix: cluster.prefix,
      });
      const seedOf = (name: string) => dag.inputs[`params:seed_${name.slice(1)}`] as number;
      /** A worker running a slow node's attempt that has sent records, with the job and how many. */
      const midNode = async () => {
        for (const job of await queue.getActive()) {
          const entries = await cluster.client.lrange(`${cluster.prefix}:weft-nodes:${job.id}:logs`, 0, -1);
          const open = new Map<string, number>();
          for (const text of entries) {
            const e = JSON.parse(text) as { a: string; end?: string; r?: { message?: string } };
            if (e.end !== undefined) open.delete(e.a);
            else if (/^n\d+ record \d+$/.test(e.r?.message ?? '')) open.set(e.a, (open.get(e.a) ?? 0) + 1);
          }
          const node = (job.data as { nodes: { node: string }[] }).nodes[0]?.node ?? '';
          if (!isSlowChatty(seedOf(node))) continue;
          for (const [attempt, records] of open) {
            const worker = cluster.workers.find((w) => w.name === workerOfAttempt(attempt));
            if (worker !== undefined) return { worker, job: String(job.id), records };
          }
        }
        return undefined;
      };
      const atRandom = async () => {
        await new Promise((r) => setTimeout(r, rand() * 500));
        const busy = new Set((await queue.getActive()).map((j) => j.processedBy));
        const candidates = cluster.workers.filter((w) => busy.has(w.name));
        return candidates[Math.floor(rand() * candidates.length)];
      };
      const killedMidNode: { job: string; records: number }[] = [];
      let kills = 0;
      try {
        while (!done && kills < 6) {
          let victim: WorkerProcess | undefined;
          if (kills % 2 === 0) {
            while (victim === undefined && !done) {
              const found = await midNode();
              if (found !== undefined) {
                victim = found.worker;
                killedMidNode.push({ job: found.job, records: found.records });
              } else await new Promise((r) => setTimeout(r, 20));
            }
          } else {
            while (victim === undefined && !done) victim = await atRandom();
          }
          if (victim === undefined || done) break;
          process.kill(victim.pid, 'SIGKILL');
          kills++;
          await cluster.restartWorker(victim.pid);
        }
      } finally {
        await queue.close();
      }
      const out = await run;
      await sink.close({ timeoutMs: 60_000 });
      expect(out).toEqual(expected);
      expect(killedMidNode.length).toBeGreaterThan(0);
      // Each attempt killed mid-node is reported with the records it had sent, dropped.
      for (const { job, records } of killedMidNode) {
        const said = warnings.find((w) => w.includes(`(job ${job}):`) && w.includes('stopped mid-node'));
        expect(said, `no report of the attempt killed in job ${job}`).toBeDefined();
        const dropped = Number(/their (\d+) log record\(s\) are dropped/.exec(said ?? '')?.[1]);
        expect(dropped).toBeGreaterThanOrEqual(records);
      }
      expect(hooks.deliveryFor(runId)).toBeUndefined();

      // What each node's finished attempt emitted: `seed % 4` records, seed = the node's param.
      const emitted = new Map<string, number>();
      for (const n of dag.pipeline.nodes) {
        emitted.set(n.name, (dag.inputs[n.inputs[0] as string] as number) % 4);
      }
      const flowRun = hooks.flowRunFor(runId);
      expect(flowRun).toBeDefined();
      const taskRuns = await client.readTaskRuns(flowRun?.id as string);
      expect(taskRuns).toHaveLength(500);
      const logs = await client.readAllLogs({ flowRunId: flowRun?.id as string });
      const held = new Map<string, number>();
      for (const log of logs) {
        if (!/ record \d+$/.test(log.message)) continue;
        held.set(log.task_run_id as string, (held.get(log.task_run_id as string) ?? 0) + 1);
      }
      const mismatches: string[] = [];
      for (const t of taskRuns) {
        const want = emitted.get(t.name) ?? -1;
        const got = held.get(t.id) ?? 0;
        if (got !== want) mismatches.push(`${t.name}: ${got} held, ${want} emitted`);
      }
      expect(mismatches).toEqual([]);
      // Every record carries its own node's name: none landed on another node's task run.
      const byId = new Map(taskRuns.map((t) => [t.id, t.name]));
      for (const log of logs) {
        const m = /^(n\d+) record \d+$/.exec(log.message);
        if (m !== null) expect(byId.get(log.task_run_id as string)).toBe(m[1]);
      }
      process.stderr.write(
        `[workers-killed] ${kills} kills (${killedMidNode.length} mid-node after records were sent); ${warnings.filter((w) => w.includes('stopped mid-node')).length} nodes ran again after a lost attempt\n`,
      );
    });
  },
);
