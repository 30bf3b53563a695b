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

function describe(error: unknown): string {
  return error instanceof RunnerError ? `${error.name} ${error.code}` : 'other';
}

export { describe, result, runners };
