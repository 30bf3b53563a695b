// Typed consumer of the @weft/cli tarball, checked by tsc against the shipped .d.ts.
import {
  CliError,
  type LoadedProject,
  loadProject,
  main,
  type RunEvent,
  type RunProjectOptions,
  type RunProjectResult,
  type RunRecord,
  runProject,
} from '@weft/cli';

const options: RunProjectOptions = {
  projectDir: '.',
  runner: 'thread',
  maxWorkers: 4,
  tags: ['daily'],
  params: { model: { alpha: 0.1 } },
  loadVersions: { cars: '2026-12-01T09.00.00.000Z' },
  prefect: { apiUrl: 'http://127.0.0.1:4200/api', required: false },
  onEvent: (event: RunEvent) => {
    if (event.type === 'node-end') console.log(event.node.name, event.node.status);
  },
};
// @ts-expect-error runner kinds are named
const wrong: RunProjectOptions = { runner: 'fast' };

async function run(): Promise<RunRecord> {
  const result: RunProjectResult = await runProject(options);
  const project: LoadedProject = await loadProject({ projectDir: '.' });
  console.log(Object.keys(project.pipelines));
  return result.record;
}

async function cli(): Promise<number> {
  try {
    return await main(['run', '--runner', 'sequential']);
  } catch (error) {
    return error instanceof CliError ? error.exitCode : 1;
  }
}

export { cli, run, wrong };
