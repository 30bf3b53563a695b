import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DataCatalog,
  type Hooks,
  NodeFailedError,
  NodeNotTransferableError,
  node,
  ParallelRunner,
  pipeline,
  RunnerConfigError,
} from '../src/index.js';
import { burnCpu, identity, returnsFunction, whichThread } from './fixtures/nodes.js';
import { fixturesModule } from './support/runners.js';

const runner = new ParallelRunner({ module: fixturesModule, maxWorkers: 2 });
afterAll(() => runner.close());

function localHelper(x: number) {
  return x + 1;
}

describe('ParallelRunner', () => {
  it('runs node functions in worker threads, hooks on the main thread', async () => {
    const hookThreads: number[] = [];
    const hooks: Hooks[] = [{ beforeNodeRun: () => void hookThreads.push(threadId) }];
    const p = pipeline([
      node(whichThread, 'x', 'tid1', { name: 'a' }),
      node(whichThread, 'x', 'tid2', { name: 'b' }),
    ]);
    const out = await runner.run(p, new DataCatalog({ x: 0 }), { hooks });
    expect(out.tid1).not.toBe(threadId);
    expect(out.tid2).not.toBe(threadId);
    expect(hookThreads).toEqual([threadId, threadId]);
  });

  it('rejects an inline lambda up front, naming the node, before any hook fires', async () => {
    const events: string[] = [];
    const hooks: Hooks[] = [{ beforePipelineRun: () => void events.push('beforePipelineRun') }];
    const p = pipeline([
      node(identity, 'x', 'y', { name: 'ok' }),
      node((v: number) => v * 2, 'y', 'z', { name: 'lambda' }),
    ]);
    const err = await runner.run(p, new DataCatalog({ x: 1 }), { hooks }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeNotTransferableError);
    expect((err as NodeNotTransferableError).node).toBe('lambda');
    expect((err as Error).message).toMatch(
      /^ParallelRunner cannot run node 'lambda' in a worker thread: its function is an inline lambda\. /,
    );
    expect(events).toEqual([]);
  });

  it('rejects closures and functions not exported by the module', async () => {
    const makeAdder = (n: number) =>
      function adder(x: number) {
        return x + n;
      };
    for (const [fn, name] of [
      [makeAdder(2), 'adder'],
      [localHelper, 'localHelper'],
    ] as const) {
      const p = pipeline([node(fn, 'x', 'y', { name: 'n' })]);
      const err = await runner.run(p, new DataCatalog({ x: 1 })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NodeNotTransferableError);
      expect((err as Error).message).toContain(
        `its function is '${name}', which is not exported by ${fixturesModule.href}`,
      );
    }
  });

  it('needs the module, as a URL or an absolute path', () => {
    expect(() => new ParallelRunner(undefined as never)).toThrow(RunnerConfigError);
    expect(() => new ParallelRunner({ module: './pipeline.js' })).toThrow(
      /must be a file URL or an absolute path/,
    );
    expect(new ParallelRunner({ module: fixturesModule.pathname }).modules).toEqual([fixturesModule.href]);
  });

  it('reports a module that cannot be imported', async () => {
    const bad = new ParallelRunner({ module: new URL('./fixtures/missing.ts', import.meta.url) });
    await expect(bad.run(pipeline([node(identity, 'x', 'y')]), new DataCatalog({ x: 1 }))).rejects.toThrow(
      /ParallelRunner cannot import module file:.*missing\.ts/,
    );
  });

  it('fails the node, naming it, when its output cannot cross the thread boundary', async () => {
    const p = pipeline([node(returnsFunction, 'x', 'f', { name: 'fn_out' })]);
    const err = await runner.run(p, new DataCatalog({ x: 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeFailedError);
    expect((err as NodeFailedError).node).toBe('fn_out');
  });

  it('fails the node when its inputs cannot be cloned', async () => {
    const p = pipeline([node(identity, 'x', 'y', { name: 'clone_in' })]);
    const err = await runner.run(p, new DataCatalog({ x: () => 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeFailedError);
    expect((err as NodeFailedError).node).toBe('clone_in');
    expect(String((err as NodeFailedError).cause)).toMatch(/cannot be sent to a worker thread/);
  });

  it('runs CPU-bound nodes in parallel (two at once on two workers)', async () => {
    const p = pipeline([node(burnCpu, 'ms', 'a', { name: 'a' }), node(burnCpu, 'ms', 'b', { name: 'b' })]);
    const { report } = await runner.runWithReport(p, new DataCatalog({ ms: 100 }));
    const [first, second] = report.nodes;
    // The two nodes' tasks overlap in time.
    expect(first && second && second.startMs < first.startMs + first.durationMs).toBe(true);
  });
});
