/**
 * The runner a `weft run` asks for. The thread and sequential runners need nothing; the parallel
 * runner's worker threads and the distributed runner's worker processes import the project's
 * node modules, with tsx registered when those are TypeScript (the runners' `typescript: 'tsx'`
 * option, the same tsx `weft` registered in its main thread). `@weft/distributed` is imported only
 * for `--runner distributed`.
 *
 * @module
 */
import { type AbstractRunner, ParallelRunner, SequentialRunner, ThreadRunner } from '@weft/runner';
import { UsageError } from './errors.js';

/** The runners `--runner` names, Kedro's three and the distributed one. */
export const RUNNER_KINDS = ['sequential', 'thread', 'parallel', 'distributed'] as const;

/** A runner kind. */
export type RunnerKind = (typeof RUNNER_KINDS)[number];

/** What building a runner needs. */
export interface RunnerRequest {
  readonly kind: RunnerKind;
  readonly maxWorkers?: number | undefined;
  /** Absolute paths of the modules that export node functions. */
  readonly nodeModules: readonly string[];
  /** A Redis URL of an existing cluster (distributed), instead of a local one. */
  readonly redisUrl?: string | undefined;
  /** The shared storage folder of that cluster. */
  readonly storage?: string | undefined;
  /** Receives the output of local worker processes, line by line. */
  readonly log: (line: string) => void;
}

/** A runner and how to release what it holds. */
export interface ProjectRunner {
  readonly runner: AbstractRunner;
  /** `SequentialRunner`, … as the hooks see it; plus where it runs, for the summary. */
  readonly description: string;
  close(): Promise<void>;
}

/** Whether some node module is TypeScript (then workers need tsx). */
export function needsTypeScript(modules: readonly string[]): boolean {
  return modules.some((m) => /\.[mc]?ts$/.test(m));
}

/**
 * Creates the runner.
 *
 * @throws {UsageError} for `--max-workers` with the sequential runner, `--storage` without
 * `--redis-url`, or no node modules for a runner that imports them.
 */
export async function createProjectRunner(request: RunnerRequest): Promise<ProjectRunner> {
  const { kind, maxWorkers } = request;
  const workers = maxWorkers === undefined ? {} : { maxWorkers };
  if (kind === 'sequential' && maxWorkers !== undefined) {
    throw new UsageError(
      '--max-workers: the sequential runner runs one node at a time; use --runner thread or parallel',
    );
  }
  if (kind !== 'distributed' && (request.redisUrl !== undefined || request.storage !== undefined)) {
    throw new UsageError('--redis-url and --storage are for --runner distributed');
  }
  if ((kind === 'parallel' || kind === 'distributed') && request.nodeModules.length === 0) {
    throw new UsageError(
      `--runner ${kind}: no modules under src/ export node functions (workers import node functions from the project's modules)`,
    );
  }
  const typescript = needsTypeScript(request.nodeModules);
  switch (kind) {
    case 'sequential':
      return { runner: new SequentialRunner(), description: 'sequential', close: async () => {} };
    case 'thread':
      return {
        runner: new ThreadRunner(workers),
        description: maxWorkers === undefined ? 'thread' : `thread (${maxWorkers} nodes at once)`,
        close: async () => {},
      };
    case 'parallel': {
      const runner = new ParallelRunner({
        module: request.nodeModules,
        ...workers,
        ...(typescript ? { typescript: 'tsx' as const } : {}),
      });
      return {
        runner,
        description: `parallel (${runner.maxWorkers} worker threads)`,
        close: () => runner.close(),
      };
    }
    case 'distributed':
      return createDistributedRunner(request, typescript);
  }
}

async function createDistributedRunner(request: RunnerRequest, typescript: boolean): Promise<ProjectRunner> {
  const distributed = await import('@weft/distributed');
  if (request.redisUrl !== undefined) {
    if (request.storage === undefined) {
      throw new UsageError(
        '--redis-url needs --storage <folder>: the shared folder the weft-worker processes were started with',
      );
    }
    if (request.maxWorkers !== undefined) {
      throw new UsageError(
        '--max-workers starts local worker processes; with --redis-url the workers are the ones already serving that Redis',
      );
    }
    const runner = new distributed.DistributedRunner({
      module: request.nodeModules,
      redis: request.redisUrl,
      storage: request.storage,
    });
    return {
      runner,
      description: `distributed (Redis ${request.redisUrl})`,
      close: () => runner.close(),
    };
  }
  const count = request.maxWorkers ?? 2;
  let cluster: Awaited<ReturnType<typeof distributed.startLocalCluster>>;
  try {
    cluster = await distributed.startLocalCluster({
      modules: request.nodeModules,
      workers: count,
      worker: { stdio: 'pipe', ...(typescript ? { typescript: 'tsx' as const } : {}) },
    });
  } catch (error) {
    if (distributed.DistributedError.is(error))
      throw new UsageError(`--runner distributed: ${error.message}`, { cause: error });
    throw error;
  }
  for (const w of cluster.workers) {
    for (const stream of [w.child.stdout, w.child.stderr]) {
      if (stream === null) continue;
      stream.setEncoding('utf8');
      let pending = '';
      stream.on('data', (text: string) => {
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line !== '') request.log(`[${w.name}] ${line}`);
      });
    }
  }
  return {
    runner: cluster.runner,
    description: `distributed (local Redis, ${count} weft-worker processes)`,
    close: () => cluster.close(),
  };
}
