// The pipeline distributed.mjs runs: its node function is a module export, so the weft-worker
// processes (started from the installed tarball's bin) import it from this file.
import { ContextVar } from '@weft/contextvars';
import { node, pipeline } from '@weft/runner';

/** Bound by the caller of run(): it travels to the worker process inside the job. */
export const tenant = new ContextVar('release-check.tenant', { propagate: true });

export function shout(word) {
  return `${tenant.get('no-tenant')}:${word.toUpperCase()}:${process.pid}`;
}

export const shouting = pipeline([node(shout, 'word', 'shouted', { name: 'shout' })]);
