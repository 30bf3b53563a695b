/**
 * Finding a node's function on another machine, with ParallelRunner's rule (from @weft/runner):
 * node functions are named exports of the modules the runner is pointed at, so a worker imports
 * the module and reads the export. Configuration problems surface as this package's
 * {@link DistributedConfigError}.
 *
 * @module
 */
import { type Node, RunnerConfigError } from '@weft/runner';
import {
  importModule as importRunnerModule,
  type NodeFunctionRef,
  resolveNodeFunctions as resolve,
  toModuleUrl as runnerModuleUrl,
} from '@weft/runner/extend';
import { DistributedConfigError } from './errors.js';

export type { NodeFunctionRef as FunctionRef } from '@weft/runner/extend';

function asDistributedError(error: unknown, code: 'ERR_DISTRIBUTED_OPTIONS' | 'ERR_MODULE_IMPORT'): unknown {
  return RunnerConfigError.is(error)
    ? new DistributedConfigError(code, error.message, { cause: error })
    : error;
}

/** `import.meta.url`, a `file:` URL, a URL object or an absolute path → a `file:` URL string. */
export function toModuleUrl(module: unknown, where: string): string {
  try {
    return runnerModuleUrl(module, where);
  } catch (error) {
    throw asDistributedError(error, 'ERR_DISTRIBUTED_OPTIONS');
  }
}

/** Imports `moduleUrl`, naming it in the error when that fails. */
export async function importModule(moduleUrl: string, where: string): Promise<Record<string, unknown>> {
  try {
    return await importRunnerModule(moduleUrl, where);
  } catch (error) {
    throw asDistributedError(error, 'ERR_MODULE_IMPORT');
  }
}

/**
 * The export of one of `modules` that is each node's very function.
 *
 * @throws {NodeNotTransferableError} naming the first node whose function is not such an export.
 */
export async function resolveNodeFunctions(
  nodes: readonly Node[],
  modules: readonly string[],
): Promise<Map<Node, NodeFunctionRef>> {
  try {
    return await resolve(nodes, modules, {
      runner: 'DistributedRunner',
      worker: 'a worker process',
      boundary: 'a process boundary',
    });
  } catch (error) {
    throw asDistributedError(error, 'ERR_MODULE_IMPORT');
  }
}
