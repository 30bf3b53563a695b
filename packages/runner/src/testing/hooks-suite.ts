/**
 * Hooks on any runner: Kedro's order and arguments, error hooks, input overrides by
 * `beforeNodeRun` and its refusal of a result that is not an object.
 *
 * @module
 */
import { DataCatalog } from '../data-catalog.js';
import { NodeFailedError, RunnerConfigError } from '../errors.js';
import type { Hooks } from '../hooks.js';
import { node } from '../node.js';
import { type Pipeline, pipeline } from '../pipeline.js';
import { biconcat, identity, sum, throwsError } from './suite-nodes.js';
import { failure, itWith, type RunnerSuiteOptions, type RunnerUnderTest, type TestApi } from './test-api.js';

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

const chain = (): Pipeline =>
  pipeline([
    node(identity, 'a', 'b', { name: 'first' }),
    node(biconcat, ['b', 'a'], 'c', { name: 'second' }),
  ]);

/**
 * Registers the hook tests.
 *
 * @experimental
 * @since 0.1.0
 */
export function describeHooksSuite(
  test: TestApi,
  runners: readonly RunnerUnderTest[],
  options: RunnerSuiteOptions = {},
): void {
  const { describe, expect } = test;
  const it = itWith(test, options);
  for (const kind of runners) {
    describe(`${kind.name}: hooks`, () => {
      it("fire in Kedro's order with Kedro's arguments", async () => {
        const events: string[] = [];
        const runner = kind.make();
        await runner.run(chain(), new DataCatalog({ a: 1 }), { hooks: [recorder(events)], runId: 'run-1' });
        expect(events).toEqual([
          `beforePipelineRun:run-1:${runner.constructor.name}`,
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
        expect(
          await failure(kind.make().run(p, new DataCatalog({ a: 1 }), { hooks: [recorder(events)] })),
        ).toBeInstanceOf(NodeFailedError);
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
          const err = await failure(kind.make().run(p, new DataCatalog({ x: 1 }), { hooks }));
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
  }
}
