/**
 * The runner conformance matrix of `@weft/runner/testing` (the behaviour suites and the random
 * DAGs that the three runners of `@weft/runner` run) on DistributedRunner: a real redis-server and
 * two `weft-worker` processes serving the published suite-nodes module itself.
 */
import { describeRunnerSuites, suiteNodesModule } from '@weft/runner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLOW, skipWithoutRedis, startTestCluster, type TestCluster } from './support/cluster.js';

describe.skipIf(skipWithoutRedis)('DistributedRunner: the runner conformance matrix', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster({
      modules: suiteNodesModule,
      // Two suites leave a never-settling node running on a worker (an abandoned run's job runs
      // on, unobserved): enough slots that the rest go on, and a short grace at close.
      worker: { concurrency: 4, shutdownGraceMs: 500 },
    });
  }, SLOW);
  afterAll(() => cluster?.close(), SLOW);

  describeRunnerSuites(
    { describe, it, expect },
    [
      {
        name: 'DistributedRunner',
        make: () => cluster.runner,
        makeBounded: (nodes) => cluster.makeRunner({ module: suiteNodesModule, maxInFlight: nodes }),
        capabilities: {
          // A job per node (Redis round trips, a worker process): a 20,000-node chain takes minutes.
          longPipelines: false,
          // Datasets between jobs that the catalog lacks are the runner's own run-scoped datasets
          // (in the coordinator's memory when small, in shared storage when large).
          memoryIntermediates: false,
          // A failed job comes back later than a completed one (the worker writes the error record
          // to shared storage, the coordinator reads it back): measured 20-75 ms against ~10 ms
          // per successful node here, so nodes of other branches complete meanwhile.
          immediateFailures: false,
        },
      },
    ],
    { timeoutMs: SLOW },
  );
});
