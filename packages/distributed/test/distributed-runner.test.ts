import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prefectHooks, taskRunVar } from '@weft/prefect-bridge';
import { MemorySink } from '@weft/prefect-bridge/logging';
import {
  DataCatalog,
  type Hooks,
  MemoryDataset,
  NodeFailedError,
  NodeNotTransferableError,
  node,
  type Pipeline,
  pipeline,
  RunCancelledError,
  SequentialRunner,
} from '@weft/runner';
import { randomDag } from '@weft/runner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ContextEnvelopeError,
  JobSubmitError,
  MemoryDatasetBetweenNodesError,
  NodeDataTransferError,
} from '../src/index.js';
import {
  countInventory,
  countUp,
  echo,
  flaky,
  mix,
  type Probe,
  probe,
  recordAndWait,
  returnsFunction,
  secretVar,
  unencodableVar,
  userVar,
} from './fixtures/nodes.js';
import {
  everythingInRedis,
  SLOW,
  skipWithoutRedis,
  startTestCluster,
  type TestCluster,
} from './support/cluster.js';

/** Four probes fanned out from one input; each waits `params:ms` before reporting. */
function probes(): Pipeline {
  return pipeline([
    node(probe, ['x', 'params:ms'], 'p1', { name: 'probe_1' }),
    node(probe, ['x', 'params:ms'], 'p2', { name: 'probe_2' }),
    node(probe, ['x', 'params:ms'], 'p3', { name: 'probe_3' }),
    node(probe, ['x', 'params:ms'], 'p4', { name: 'probe_4' }),
  ]);
}

describe.skipIf(skipWithoutRedis)(
  'DistributedRunner on a real Redis with two worker processes',
  { timeout: SLOW },
  () => {
    let cluster: TestCluster;
    let workerPids: Set<number>;
    beforeAll(async () => {
      cluster = await startTestCluster();
      workerPids = new Set(cluster.workers.map((w) => w.pid));
    }, SLOW);
    afterAll(() => cluster?.close(), SLOW);

    describe('outputs', () => {
      const seeds = Array.from({ length: 8 }, (_, i) => 31 + i * 7919);
      it.each(seeds)('random DAG %i: the same free outputs as SequentialRunner', async (seed) => {
        const dag = randomDag(seed, { size: 4 + (seed % 12) });
        const expected = await new SequentialRunner().run(dag.pipeline, new DataCatalog(dag.inputs));
        const actual = await cluster.runner.run(dag.pipeline, new DataCatalog(dag.inputs));
        expect(Object.keys(expected).length).toBeGreaterThan(0);
        expect(actual).toEqual(expected);
      });

      it('spreads nodes over both worker processes, never running one on the coordinator', async () => {
        const out = await cluster.runner.run(probes(), new DataCatalog({ x: 1, 'params:ms': 300 }));
        const pids = new Set(Object.values(out).map((p) => (p as Probe).pid));
        expect(pids).toEqual(workerPids);
        expect(pids.has(process.pid)).toBe(false);
      });

      it('streams a generator node: every chunk is saved, the last one is the output', async () => {
        const saved: unknown[] = [];
        const hooks: Hooks[] = [{ afterDatasetSaved: ({ data }) => void saved.push(data) }];
        const p = pipeline([node(countUp, 'n', 'count', { name: 'count_up' })]);
        const out = await cluster.runner.run(p, new DataCatalog({ n: 3 }), { hooks });
        expect(saved).toEqual([10, 20, 30]);
        expect(out).toEqual({ count: 30 });
      });

      it('keeps small data between jobs in memory and large data in shared storage, and removes it after a successful run', async () => {
        const big = 'b'.repeat(40_000);
        const catalog = new DataCatalog({ 'params:a': 1, 'params:b': 2, x: 5, big });
        const inFiles: string[] = [];
        const kept: string[] = [];
        const hooks: Hooks[] = [
          {
            afterDatasetSaved: ({ datasetName, catalog: c }) => {
              const ds = c.get(datasetName) as { filepath?: string };
              if (typeof ds.filepath === 'string') kept.push(datasetName);
              if (typeof ds.filepath === 'string' && existsSync(ds.filepath)) inFiles.push(datasetName);
            },
          },
        ];
        const p = pipeline([
          node(mix, ['params:a', 'x'], 'y', { name: 'first' }),
          node(mix, ['params:b', 'y'], 'z', { name: 'second' }),
          node(echo, 'big', 'big_copy', { name: 'copy_big' }),
          node(echo, 'big_copy', 'big_out', { name: 'pass_big' }),
        ]);
        const out = await cluster.runner.run(p, catalog, { hooks, runId: `keep-${randomUUID()}` });
        expect(kept.sort()).toEqual(['big_copy', 'y']);
        expect(inFiles).toEqual(['big_copy']);
        expect(catalog.get('z')).toBeInstanceOf(MemoryDataset);
        expect(out).toEqual(
          await new SequentialRunner().run(p, new DataCatalog({ 'params:a': 1, 'params:b': 2, x: 5, big })),
        );
        expect(await readdir(join(cluster.storage, 'jobs')).catch(() => [])).toEqual([]);
        expect(await readdir(join(cluster.storage, 'runs')).catch(() => [])).toEqual([]);
      });

      it('puts small inputs inline in a job and large ones in shared storage, never in Redis', async () => {
        const runId = `payload-${randomUUID()}`;
        const small = 's'.repeat(500);
        const big = 'x'.repeat(40_000);
        const p = pipeline([
          node(probe, 'small', 'seen_small', { name: 'look_small' }),
          node(probe, 'big', 'seen_big', { name: 'look_big' }),
        ]);
        const out = await cluster.runner.run(p, new DataCatalog({ small, big }), { runId });
        expect((out.seen_big as Probe).input).toBe(big);
        const inline = (await getJobData(runId, 'look_small')) as Record<string, unknown>;
        expect(Object.keys(inline).sort()).toEqual(['code', 'inline', 'input', 'nodes', 'runId', 'v']);
        const onDisk = (await getJobData(runId, 'look_big')) as Record<string, unknown>;
        expect(Object.keys(onDisk).sort()).toEqual(['code', 'inline', 'nodes', 'runId', 'v']);
        const stored = await everythingInRedis(cluster.client);
        expect(stored).not.toContain(big.slice(0, 100));
        expect(JSON.stringify(onDisk)).not.toContain(big.slice(0, 100));
      });

      it('with inlineDataBytes 0, sends every input and result through shared storage', async () => {
        const runner = cluster.makeRunner({ inlineDataBytes: 0 });
        const runId = `files-${randomUUID()}`;
        const p = pipeline([
          node(mix, ['params:a', 'x'], 'y', { name: 'first' }),
          node(mix, ['params:a', 'y'], 'z', { name: 'second' }),
        ]);
        const catalog = new DataCatalog({ 'params:a': 3, x: 4 });
        expect(await runner.run(p, catalog, { runId })).toEqual({ z: mix(3, mix(3, 4)) });
        const job = (await getJobData(runId, 'second')) as Record<string, unknown>;
        expect(job.input).toBeUndefined();
        const done = await cluster.client.hget(
          `${cluster.prefix}:weft-nodes:${runId}__second`,
          'returnvalue',
        );
        expect(JSON.parse(done as string).result).toBeUndefined();
      });
    });

    async function getJobData(runId: string, nodeName: string): Promise<unknown> {
      const raw = await cluster.client.hget(`${cluster.prefix}:weft-nodes:${runId}__${nodeName}`, 'data');
      return raw === null ? undefined : JSON.parse(raw);
    }

    describe('context', () => {
      it("reaches nodes on the workers: user variables and the Prefect bridge's task run bound in beforeNodeRun", async () => {
        const bound = new Map<string, string>();
        const hooks: Hooks[] = [
          prefectHooks({ client: null, sinks: [new MemorySink()], logLifecycle: false }),
          { beforeNodeRun: ({ node: n }) => void bound.set(n.name, taskRunVar.get().id) },
        ];
        const out = await userVar.run('alice', () =>
          cluster.runner.run(probes(), new DataCatalog({ x: 1, 'params:ms': 0 }), { hooks }),
        );
        expect(bound.size).toBe(4);
        for (const [i, name] of ['probe_1', 'probe_2', 'probe_3', 'probe_4'].entries()) {
          const seen = out[`p${i + 1}`] as Probe;
          expect(workerPids.has(seen.pid)).toBe(true);
          expect(seen.user).toBe('alice');
          expect(seen.taskRun).toBe(bound.get(name));
          expect(seen.flowRun).not.toBeNull();
        }
        expect(new Set([...bound.values()]).size).toBe(4);
      });

      it('honours the filter: a denied variable never reaches the worker nor Redis', async () => {
        const secret = `sekret-${randomUUID()}`;
        const user = `user-${randomUUID()}`;
        const runId = `filter-${randomUUID()}`;
        const out = await userVar.run(user, () =>
          secretVar.run(secret, () =>
            cluster.runner.run(probes(), new DataCatalog({ x: 1, 'params:ms': 0 }), {
              runId,
              contextFilter: { deny: ['dist.secret'] },
            }),
          ),
        );
        expect((out.p1 as Probe).secret).toBeNull();
        expect((out.p1 as Probe).user).toBe(user);
        const stored = await everythingInRedis(cluster.client);
        expect(stored).toContain(user);
        expect(stored).not.toContain(secret);
        const job = (await getJobData(runId, 'probe_1')) as {
          nodes: { ctx: { carrier: { context: { vars: Record<string, unknown> } } } }[];
        };
        expect(job.nodes[0]?.ctx.carrier.context.vars).toEqual({ 'dist.user': user });
        // Denied: not even its name travels.
        expect(JSON.stringify(job.nodes[0]?.ctx)).not.toContain('dist.secret');
      });

      it('without a filter, propagatable variables travel (the control case)', async () => {
        const out = await secretVar.run('visible', () =>
          cluster.runner.run(probes(), new DataCatalog({ x: 1, 'params:ms': 0 })),
        );
        expect((out.p3 as Probe).secret).toBe('visible');
      });

      it('with propagateContext false, sends only what the hooks bound in the node', async () => {
        const hooks: Hooks[] = [
          prefectHooks({ client: null, sinks: [new MemorySink()], logLifecycle: false }),
        ];
        const out = await userVar.run('not-sent', () =>
          cluster.runner.run(probes(), new DataCatalog({ x: 1, 'params:ms': 0 }), {
            hooks,
            propagateContext: false,
          }),
        );
        const seen = out.p2 as Probe;
        expect(seen.user).toBeNull();
        expect(seen.taskRun).not.toBeNull();
      });

      it('refuses a job over maxJobBytes, naming the node', async () => {
        const runner = cluster.makeRunner({ maxJobBytes: 400 });
        const p = pipeline([node(probe, 'x', 'seen', { name: 'look' })]);
        const error = await userVar
          .run('u'.repeat(500), () => runner.run(p, new DataCatalog({ x: 1 })))
          .catch((e) => e);
        expect(error.node).toBe('look');
        expect(error.cause).toBeInstanceOf(JobSubmitError);
        expect(error.cause.code).toBe('ERR_JOB_TOO_LARGE');
        expect(error.cause.message).toContain(
          "The job of node 'look' is over the per-job size limit of 400 bytes",
        );
      });

      it('rejects a context over maxContextBytes, naming the node', async () => {
        const runner = cluster.makeRunner({ maxContextBytes: 1024 });
        const p = pipeline([node(probe, 'x', 'seen', { name: 'look' })]);
        const error = await userVar
          .run('u'.repeat(4000), () => runner.run(p, new DataCatalog({ x: 1 })))
          .catch((e) => e);
        expect(error).toBeInstanceOf(NodeFailedError);
        expect(error.cause).toBeInstanceOf(ContextEnvelopeError);
        expect(error.cause.code).toBe('ERR_CONTEXT_TOO_LARGE');
        expect(error.cause.message).toContain("node 'look'");
        expect(error.cause.message).toContain('1024');
      });

      it('rejects a variable whose value cannot be encoded, naming the node and the variable', async () => {
        const p = pipeline([node(probe, 'x', 'seen', { name: 'look' })]);
        const error = await unencodableVar
          .run(
            () => 1,
            () => cluster.runner.run(p, new DataCatalog({ x: 1 })),
          )
          .catch((e) => e);
        expect(error.cause).toBeInstanceOf(ContextEnvelopeError);
        expect(error.cause.code).toBe('ERR_CONTEXT_UNSERIALIZABLE');
        expect(error.cause.message).toContain("node 'look'");
        expect(error.cause.message).toContain('dist.unencodable');
      });
    });

    describe('failures', () => {
      it("fails the run with the node's error (name, message, stack, code, cause) and stops scheduling", async () => {
        const events: string[] = [];
        const hooks: Hooks[] = [
          { onNodeError: ({ node: n, phase }) => void events.push(`error:${n.name}:${phase}`) },
          { beforeNodeRun: ({ node: n }) => void events.push(`start:${n.name}`) },
        ];
        const p = pipeline([
          node(mix, ['params:a', 'x'], 'y', { name: 'first' }),
          node(countInventory, 'y', 'z', { name: 'count_inventory' }),
          node(mix, ['params:a', 'z'], 'w', { name: 'after' }),
        ]);
        const error = await cluster.runner
          .run(p, new DataCatalog({ 'params:a': 1, x: 2 }), { hooks })
          .catch((e) => e);
        expect(error).toBeInstanceOf(NodeFailedError);
        expect(error.node).toBe('count_inventory');
        const cause = error.cause as Error & { code: string; shelf: number; cause: Error };
        expect(cause.name).toBe('InventoryError');
        expect(cause.message).toBe('shelf 7 is missing');
        expect(cause.code).toBe('E_INVENTORY');
        expect(cause.shelf).toBe(7);
        expect(cause.stack).toContain('countInventory');
        expect(cause.stack).toContain('fixtures/nodes.ts');
        expect(cause.cause).toBeInstanceOf(TypeError);
        expect(cause.cause.message).toBe('inner cause');
        expect(events).toEqual(['start:first', 'start:count_inventory', 'error:count_inventory:run']);
        expect(error.resume.fromNodes).toEqual(['first']);
      });

      it('retries a node with the backoff of its retry policy', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'weft-flaky-'));
        try {
          const runner = cluster.makeRunner({
            retry: (n) =>
              n.name === 'flaky' ? { attempts: 2, backoff: { type: 'fixed', delayMs: 50 } } : undefined,
          });
          const p = pipeline([node(flaky, ['params:marker', 'x'], 'y', { name: 'flaky' })]);
          const out = await runner.run(p, new DataCatalog({ 'params:marker': join(dir, 'tried'), x: 41 }));
          expect(out).toEqual({ y: 42 });
          const without = cluster.makeRunner();
          const error = await without
            .run(p, new DataCatalog({ 'params:marker': join(dir, 'again'), x: 1 }))
            .catch((e) => e);
          expect(error.cause.message).toBe('flaky: first try fails');
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });

      it('refuses a MemoryDataset between nodes before anything runs, saying what to use instead', async () => {
        const started: string[] = [];
        const p = pipeline([
          node(mix, ['params:a', 'x'], 'y', { name: 'first' }),
          node(mix, ['params:a', 'y'], 'z', { name: 'second' }),
        ]);
        const catalog = new DataCatalog({ 'params:a': 1, x: 2, y: new MemoryDataset() });
        const error = await cluster.runner
          .run(p, catalog, { hooks: [{ beforePipelineRun: () => void started.push('run') }] })
          .catch((e) => e);
        expect(error).toBeInstanceOf(MemoryDatasetBetweenNodesError);
        expect(error.dataset).toBe('y');
        expect(error.message).toContain("Dataset 'y' is a MemoryDataset");
        expect(error.message).toContain("node 'first' writes it and 'second' reads it");
        expect(error.message).toContain('StorageDataset');
        expect(started).toEqual([]);
      });

      it('refuses a node whose function is not an export of the module, naming the node', async () => {
        const p = pipeline([node((x: number) => x + 1, 'x', 'y', { name: 'inline' })]);
        const error = await cluster.runner.run(p, new DataCatalog({ x: 1 })).catch((e) => e);
        expect(error).toBeInstanceOf(NodeNotTransferableError);
        expect(error.message).toContain("node 'inline'");
      });

      it('fails a node whose result cannot be serialized, naming it, without retrying', async () => {
        const runner = cluster.makeRunner({ retry: { attempts: 3 } });
        const p = pipeline([node(returnsFunction, 'x', 'y', { name: 'gives_function' })]);
        const t0 = performance.now();
        const error = await runner.run(p, new DataCatalog({ x: 1 })).catch((e) => e);
        expect(error.node).toBe('gives_function');
        expect(error.cause.name).toBe('NodeDataTransferError');
        expect(error.cause.code).toBe('ERR_NODE_RESULT_UNSERIALIZABLE');
        expect(error.cause.message).toContain("node 'gives_function'");
        expect(performance.now() - t0).toBeLessThan(30_000);
      });

      it('fails a node whose inputs cannot be serialized, before submitting it', async () => {
        const p = pipeline([node(probe, 'fn', 'seen', { name: 'takes_function' })]);
        const error = await cluster.runner
          .run(p, new DataCatalog({ fn: new MemoryDataset(() => 1, { copyMode: 'assign' }) }))
          .catch((e) => e);
        expect(error.cause).toBeInstanceOf(NodeDataTransferError);
        expect(error.cause.code).toBe('ERR_NODE_ARGS_UNSERIALIZABLE');
      });
    });

    describe('restarted coordinator', () => {
      it('re-attaches to the jobs of a run id instead of running them again', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'weft-restart-'));
        try {
          const runId = `restart-${randomUUID()}`;
          const p = pipeline([
            node(recordAndWait, ['params:dir', 'params:a', 'params:no', 'x'], 'y', { name: 'upstream' }),
            node(recordAndWait, ['params:dir', 'params:b', 'params:yes', 'y'], 'z', { name: 'downstream' }),
          ]);
          const inputs = {
            'params:dir': dir,
            'params:a': 'a',
            'params:b': 'b',
            'params:no': false,
            'params:yes': true,
            x: 5,
          };
          // First coordinator: gives up (as if it died) while 'downstream' is running on a worker.
          const abort = new AbortController();
          const first = cluster.runner.run(p, new DataCatalog(inputs), { runId, signal: abort.signal });
          while (!(await readdir(dir)).some((f) => f.startsWith('b-')))
            await new Promise((r) => setTimeout(r, 25));
          abort.abort();
          await expect(first).rejects.toBeInstanceOf(RunCancelledError);
          // Second coordinator, same run id: 'upstream' is done, 'downstream' still running.
          const second = cluster.makeRunner().run(p, new DataCatalog(inputs), { runId });
          await new Promise((r) => setTimeout(r, 300));
          await writeFile(join(dir, 'release-b'), '');
          expect(await second).toEqual({ z: 20 });
          const files = await readdir(dir);
          expect(files.filter((f) => f.startsWith('a-'))).toHaveLength(1);
          expect(files.filter((f) => f.startsWith('b-'))).toHaveLength(1);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });

      it('withdraws the jobs that have not started when a run is cancelled', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'weft-cancel-'));
        try {
          const runId = `cancel-${randomUUID()}`;
          const labels = ['c1', 'c2', 'c3', 'c4'];
          const p = pipeline(
            labels.map((l) =>
              node(recordAndWait, ['params:dir', `params:${l}`, 'params:yes', 'x'], l, { name: l }),
            ),
          );
          const inputs: Record<string, unknown> = { 'params:dir': dir, 'params:yes': true, x: 1 };
          for (const l of labels) inputs[`params:${l}`] = l;
          const abort = new AbortController();
          const run = cluster.runner.run(p, new DataCatalog(inputs), { runId, signal: abort.signal });
          // Both workers busy (concurrency 1 each): two nodes run, two jobs wait.
          while ((await readdir(dir)).length < 2) await new Promise((r) => setTimeout(r, 25));
          abort.abort();
          await expect(run).rejects.toBeInstanceOf(RunCancelledError);
          const started = (await readdir(dir)).map((f) => f.split('-')[0] as string);
          const waiting = labels.filter((l) => !started.includes(l));
          expect(waiting).toHaveLength(2);
          for (const l of waiting) expect(await getJobData(runId, l)).toBeUndefined();
          for (const l of started) await writeFile(join(dir, `release-${l}`), '');
          await new Promise((r) => setTimeout(r, 500));
          expect((await readdir(dir)).filter((f) => !f.startsWith('release-'))).toHaveLength(2);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });

      it('runs a node that failed in an earlier attempt of the run id again, with the new context', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'weft-rerun-'));
        try {
          const runId = `rerun-${randomUUID()}`;
          const p = pipeline([
            node(flaky, ['params:marker', 'x'], 'y', { name: 'flaky' }),
            node(probe, 'y', 'seen', { name: 'look' }),
          ]);
          const inputs = { 'params:marker': join(dir, 'tried'), x: 1 };
          const error = await cluster.runner.run(p, new DataCatalog(inputs), { runId }).catch((e) => e);
          expect(error.node).toBe('flaky');
          const out = await userVar.run('second-try', () =>
            cluster.runner.run(p, new DataCatalog(inputs), { runId }),
          );
          expect((out.seen as Probe).input).toBe(2);
          expect((out.seen as Probe).user).toBe('second-try');
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
    });
  },
);
