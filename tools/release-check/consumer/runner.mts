// Typed consumer of the @weft/runner tarball, checked by tsc against the shipped .d.ts.
import {
  type AbstractRunner,
  DataCatalog,
  type Hooks,
  JSONDataset,
  MemoryDataset,
  type Node,
  node,
  type Pipeline,
  pipeline,
  RunnerError,
  type RunResult,
  SequentialRunner,
  ThreadRunner,
} from '@weft/runner';
import { describeRunnerSuites, type RunnerUnderTest, suiteNodesModule } from '@weft/runner/testing';

function double(x: number): number {
  return x * 2;
}

const doubled: Node = node(double, 'x', 'y', { name: 'double', tags: ['math'] });
const whole: Pipeline = pipeline([doubled]);
const part: Pipeline = whole.onlyNodesWithTags('math');
const catalog = new DataCatalog({
  x: 21,
  y: new MemoryDataset(),
  report: new JSONDataset({ filepath: 'out.json' }),
});
const hooks: Hooks = {
  beforeNodeRun: ({ node: running }) => {
    const name: string = running.name;
    void name;
  },
};
const runners: AbstractRunner[] = [new SequentialRunner(), new ThreadRunner({ maxWorkers: 4 })];
const result: Promise<RunResult> = new SequentialRunner().run(part, catalog, {
  hooks: [hooks],
  runId: 'r-1',
});
// @ts-expect-error run() needs a catalog
new SequentialRunner().run(part);

// The conformance matrix takes a framework's test functions (none is imported) and runners with capabilities.
const underTest: RunnerUnderTest = {
  name: 'SequentialRunner',
  make: () => new SequentialRunner(),
  capabilities: { concurrent: false },
};
const registered: string[] = [];
describeRunnerSuites(
  {
    describe: (name, body) => {
      registered.push(name);
      body();
    },
    it: () => undefined,
    expect: () => {
      throw new Error('not run');
    },
  },
  [underTest],
  { randomDags: { seeds: [1] } },
);
const nodesModule: URL = suiteNodesModule;

function describe(error: unknown): string {
  return error instanceof RunnerError ? `${error.name} ${error.code}` : 'other';
}

export { describe, nodesModule, registered, result, runners };
