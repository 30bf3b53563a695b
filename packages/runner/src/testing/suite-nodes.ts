/**
 * The node functions (and context variables) of the published runner suites. Module-level
 * exports, so runners that import node functions by name in worker threads or processes find them
 * here (`suiteNodesModule` of `@weft/runner/testing`) or in a module of yours that re-exports
 * them from `@weft/runner/testing`. The random-DAG nodes `mix`, `mixAsync` and `mixTwo` are re-exported too,
 * so one module serves every suite.
 *
 * @module
 */
import { ContextVar } from '@weft/contextvars';

export { mix, mixAsync, mixTwo } from './conformance-nodes.js';

/**
 * Set by the tests before `run()`.
 *
 * @experimental
 * @since 0.1.0
 */
export const requestId: ContextVar<string> = new ContextVar<string>('weft.testing.requestId', {
  propagate: true,
});
/**
 * Set per node by a `beforeNodeRun` hook.
 *
 * @experimental
 * @since 0.1.0
 */
export const taskRunId: ContextVar<string> = new ContextVar<string>('weft.testing.taskRunId', {
  propagate: true,
});
/**
 * Set inside nodes, to check that nothing leaks.
 *
 * @experimental
 * @since 0.1.0
 */
export const scratch: ContextVar<string> = new ContextVar<string>('weft.testing.scratch', {
  propagate: true,
});

/**
 * Returns its input.
 *
 * @experimental
 * @since 0.1.0
 */
export function identity<T>(x: T): T {
  return x;
}

/**
 * Returns `'output'`.
 *
 * @experimental
 * @since 0.1.0
 */
export function constantOutput(): string {
  return 'output';
}

/**
 * Its three inputs as an array.
 *
 * @experimental
 * @since 0.1.0
 */
export function triconcat(a: unknown, b: unknown, c: unknown): unknown[] {
  return [a, b, c];
}

/**
 * Its two inputs as an array.
 *
 * @experimental
 * @since 0.1.0
 */
export function biconcat(a: unknown, b: unknown): unknown[] {
  return [a, b];
}

/**
 * The sum of its inputs.
 *
 * @experimental
 * @since 0.1.0
 */
export function sum(...xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/**
 * Twice its input, after a 1 ms timer.
 *
 * @experimental
 * @since 0.1.0
 */
export async function asyncDouble(x: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 1));
  return x * 2;
}

/**
 * Returns `undefined` (which no dataset may save).
 *
 * @experimental
 * @since 0.1.0
 */
export function returnUndefined(_x: unknown): undefined {
  return undefined;
}

/**
 * Takes an input, returns nothing (a node without outputs).
 *
 * @experimental
 * @since 0.1.0
 */
export function sink(_x: unknown): void {}

/**
 * Dict input and dict output: `{ left, right }` → `{ l, r }`.
 *
 * @experimental
 * @since 0.1.0
 */
export function splitPair({ left, right }: { left: number; right: number }): { l: number; r: number } {
  return { l: left, r: right };
}

/**
 * Throws an `Error('test exception')` with `code` `'E_TEST'`.
 *
 * @experimental
 * @since 0.1.0
 */
export function throwsError(_x: unknown): never {
  const error = new Error('test exception') as Error & { code: string };
  error.code = 'E_TEST';
  throw error;
}

/**
 * Throws an `Error('test exception')`; takes no input.
 *
 * @experimental
 * @since 0.1.0
 */
export function throwsErrorNoInput(): never {
  throw new Error('test exception');
}

/**
 * Returns `ms` after waiting `ms` milliseconds.
 *
 * @experimental
 * @since 0.1.0
 */
export async function sleepThenReturn(ms: number): Promise<number> {
  await new Promise((r) => setTimeout(r, ms));
  return ms;
}

/**
 * Returns `'slept'` after 50 ms.
 *
 * @experimental
 * @since 0.1.0
 */
export async function sleep50(_x: unknown): Promise<string> {
  await new Promise((r) => setTimeout(r, 50));
  return 'slept';
}

/**
 * Never settles (but lets its thread idle).
 *
 * @experimental
 * @since 0.1.0
 */
export function neverSettles(_x: unknown): Promise<never> {
  return new Promise<never>(() => {
    setInterval(() => {}, 1_000);
  });
}

/**
 * A generator node: yields 1 to `n`.
 *
 * @experimental
 * @since 0.1.0
 */
export function* countTo(n: number): Generator<number> {
  for (let i = 1; i <= n; i++) yield i;
}

/**
 * An async generator node of two outputs: yields `[i, -i]` for i from 1 to `n`.
 *
 * @experimental
 * @since 0.1.0
 */
export async function* pairsTo(n: number): AsyncGenerator<[number, number]> {
  for (let i = 1; i <= n; i++) yield [i, -i];
}

/**
 * What the node sees of the context ({@link requestId}, {@link taskRunId}, {@link scratch}).
 *
 * @experimental
 * @since 0.1.0
 */
export function readContext(_x?: unknown): { requestId: string; taskRunId: string; scratch: string } {
  return {
    requestId: requestId.get('none'),
    taskRunId: taskRunId.get('none'),
    scratch: scratch.get('none'),
  };
}

/**
 * Sets {@link scratch} (which must not leak), waits 5 ms, then reports what it saw before and after.
 *
 * @experimental
 * @since 0.1.0
 */
export async function setScratchAndRead(x: unknown): Promise<{ before: string; after: string; x: unknown }> {
  const before = scratch.get('none');
  scratch.set(`set-by-node-${String(x)}`);
  await new Promise((r) => setTimeout(r, 5));
  return { before, after: scratch.get('none'), x };
}

/**
 * Throws an Error whose `name` is `name` (Object.prototype member names included).
 *
 * @experimental
 * @since 0.1.0
 */
export function throwsNamed(name: string): never {
  const error = new Error(`thrown with name ${name}`);
  error.name = name;
  throw error;
}

/**
 * Throws an Error with an own enumerable property for each entry of `props` (`__proto__` too).
 *
 * @experimental
 * @since 0.1.0
 */
export function throwsWithProps(props: [string, unknown][]): never {
  const error = new Error('thrown with hostile properties');
  for (const [key, value] of props) {
    Object.defineProperty(error, key, { value, enumerable: true, writable: true, configurable: true });
  }
  throw error;
}

/**
 * Throws an object without a prototype (no toString, no message).
 *
 * @experimental
 * @since 0.1.0
 */
export function throwsBareObject(_x: unknown): never {
  throw Object.assign(Object.create(null), { reason: 'bare' });
}
