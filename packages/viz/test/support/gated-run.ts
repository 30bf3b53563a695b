/**
 * A `weft run` stand-in for the live viewer tests, run as its own process: the small pipeline on
 * the runner named by argv[2] (`thread`, `parallel` or `distributed`), recorded into the run
 * history of the project folder argv[3], its nodes gated by files in that folder (see
 * fixtures/nodes.ts). Exits 0 for a completed run, 1 for a failed one.
 */
import { prefectHooks } from '@weft/prefect-bridge';
import { type AbstractRunner, ParallelRunner, ThreadRunner } from '@weft/runner';
import { RunRecorder } from '../../src/index.js';
import { GATE_DIR_ENV } from '../fixtures/nodes.js';
import { NODES_MODULE, smallCatalog, smallPipeline } from './pipelines.js';

const [kind = 'thread', dir = '.'] = process.argv.slice(2);
process.env[GATE_DIR_ENV] = dir;
let runner: AbstractRunner;
let close = async () => {};
if (kind === 'parallel') {
  const parallel = new ParallelRunner({ module: NODES_MODULE, maxWorkers: 2 });
  runner = parallel;
  close = () => parallel.close();
} else if (kind === 'distributed') {
  const { startLocalCluster } = await import('@weft/distributed');
  const cluster = await startLocalCluster({ modules: NODES_MODULE, workers: 2, worker: { stdio: 'pipe' } });
  runner = cluster.runner;
  close = () => cluster.close();
} else {
  runner = new ThreadRunner();
}
const recorder = new RunRecorder({
  projectDir: dir,
  project: 'spaceflights',
  resumeHint: (nodes) => `weft run --from-nodes "${nodes.join(',')}"`,
});
const prefect = prefectHooks({ client: null, sinks: [recorder.logSink], flowName: 'spaceflights' });
let code = 0;
try {
  await runner.run(smallPipeline(), smallCatalog(dir), { hooks: [prefect, recorder] });
} catch {
  code = 1;
} finally {
  await close();
}
process.exit(code);
