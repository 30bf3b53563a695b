import { afterAll, describe, expect, it } from 'vitest';
import {
  DataCatalog,
  findNodesToResumeFrom,
  type NodeFailedError,
  node,
  type Pipeline,
  pipeline,
  RunCancelledError,
  RunTimeoutError,
  SequentialRunner,
  ThreadRunner,
} from '../src/index.js';
import { failure } from '../src/testing/test-api.js';
import { describeFailuresSuite, LoggingDataset } from '../src/testing.js';
import { biconcat, burnCpu, failWith, identity, neverSettles } from './fixtures/nodes.js';
import { closeRunners, RUNNERS } from './support/runners.js';

afterAll(closeRunners);

// The published suite (@weft/runner/testing): failures, and concurrent failures by capability.
describeFailuresSuite({ describe, it, expect }, RUNNERS);

describe('cancellation without failure', () => {
  it('times out a run whose node never settles, naming it', async () => {
    const p = pipeline([node(neverSettles, 'x', 'y', { name: 'hang' })]);
    const err = await failure<RunTimeoutError>(
      new SequentialRunner().run(p, new DataCatalog({ x: 1 }), { timeoutMs: 50 }),
    );
    expect(err).toBeInstanceOf(RunTimeoutError);
    expect(err.code).toBe('ERR_RUN_TIMEOUT');
    expect(err.message).toMatch(/^Pipeline run timed out after 50 ms\. Nodes still running: \{'hang'\}\./);
    expect(err.abandonedNodes).toEqual(['hang']);
  });

  it('rejects with RunCancelledError carrying the abort reason', async () => {
    const controller = new AbortController();
    const p = pipeline([node(neverSettles, 'x', 'y', { name: 'hang' })]);
    const run = new ThreadRunner().run(p, new DataCatalog({ x: 1 }), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user pressed ctrl-c')), 20);
    const err = await failure<RunCancelledError>(run);
    expect(err).toBeInstanceOf(RunCancelledError);
    expect(err.code).toBe('ERR_RUN_CANCELLED');
    expect((err.cause as Error).message).toBe('user pressed ctrl-c');
  });

  it('does not start with an already aborted signal', async () => {
    const log: string[] = [];
    const p = pipeline([node(identity, 'x', 'y', { name: 'n' })]);
    const err = await failure<RunCancelledError>(
      new SequentialRunner().run(p, new DataCatalog({ x: 1, y: new LoggingDataset(log, 'y') }), {
        signal: AbortSignal.abort(),
      }),
    );
    expect(err).toBeInstanceOf(RunCancelledError);
  });
});

describe('a synchronous node that overruns timeoutMs', () => {
  for (const make of [() => new SequentialRunner(), () => new ThreadRunner()]) {
    it(`${make().constructor.name}: fails the run with RunTimeoutError once the node returns, naming it, and starts nothing after it`, async () => {
      const log: string[] = [];
      const p = pipeline([
        node(burnCpu, 'ms', 'burnt', { name: 'slow' }),
        node(identity, 'burnt', 'after', { name: 'next' }),
      ]);
      const catalog = new DataCatalog({
        ms: 600,
        burnt: new LoggingDataset(log, 'burnt', undefined, true),
        after: new LoggingDataset(log, 'after'),
      });
      const err = await failure<RunTimeoutError>(make().run(p, catalog, { timeoutMs: 50 }));
      expect(err).toBeInstanceOf(RunTimeoutError);
      expect(err.code).toBe('ERR_RUN_TIMEOUT');
      expect(err.message).toMatch(
        /^Pipeline run timed out after 50 ms\. Node 'slow' returned only after the deadline: it held this thread, and code running in this thread cannot be interrupted \(ParallelRunner can/,
      );
      expect(err.abandonedNodes).toEqual([]);
      // What the late node saved stays saved; the node after it never started.
      expect(log).toContain('save burnt');
      expect(log.some((l) => l.includes('after'))).toBe(false);
      expect(err.resume.fromNodes).toEqual(['next']);
    });
  }

  it('still succeeds when it returns before the deadline', async () => {
    const p = pipeline([node(burnCpu, 'ms', 'burnt', { name: 'quick' })]);
    expect(await new SequentialRunner().run(p, new DataCatalog({ ms: 1 }), { timeoutMs: 30_000 })).toEqual({
      burnt: 1,
    });
  });
});

describe('resume suggestions (Kedro checklist 21-26)', () => {
  // Kedro's two_branches_crossed: persistent ds0_*, ds2_*, ds4_*; `_`-prefixed datasets in memory.
  function xPipeline(failing: string): Pipeline {
    const fn = (name: string, f: (...a: never[]) => unknown) => (name === failing ? failWith : f);
    return pipeline([
      node(fn('node1_A', identity), 'ds0_A', '_ds1_A', { name: 'node1_A' }),
      node(fn('node1_B', identity), 'ds0_B', '_ds1_B', { name: 'node1_B' }),
      node(fn('node2', biconcat), ['_ds1_A', '_ds1_B'], ['ds2_A', 'ds2_B'], { name: 'node2' }),
      node(fn('node3_A', identity), 'ds2_A', '_ds3_A', { name: 'node3_A' }),
      node(fn('node3_B', identity), 'ds2_B', '_ds3_B', { name: 'node3_B' }),
      node(fn('node4_A', identity), '_ds3_A', 'ds4_A', { name: 'node4_A' }),
      node(fn('node4_B', identity), '_ds3_B', 'ds4_B', { name: 'node4_B' }),
    ]);
  }
  function persistentCatalog(): DataCatalog {
    const log: string[] = [];
    const persistent = (name: string, value?: unknown) => new LoggingDataset(log, name, value, true);
    return new DataCatalog({
      ds0_A: persistent('ds0_A', 1),
      ds0_B: persistent('ds0_B', 2),
      ds2_A: persistent('ds2_A'),
      ds2_B: persistent('ds2_B'),
      ds4_A: persistent('ds4_A'),
      ds4_B: persistent('ds4_B'),
    });
  }

  it.each([
    ['node1_A', [], 'No node completed'],
    ['node2', ['node1_A', 'node1_B'], 'run pipeline.fromNodes("node1_A", "node1_B")'],
    ['node3_A', ['node3_A', 'node3_B'], 'run pipeline.fromNodes("node3_A", "node3_B")'],
    ['node4_A', ['node3_A', 'node3_B'], 'run pipeline.fromNodes("node3_A", "node3_B")'],
    ['node4_B', ['node3_B'], 'run pipeline.fromNodes("node3_B")'],
  ])('failure in %s suggests %j', async (failing, expected, text) => {
    for (const runner of [new SequentialRunner(), new ThreadRunner({ maxWorkers: 1 })]) {
      const p = xPipeline(failing);
      const err = await failure<NodeFailedError>(runner.run(p, persistentCatalog()));
      expect(err.node).toBe(failing);
      expect(err.resume.fromNodes).toEqual(expected);
      expect(err.message).toContain(text);
      if (expected.length > 0) {
        expect(err.message).toContain(
          `pipeline.fromNodes(${expected.map((e) => JSON.stringify(e)).join(', ')})`,
        );
        // Resuming from the suggestion re-runs every node that did not finish.
        const resumed = p.fromNodes(...expected).nodeNames;
        const finished = new Set(p.nodeNames.filter((n) => !resumed.includes(n)));
        expect(finished.has(failing)).toBe(false);
      }
    }
  });

  it('with every dataset persistent, fromNodes(suggestion) is exactly the remaining nodes', () => {
    const p = xPipeline('none');
    const catalog = new DataCatalog(
      Object.fromEntries([...p.datasets()].map((d) => [d, new LoggingDataset([], d, undefined, true)])),
    );
    const remaining = ['node3_A', 'node3_B', 'node4_A', 'node4_B'].map(
      (n) => p.getNode(n) as (typeof p.nodes)[0],
    );
    const suggestion = findNodesToResumeFrom(p, remaining, catalog);
    expect(p.fromNodes(...suggestion).nodeNames.sort()).toEqual(['node3_A', 'node3_B', 'node4_A', 'node4_B']);
    expect(findNodesToResumeFrom(p, [], catalog)).toEqual([]);
  });
});
