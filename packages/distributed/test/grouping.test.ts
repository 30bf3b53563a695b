/**
 * Node grouping (`groupNodes`): nodes of one group run as one job on one worker, their results
 * equal the ungrouped run's, memory datasets may live inside a group but not between groups, and
 * every node keeps its own hooks, context (task run) and log records, in order.
 */
import { randomUUID } from 'node:crypto';
import { prefectHooks } from '@weft/prefect-bridge';
import { MemorySink } from '@weft/prefect-bridge/logging';
import {
  DataCatalog,
  type Hooks,
  MemoryDataset,
  type Node,
  NodeFailedError,
  node,
  pipeline,
  SequentialRunner,
} from '@weft/runner';
import { randomDag } from '@weft/runner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DistributedConfigError,
  type DistributedRunner,
  GroupInput,
  GroupNotRunError,
  MemoryDatasetBetweenNodesError,
  StorageDataset,
} from '../src/index.js';
import { countUp, echo, failIfNegative, logLines, mix, negate, type Probe, probe } from './fixtures/nodes.js';
import { SLOW, skipWithoutRedis, startTestCluster, type TestCluster } from './support/cluster.js';

/** Job ids a run submitted (from Redis). */
async function jobIdsOf(cluster: TestCluster, runId: string): Promise<string[]> {
  const keys = await cluster.client.keys(`${cluster.prefix}:weft-nodes:${runId}__*`);
  return [...new Set(keys.map((k) => k.split(':')[2] as string))].sort();
}

describe.skipIf(skipWithoutRedis)('groupNodes', { timeout: SLOW }, () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  }, SLOW);
  afterAll(() => cluster?.close(), SLOW);

  describe('results', () => {
    const seeds = [5, 1009, 2027, 3041];
    it.each(seeds)(
      'random DAG %i in groups of consecutive nodes: the same outputs as SequentialRunner, in fewer jobs',
      async (seed) => {
        const dag = randomDag(seed, { size: 24, window: 6 });
        const order = new Map(dag.pipeline.nodes.map((n, i) => [n, i]));
        // Consecutive nodes of a topological order can always run as one job.
        const runner = cluster.makeRunner({
          groupNodes: (n) => `g${Math.floor((order.get(n) as number) / 5)}`,
        });
        const runId = `chunks-${randomUUID()}`;
        const expected = await new SequentialRunner().run(dag.pipeline, new DataCatalog(dag.inputs));
        const actual = await runner.run(dag.pipeline, new DataCatalog(dag.inputs), { runId });
        expect(actual).toEqual(expected);
        expect((await jobIdsOf(cluster, runId)).length).toBeLessThan(dag.pipeline.nodes.length);
      },
    );

    it.each(seeds)(
      "random DAG %i with groupNodes 'auto': the same outputs as SequentialRunner",
      async (seed) => {
        const dag = randomDag(seed, { size: 30, window: 4, options: () => ({ costMs: 1 }) });
        const runner = cluster.makeRunner({ groupNodes: 'auto' });
        const expected = await new SequentialRunner().run(dag.pipeline, new DataCatalog(dag.inputs));
        expect(await runner.run(dag.pipeline, new DataCatalog(dag.inputs))).toEqual(expected);
      },
    );

    it("'auto' fuses a chain of small nodes into one job, and leaves nodes of unknown cost alone", async () => {
      const nodes: Node[] = [];
      for (let i = 0; i < 6; i++) {
        nodes.push(node(mix, ['params:s', `c${i}`], `c${i + 1}`, { name: `small${i}`, costMs: 2 }));
      }
      nodes.push(node(mix, ['params:s', 'c6'], 'unknown_out', { name: 'unknown' }));
      const p = pipeline(nodes);
      const runId = `auto-${randomUUID()}`;
      // A prefix of its own: no costs measured by earlier runs.
      const runner = cluster.makeRunner({ groupNodes: 'auto' });
      const inputs = { 'params:s': 3, c0: 1 };
      const out = await runner.run(p, new DataCatalog(inputs), { runId });
      expect(out).toEqual(await new SequentialRunner().run(p, new DataCatalog(inputs)));
      expect(await jobIdsOf(cluster, runId)).toEqual([`${runId}__small0+6`, `${runId}__unknown`]);
    });

    it('groups by top-level namespace, each namespace one job, reading a memory dataset inside the group', async () => {
      const branch = (ns: string) =>
        pipeline(
          [
            node(mix, ['params:s', 'x'], 'mid', { name: 'first' }),
            node(negate, 'mid', 'neg', { name: 'second' }),
            node(mix, ['params:s', 'neg'], 'out', { name: 'third' }),
          ],
          { namespace: ns, inputs: { x: 'x' }, parameters: { 'params:s': 'params:s' } },
        );
      const p = pipeline([
        branch('left'),
        branch('right'),
        node(mix, ['params:s', 'left.out', 'right.out'], 'joined', { name: 'join' }),
      ]);
      const catalog = () =>
        new DataCatalog({
          'params:s': 7,
          x: 2,
          'left.mid': new MemoryDataset(),
          'right.neg': new MemoryDataset(),
        });
      const runId = `ns-${randomUUID()}`;
      const runner = cluster.makeRunner({ groupNodes: 'namespace' });
      expect(await runner.run(p, catalog(), { runId })).toEqual(
        await new SequentialRunner().run(p, catalog()),
      );
      expect(await jobIdsOf(cluster, runId)).toEqual([
        `${runId}__join`,
        `${runId}__left.first+3`,
        `${runId}__right.first+3`,
      ]);
    });
  });

  describe('plan-time checks', () => {
    it('refuses a memory dataset between two groups before anything runs, naming it', async () => {
      const p = pipeline([
        node(mix, ['params:s', 'x'], 'shared', { name: 'a.make' }),
        node(mix, ['params:s', 'x'], 'a2', { name: 'a.other' }),
        node(mix, ['params:s', 'shared'], 'y', { name: 'b.use' }),
        node(mix, ['params:s', 'y'], 'z', { name: 'b.more' }),
      ]);
      const runner = cluster.makeRunner({ groupNodes: (n) => n.name.split('.')[0] });
      const error = await runner
        .run(p, new DataCatalog({ 'params:s': 1, x: 1, shared: new MemoryDataset() }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemoryDatasetBetweenNodesError);
      expect((error as MemoryDatasetBetweenNodesError).dataset).toBe('shared');
      expect((error as Error).message).toContain("Dataset 'shared' is a MemoryDataset in the catalog");
      expect((error as Error).message).toContain("'b.use' in another job (another group)");
    });

    it('refuses a group that a path leaves and comes back into, naming the path', async () => {
      const p = pipeline([
        node(mix, ['params:s', 'x'], 'a_out', { name: 'a' }),
        node(mix, ['params:s', 'a_out'], 'b_out', { name: 'b' }),
        node(mix, ['params:s', 'b_out'], 'c_out', { name: 'c' }),
      ]);
      const runner = cluster.makeRunner({ groupNodes: (n) => (n.name === 'b' ? undefined : 'ac') });
      const error = await runner.run(p, new DataCatalog({ 'params:s': 1, x: 1 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DistributedConfigError);
      expect((error as DistributedConfigError).code).toBe('ERR_GROUP_INVALID');
      expect((error as Error).message).toContain("group 'ac'");
      expect((error as Error).message).toContain("'a' → 'b' → 'c'");
    });

    it('refuses a streamed dataset read inside the same group', async () => {
      const p = pipeline([
        node(countUp, 'n', 'count', { name: 'count_up' }),
        node(echo, 'count', 'seen', { name: 'read_count' }),
      ]);
      const runner = cluster.makeRunner({ groupNodes: () => 'one' });
      const error = await runner.run(p, new DataCatalog({ n: 3 })).catch((e: unknown) => e);
      expect((error as DistributedConfigError).code).toBe('ERR_GROUP_INVALID');
      expect((error as Error).message).toContain("node 'count_up' streams 'count' in chunks");
    });

    it('refuses a grouping function that returns something else than a string', () => {
      const p = pipeline([node(mix, ['params:s', 'x'], 'y', { name: 'a' })]);
      const runner = cluster.makeRunner({ groupNodes: () => 42 as unknown as string });
      return expect(runner.run(p, new DataCatalog({ 'params:s': 1, x: 1 }))).rejects.toThrow(
        /groupNodes returned 42 for node 'a'/,
      );
    });
  });

  describe('per node', () => {
    let runner: DistributedRunner;
    beforeAll(() => {
      runner = cluster.makeRunner({ groupNodes: () => 'all' });
    });

    it('keeps hooks, task runs and log records per node, in order, each node after the one before it', async () => {
      const sink = new MemorySink();
      const events: string[] = [];
      const seenInputs = new Map<string, Record<string, unknown>>();
      const hooks: Hooks[] = [
        prefectHooks({ client: null, sinks: [sink] }),
        {
          beforeNodeRun: ({ node: n, inputs }) => {
            events.push(`before ${n.name}`);
            seenInputs.set(n.name, inputs);
          },
          afterNodeRun: ({ node: n, outputs }) => void events.push(`after ${n.name} ${Object.keys(outputs)}`),
        },
      ];
      const p = pipeline([
        node(logLines, ['params:s', 'params:three', 'x'], 'y1', { name: 'one' }),
        node(logLines, ['params:s', 'params:three', 'y1'], 'y2', { name: 'two' }),
        node(logLines, ['params:s', 'params:three', 'y2'], 'y3', { name: 'three' }),
      ]);
      const catalog = new DataCatalog({ 'params:s': 2, 'params:three': 3, x: 1 });
      const runId = `hooks-${randomUUID()}`;
      const out = await runner.run(p, catalog, { hooks, runId });
      expect(await jobIdsOf(cluster, runId)).toEqual([`${runId}__one+3`]);
      expect(out).toEqual({ y3: mix(2, mix(2, mix(2, 1))) });
      expect(events).toEqual([
        'before one',
        'before two',
        'before three',
        'after one y1',
        'after two y2',
        'after three y3',
      ]);
      // An input produced inside the job is not loaded on the coordinator: the hooks see a GroupInput.
      expect(seenInputs.get('one')?.x).toBe(1);
      expect(seenInputs.get('two')?.y1).toBeInstanceOf(GroupInput);
      const taskRuns = new Set<string | null>();
      const lines = sink.records.filter((r) => r.extra.probe === true || r.message.startsWith('Finished'));
      const shown = lines.map((r) => r.message);
      expect(shown).toEqual([
        'one line 1 of 3',
        'one line 2 of 3',
        'one line 3 of 3',
        'Finished in state Completed()',
        'two line 1 of 3',
        'two line 2 of 3',
        'two line 3 of 3',
        'Finished in state Completed()',
        'three line 1 of 3',
        'three line 2 of 3',
        'three line 3 of 3',
        'Finished in state Completed()',
        'Finished in state Completed()',
      ]);
      for (const r of lines.slice(0, 12)) taskRuns.add(r.taskRunId);
      expect(taskRuns.size).toBe(3);
      for (const name of ['one', 'two', 'three']) {
        const mine = sink.records.filter((r) => r.message.startsWith(`${name} line`));
        expect(new Set(mine.map((r) => r.taskRunId)).size).toBe(1);
        expect(mine[0]?.extra.task_run_name).toBe(name);
      }
    });

    it('fails the run at the node that failed; the nodes before it completed, those after it were not run', async () => {
      const errors: [string, unknown][] = [];
      const completed: string[] = [];
      const hooks: Hooks[] = [
        {
          afterNodeRun: ({ node: n }) => void completed.push(n.name),
          onNodeError: ({ node: n, error }) => void errors.push([n.name, error]),
        },
      ];
      const saved = new StorageDataset({ filepath: `${cluster.storage}/kept-${randomUUID()}.v8` });
      const p = pipeline([
        node(negate, 'x', 'neg', { name: 'flip' }),
        node(echo, 'neg', 'kept', { name: 'keep' }),
        node(failIfNegative, ['params:s', 'kept'], 'after_fail', { name: 'check' }),
        node(mix, ['params:s', 'after_fail'], 'never', { name: 'later' }),
      ]);
      const error = await runner
        .run(p, new DataCatalog({ x: 4, 'params:s': 1, kept: saved }), { hooks })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NodeFailedError);
      expect((error as NodeFailedError).node).toBe('check');
      expect(((error as NodeFailedError).cause as Error).name).toBe('RangeError');
      expect(completed).toEqual(['flip', 'keep']);
      expect(await saved.load()).toBe(-4);
      expect(errors.map(([n]) => n)).toEqual(['check', 'later']);
      const notRun = errors[1]?.[1] as GroupNotRunError;
      expect(notRun).toBeInstanceOf(GroupNotRunError);
      expect(notRun.blockedBy).toBe('check');
      expect(notRun.message).toContain("Node 'later' was not run");
    });

    it("runs every node of a group in its own copy of the run's context", async () => {
      const p = pipeline([
        node(probe, 'x', 'p1', { name: 'probe_a' }),
        node(probe, 'p1', 'p2', { name: 'probe_b' }),
      ]);
      const out = await runner.run(p, new DataCatalog({ x: 5 }));
      const b = out.p2 as Probe;
      const a = b.input as Probe;
      expect(a.pid).toBe(b.pid);
      expect(cluster.workers.map((w) => w.pid)).toContain(a.pid);
      expect(a.input).toBe(5);
    });
  });
});
