import { afterAll, describe, expect, it } from 'vitest';
import {
  DataCatalog,
  type Hooks,
  NodeFailedError,
  node,
  pipeline,
  RunnerConfigError,
  SequentialRunner,
} from '../src/index.js';
import { biconcat, identity, sum, throwsError } from './fixtures/nodes.js';
import { closeRunners, RUNNERS } from './support/runners.js';

afterAll(closeRunners);

/** Records every hook call as `name[:detail]`. */
function recorder(events: string[]): Hooks {
  return {
    beforePipelineRun: ({ runId, runParams }) => {
      events.push(`beforePipelineRun:${runId}:${runParams.runner}`);
    },
    afterPipelineRun: ({ runResult }) => {
      events.push(`afterPipelineRun:${JSON.stringify(runResult)}`);
    },
    onPipelineError: ({ error }) => {
      events.push(`onPipelineError:${(error as Error).name}`);
    },
    beforeNodeRun: ({ node: n, inputs }) => {
      events.push(`beforeNodeRun:${n.name}:${JSON.stringify(inputs)}`);
    },
    afterNodeRun: ({ node: n, outputs }) => {
      events.push(`afterNodeRun:${n.name}:${JSON.stringify(outputs)}`);
    },
    onNodeError: ({ node: n, error, phase }) => {
      events.push(`onNodeError:${n.name}:${phase}:${(error as Error).message}`);
    },
    beforeDatasetLoaded: ({ datasetName, node: n }) => {
      events.push(`beforeDatasetLoaded:${datasetName}:${n.name}`);
    },
    afterDatasetLoaded: ({ datasetName, data }) => {
      events.push(`afterDatasetLoaded:${datasetName}:${JSON.stringify(data)}`);
    },
    beforeDatasetSaved: ({ datasetName, data }) => {
      events.push(`beforeDatasetSaved:${datasetName}:${JSON.stringify(data)}`);
    },
    afterDatasetSaved: async ({ datasetName }) => {
      await Promise.resolve();
      events.push(`afterDatasetSaved:${datasetName}`);
    },
  };
}

const chain = () =>
  pipeline([
    node(identity, 'a', 'b', { name: 'first' }),
    node(biconcat, ['b', 'a'], 'c', { name: 'second' }),
  ]);

describe.each(RUNNERS)('$name: hooks', (kind) => {
  it("fire in Kedro's order with Kedro's arguments", async () => {
    const events: string[] = [];
    await kind.make().run(chain(), new DataCatalog({ a: 1 }), { hooks: [recorder(events)], runId: 'run-1' });
    expect(events).toEqual([
      `beforePipelineRun:run-1:${kind.name}`,
      'beforeDatasetLoaded:a:first',
      'afterDatasetLoaded:a:1',
      'beforeNodeRun:first:{"a":1}',
      'afterNodeRun:first:{"b":1}',
      'beforeDatasetSaved:b:1',
      'afterDatasetSaved:b',
      'beforeDatasetLoaded:b:second',
      'afterDatasetLoaded:b:1',
      'beforeDatasetLoaded:a:second',
      'afterDatasetLoaded:a:1',
      'beforeNodeRun:second:{"b":1,"a":1}',
      'afterNodeRun:second:{"c":[1,1]}',
      'beforeDatasetSaved:c:[1,1]',
      'afterDatasetSaved:c',
      'afterPipelineRun:{"c":[1,1]}',
    ]);
  });

  it('fire onNodeError then onPipelineError, and the run rejects', async () => {
    const events: string[] = [];
    const p = pipeline([node(throwsError, 'a', 'b', { name: 'boom' })]);
    await expect(
      kind.make().run(p, new DataCatalog({ a: 1 }), { hooks: [recorder(events)] }),
    ).rejects.toBeInstanceOf(NodeFailedError);
    expect(events.slice(-2)).toEqual([
      'onNodeError:boom:run:test exception',
      'onPipelineError:NodeFailedError',
    ]);
    expect(events).not.toContain('afterNodeRun:boom');
  });

  it('let beforeNodeRun override inputs; later hooks win', async () => {
    const p = pipeline([node(sum, ['x', 'y'], 'z', { name: 'add' })]);
    const hooks: Hooks[] = [
      { beforeNodeRun: () => ({ x: 10 }) },
      { beforeNodeRun: async () => ({ x: 100 }) },
      { beforeNodeRun: () => undefined },
    ];
    expect(await kind.make().run(p, new DataCatalog({ x: 1, y: 2 }), { hooks })).toEqual({ z: 102 });
  });

  it('reject a beforeNodeRun result that is not an object with a RunnerConfigError (ERR_RUNNER_HOOKS)', async () => {
    const p = pipeline([node(identity, 'x', 'y', { name: 'n' })]);
    for (const bad of [5, 'str', [1], null]) {
      const hooks: Hooks[] = [{ beforeNodeRun: () => bad as never }];
      const err = await kind
        .make()
        .run(p, new DataCatalog({ x: 1 }), { hooks })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NodeFailedError);
      const cause = (err as NodeFailedError).cause;
      expect(RunnerConfigError.is(cause)).toBe(true);
      expect((cause as RunnerConfigError).code).toBe('ERR_RUNNER_HOOKS');
      expect((cause as Error).message).toMatch(
        /^'beforeNodeRun' must return either undefined or an object mapping dataset names to updated values, got '(number|string|Array|null)' instead\.$/,
      );
    }
  });
});

describe('hook validation', () => {
  const p = pipeline([node(identity, 'x', 'y', { name: 'n' })]);

  it('refuses classes, non-objects and misspelt hook methods, before anything runs', async () => {
    class MyHooks {
      beforeNodeRun() {}
    }
    const runner = new SequentialRunner();
    await expect(runner.run(p, new DataCatalog({ x: 1 }), { hooks: [MyHooks as never] })).rejects.toThrow(
      "Hook 0 is a function or class ('MyHooks'); hooks must be registered as objects (instances): did you forget 'new'?",
    );
    await expect(runner.run(p, new DataCatalog({ x: 1 }), { hooks: [3 as never] })).rejects.toBeInstanceOf(
      RunnerConfigError,
    );
    await expect(
      runner.run(p, new DataCatalog({ x: 1 }), { hooks: [{ beforeNodeRuns() {} } as never] }),
    ).rejects.toThrow("Hook 0 has a method 'beforeNodeRuns', which is not a hook.");
  });

  it('accepts class instances with prototype methods', async () => {
    class Counter implements Hooks {
      count = 0;
      afterNodeRun() {
        this.count++;
      }
    }
    const c = new Counter();
    await new SequentialRunner().run(p, new DataCatalog({ x: 1 }), { hooks: [c] });
    expect(c.count).toBe(1);
  });

  it('report the phase in onNodeError when a save fails', async () => {
    const phases: string[] = [];
    const catalog = new DataCatalog({ x: 1 });
    const q = pipeline([node(identity, 'x', 'y', { name: 'n' })]);
    const hooks: Hooks[] = [
      {
        beforeDatasetSaved: () => {
          throw new Error('no space');
        },
        onNodeError: ({ phase }) => {
          phases.push(phase);
        },
      },
    ];
    await expect(new SequentialRunner().run(q, catalog, { hooks })).rejects.toThrow(/no space/);
    expect(phases).toEqual(['save']);
  });
});
