// Typed consumer of the @weft/distributed tarball, checked by tsc against the shipped .d.ts.
import {
  DistributedError,
  DistributedRunner,
  type DistributedRunnerOptions,
  type LocalCluster,
  StorageDataset,
  startLocalCluster,
} from '@weft/distributed';
import type { AbstractRunner, Pipeline, RunResult } from '@weft/runner';

const options: DistributedRunnerOptions = {
  module: new URL('./pipeline.js', import.meta.url),
  redis: 'redis://127.0.0.1:6379',
  storage: '/mnt/shared/weft',
  maxInFlight: 8,
};
const runner: AbstractRunner = new DistributedRunner(options);
// @ts-expect-error a runner needs the module that exports the node functions
const incomplete: DistributedRunnerOptions = { redis: 'redis://127.0.0.1:6379', storage: '/tmp' };

async function runOnCluster(pipeline: Pipeline): Promise<RunResult> {
  const cluster: LocalCluster = await startLocalCluster({ modules: import.meta.url, workers: 2 });
  try {
    return await cluster.runner.run(pipeline, new (await import('@weft/runner')).DataCatalog({}));
  } finally {
    await cluster.close();
  }
}

function describe(error: unknown): string {
  return error instanceof DistributedError ? `${error.name} ${error.code}` : 'other';
}

export { describe, incomplete, runner, runOnCluster, StorageDataset };
