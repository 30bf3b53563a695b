/**
 * Test support: which AsyncLocalStorage implementation this process runs on. Node 20 and 22 use
 * async_hooks (promise hooks) unless 22 gets `--experimental-async-context-frame`; Node 24 and
 * later use AsyncContextFrame unless given `--no-async-context-frame`.
 */
import { AsyncLocalStorage, executionAsyncResource } from 'node:async_hooks';

export type AlsImplementation = 'async-hooks' | 'async-context-frame';

/**
 * The implementation, observed: the async_hooks one keeps a store as a symbol-keyed property of
 * the current async resource; AsyncContextFrame keeps it in V8's continuation data instead.
 */
export function observedAlsImplementation(): AlsImplementation {
  const probe = new AsyncLocalStorage<number>();
  const resource = executionAsyncResource();
  const before = Object.getOwnPropertySymbols(resource).length;
  const during = probe.run(1, () => Object.getOwnPropertySymbols(executionAsyncResource()).length);
  probe.disable();
  return during > before ? 'async-hooks' : 'async-context-frame';
}

/** The implementation this Node line and its flags should give. */
export function expectedAlsImplementation(
  version: string = process.versions.node,
  execArgv: readonly string[] = process.execArgv,
): AlsImplementation {
  const major = Number(version.split('.')[0]);
  if (major >= 24)
    return execArgv.includes('--no-async-context-frame') ? 'async-hooks' : 'async-context-frame';
  return execArgv.includes('--experimental-async-context-frame') ? 'async-context-frame' : 'async-hooks';
}
