/**
 * The health line `weft-worker` prints when it starts taking jobs.
 *
 * @module
 */
import type { WorkerHealth } from './worker.js';

/**
 * The line a worker prints when it takes jobs, with what an operator checks first: queue, Redis,
 * concurrency, modules and their code fingerprints, `@weft/*` and Node versions, where node logs go.
 */
export function healthLine(h: WorkerHealth): string {
  const modules = Object.entries(h.modules)
    .map(([url, hash]) => `${url} (code ${hash})`)
    .join(', ');
  const weft = Object.entries(h.weft)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return (
    `weft-worker ${h.name} ready: queue '${h.queue}' (prefix '${h.prefix}') at ${h.redis}, concurrency ${h.concurrency}, ` +
    `storage ${h.storage}, modules ${modules}; ${weft}; Node ${h.node}` +
    `${h.codeVersion === undefined ? '' : `; codeVersion ${h.codeVersion}`}; ` +
    `node logs ${h.logs === null ? 'stay in this process' : `go to the coordinator (${h.logs})`}`
  );
}
