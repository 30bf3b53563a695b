/**
 * The five propagated context variables of `bench:executor`, defined in a module of their own so
 * that the worker threads (through `executor-tasks.ts`) know them too.
 */
import { ContextVar } from '@weft/contextvars';

/** A run id, trace and span ids, a tenant and a user: short strings, as in a real run. */
export const benchVars: ContextVar<string>[] = ['runId', 'traceId', 'spanId', 'tenant', 'user'].map(
  (name) => new ContextVar<string>(`bench.executor.${name}`, { propagate: true }),
);

const values = [
  'run-2026-11-26T07:00:00Z-7f3a',
  '4bf92f3577b34da6a3ce929d0e0e4736',
  '00f067aa0ba902b7',
  'acme-analytics',
  'pipeline-bot',
];

/** Runs `fn` with the five variables bound. */
export function inFiveVars<R>(fn: () => R): R {
  const bind = (i: number): R =>
    i === benchVars.length
      ? fn()
      : (benchVars[i] as ContextVar<string>).run(values[i] as string, () => bind(i + 1));
  return bind(0);
}
