// Typed consumer of the @weft/viz tarball, checked by tsc against the shipped .d.ts.
import type { Hooks } from '@weft/runner';
import {
  describeProject,
  type NodeStatus,
  type ProjectDescription,
  RunHistory,
  type RunRecord,
  type RunRecorder,
  type RunSummary,
  startViewer,
  type Viewer,
  VizError,
  vizHooks,
  writeReport,
} from '@weft/viz';

const recorder: RunRecorder = vizHooks({ projectDir: '.', pipelineName: '__default__' });
const hooks: Hooks[] = [recorder];
const history: RunHistory = RunHistory.forProject('.', { maxRuns: 10 });
// @ts-expect-error the history needs a folder
const broken = new RunHistory({});

async function report(): Promise<string | undefined> {
  const runs: RunSummary[] = await history.list();
  const first = runs[0];
  if (first === undefined) return undefined;
  const run: RunRecord = await history.read(first.id);
  const status: NodeStatus | undefined = run.nodes[0]?.status;
  return status === undefined ? undefined : writeReport(run, 'report.html');
}

async function view(): Promise<Viewer> {
  const project: ProjectDescription = await describeProject({ name: 'p', pipelines: {} });
  return startViewer({ projectDir: '.', project, port: 0 });
}

function describe(error: unknown): string {
  return error instanceof VizError ? `${error.name} ${error.code}` : 'other';
}

export { broken, describe, hooks, recorder, report, view };
