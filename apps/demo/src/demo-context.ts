/**
 * The demo's own context variables, set before a run and read inside nodes: plain user
 * ContextVars, unrelated to Prefect, that follow the work like the run context does (into worker
 * threads too, because they are declared `propagate: true`).
 *
 * @module
 */
import { isMainThread, threadId } from 'node:worker_threads';
import { ContextVar } from '@weft/contextvars';

/**
 * Set in the environment of the demo's `weft-worker` processes (`--runner distributed`), so that
 * their lines name the process. Only a label: log records reach the demo through the distributed
 * runner's log channel.
 */
export const DEMO_WORKER_ENV = 'WEFT_DEMO_WORKER';

/** The tenant the run is for (a request-scoped value, as a web service would set it). */
export const tenantVar = new ContextVar<string>('demo.tenant', { propagate: true });

/** Name of a node that should fail on purpose (`--fail-at`). */
export const failAtVar = new ContextVar<string | null>('demo.fail_at', { default: null, propagate: true });

/**
 * `main` on the main thread, `worker <threadId>` in a worker thread, `process <pid>` in a
 * `weft-worker` process of the distributed runner.
 */
export function threadLabel(): string {
  if (process.env[DEMO_WORKER_ENV] === '1')
    return isMainThread ? `process ${process.pid}` : `process ${process.pid} worker ${threadId}`;
  return isMainThread ? 'main' : `worker ${threadId}`;
}
