#!/usr/bin/env node
/**
 * `weft-worker`: a process that runs node jobs of a `DistributedRunner` (see {@link startWorker}).
 *
 * ```sh
 * weft-worker --redis redis://10.0.0.5:6379 --storage /mnt/shared/weft --module ./dist/pipeline.js
 * ```
 *
 * Prints one health line on stderr when it takes jobs (queue, Redis, concurrency, modules and their
 * code fingerprints, `@weft/*` and Node versions, where node logs go) and sends
 * `{ type: 'ready' }` over IPC when started with an IPC channel. SIGTERM or SIGINT stop it
 * gracefully: it takes no new job, lets the running ones finish for up to `--shutdown-grace`
 * milliseconds, then hands them back to the queue (another worker runs them at once) and exits. A
 * second signal hands them back at once; a third exits without a word to Redis (the jobs are then
 * recovered by other workers once their lock expires).
 *
 * @module
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startWorker } from './worker.js';
import { healthLine } from './worker-health.js';

const USAGE = `Usage: weft-worker --redis <url|socket> --storage <dir> --module <file> [options]

Runs the node jobs of a Weft DistributedRunner.

  --redis <url|socket>       redis://host:port, rediss://..., or a Unix socket path (env WEFT_REDIS)
  --storage <dir>            shared storage folder, the runner's 'storage' (env WEFT_STORAGE)
  --module <file|url>        module whose exported functions are the nodes (repeatable)
  --queue <name>             BullMQ queue (default weft-nodes)
  --prefix <prefix>          BullMQ key prefix (default weft)
  --concurrency <n>          jobs at once (default 1)
  --lock-duration <ms>       job lock; a dead worker's job is retaken after it (default 30000)
  --stalled-interval <ms>    how often to look for jobs of dead workers (default 30000)
  --max-stalled-count <n>    recoveries of one job before it fails (default 1)
  --max-envelope-bytes <n>   largest context envelope a job may carry (default 65536)
  --shutdown-grace <ms>      on SIGTERM, wait this long for running jobs, then hand them back (default 25000)
  --code-version <id>        release or commit id, must equal the runner's codeVersion
  --local-logs               keep node log records in this process (default: sent to the coordinator)
  --log-flush <ms>           most time between a node's log record and its append to Redis (default 200)
  --import <file|pkg>        module to import first, e.g. OpenTelemetry set-up (repeatable)
  --name <name>              worker name (default host:pid)
  -h, --help                 show this help
`;

function toUrl(spec: string): string {
  if (spec.startsWith('file:')) return spec;
  if (spec.startsWith('.') || spec.startsWith('/')) return pathToFileURL(resolve(spec)).href;
  return spec;
}

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`${flag} must be a positive integer, got '${value}'`);
  return Number(value);
}

class UsageError extends Error {}

async function main(argv: readonly string[]): Promise<number> {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        redis: { type: 'string' },
        storage: { type: 'string' },
        module: { type: 'string', multiple: true },
        queue: { type: 'string' },
        prefix: { type: 'string' },
        concurrency: { type: 'string' },
        'lock-duration': { type: 'string' },
        'stalled-interval': { type: 'string' },
        'max-stalled-count': { type: 'string' },
        'max-envelope-bytes': { type: 'string' },
        'shutdown-grace': { type: 'string' },
        'code-version': { type: 'string' },
        'local-logs': { type: 'boolean' },
        'log-flush': { type: 'string' },
        import: { type: 'string', multiple: true },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`weft-worker: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const redis = (values.redis as string | undefined) ?? process.env.WEFT_REDIS;
  const storage = (values.storage as string | undefined) ?? process.env.WEFT_STORAGE;
  const modules = (values.module as string[] | undefined) ?? [];
  let options: Parameters<typeof startWorker>[0];
  let shutdownGraceMs = 25_000;
  try {
    if (redis === undefined || redis === '') throw new UsageError('--redis (or WEFT_REDIS) is required');
    if (storage === undefined || storage === '')
      throw new UsageError('--storage (or WEFT_STORAGE) is required');
    if (modules.length === 0) throw new UsageError('at least one --module is required');
    const concurrency = int(values.concurrency as string | undefined, '--concurrency');
    const lockDurationMs = int(values['lock-duration'] as string | undefined, '--lock-duration');
    const stalledIntervalMs = int(values['stalled-interval'] as string | undefined, '--stalled-interval');
    const maxStalledCount = int(values['max-stalled-count'] as string | undefined, '--max-stalled-count');
    const maxEnvelopeBytes = int(values['max-envelope-bytes'] as string | undefined, '--max-envelope-bytes');
    const logFlushMs = int(values['log-flush'] as string | undefined, '--log-flush');
    const grace = values['shutdown-grace'] as string | undefined;
    if (grace !== undefined && !/^\d+$/.test(grace))
      throw new UsageError(`--shutdown-grace must be a number of milliseconds, got '${grace}'`);
    shutdownGraceMs = grace === undefined ? 25_000 : Number(grace);
    options = {
      redis: /^rediss?:\/\//.test(redis) ? redis : resolve(redis),
      storage: resolve(storage),
      modules: modules.map(toUrl),
      ...(values.queue === undefined ? {} : { queue: values.queue as string }),
      ...(values.prefix === undefined ? {} : { prefix: values.prefix as string }),
      ...(values.name === undefined ? {} : { name: values.name as string }),
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(lockDurationMs === undefined ? {} : { lockDurationMs }),
      ...(stalledIntervalMs === undefined ? {} : { stalledIntervalMs }),
      ...(maxStalledCount === undefined ? {} : { maxStalledCount }),
      ...(maxEnvelopeBytes === undefined ? {} : { maxEnvelopeBytes }),
      ...(logFlushMs === undefined ? {} : { logFlushMs }),
      ...(values['code-version'] === undefined ? {} : { codeVersion: values['code-version'] as string }),
      ...(values['local-logs'] === true ? { logs: false as const } : {}),
    };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`weft-worker: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  for (const spec of (values.import as string[] | undefined) ?? []) await import(toUrl(spec));
  const worker = await startWorker(options);
  process.stderr.write(`${healthLine(worker.health)}\n`);
  process.send?.({ type: 'ready', name: worker.name, pid: process.pid, health: worker.health });
  await new Promise<void>((done) => {
    let signals = 0;
    const stop = () => {
      signals++;
      if (signals === 1) {
        if (worker.running > 0) {
          process.stderr.write(
            `weft-worker ${worker.name}: stopping: no new jobs; ${worker.running} running, handed back to the queue if not done within ${shutdownGraceMs} ms\n`,
          );
        }
        worker.close({ handBackAfterMs: shutdownGraceMs }).then(done, (error: unknown) => {
          process.stderr.write(`weft-worker ${worker.name}: ${(error as Error)?.message ?? String(error)}\n`);
          done();
        });
      } else if (signals === 2) {
        process.stderr.write(`weft-worker ${worker.name}: handing the running jobs back now\n`);
        void worker.handBack();
      } else {
        process.exit(130);
      }
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    // The parent went away: stop as on a first signal (a second reason is not a second signal).
    process.on('disconnect', () => {
      if (signals === 0) stop();
    });
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    if (process.connected === true) process.disconnect();
    // Handles a closed worker may leave behind (reconnect timers) must not keep the process alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`weft-worker: ${(error as Error)?.message ?? String(error)}\n`);
    process.exit(1);
  },
);
