/**
 * The project's own context: a plain `ContextVar` set before the run (by the hook in
 * `settings.ts`) and read inside nodes, and the run logger every node uses. Weft carries both into
 * every node on every runner, worker threads and worker processes included: the variable is
 * declared `propagate: true`, and the Prefect run context is Weft's own.
 *
 * @module
 */
import { isMainThread, threadId } from 'node:worker_threads';
import { ContextVar } from '@weft/contextvars';
import { getRunLogger, type RunLogger } from '@weft/prefect-bridge';

/** Who the run is for (a request-scoped value, as a web service would set it). */
export const tenantVar = new ContextVar<string>('spaceflights.tenant', { propagate: true });

/** What nodes show for the tenant when the value set before the run did not reach them. */
export const NOT_SET = '(not set)';

/** Where this code runs: `main (pid 4242)`, `worker 3 (pid 4242)`. */
export function threadLabel(): string {
  return `${isMainThread ? 'main' : `worker ${threadId}`} (pid ${process.pid})`;
}

/**
 * The run logger of the current node (Prefect's `get_run_logger()`): its lines name the flow run
 * and the node's task run, whichever runner and thread run the node, and carry where the node runs
 * (`extra.thread`, which the run summary and `weft viz` show).
 */
export function nodeLogger(): RunLogger {
  return getRunLogger({ thread: threadLabel() });
}
