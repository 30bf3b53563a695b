/**
 * Test support: which AsyncLocalStorage implementation this process runs on. Node 20 and 22 use
 * async_hooks (promise hooks) unless 22 gets `--experimental-async-context-frame`; Node 24 and
 * later use AsyncContextFrame unless given `--no-async-context-frame`.
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';

export type AlsImplementation = 'async-hooks' | 'async-context-frame';

/**
 * The implementation, observed where the two differ (nodejs/node#58204): an `enterWith` inside
 * `AsyncResource.runInAsyncScope` sticks to the resource with async_hooks (a later scope of the
 * same resource sees it), and is dropped when the scope ends with AsyncContextFrame.
 */
export function observedAlsImplementation(): AlsImplementation {
  const probe = new AsyncLocalStorage<string>();
  try {
    const resource = probe.run('created', () => new AsyncResource('als-implementation-probe'));
    resource.runInAsyncScope(() => probe.enterWith('entered inside a scope'));
    const seen = resource.runInAsyncScope(() => probe.getStore());
    return seen === 'entered inside a scope' ? 'async-hooks' : 'async-context-frame';
  } finally {
    probe.disable();
  }
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
