/**
 * How a node's function is found on the other side of a thread or process boundary: node
 * functions are named exports of the modules a runner is pointed at, so a worker imports the
 * module and reads the export. Shared by `ParallelRunner` and runners built outside this package
 * (`@weft/distributed`).
 *
 * @module
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError, NodeNotTransferableError, RunnerConfigError } from './errors.js';
import { importGuarded, refuseRunFromWorkerImport, topLevelCallerAmong } from './module-evaluation.js';
import type { Node } from './node.js';

/**
 * Where a node's function lives: a module URL and the name of its export.
 *
 * @since 0.1.0
 * @experimental
 */
export interface NodeFunctionRef {
  readonly moduleUrl: string;
  readonly exportName: string;
}

/**
 * Who asks, for messages: the runner's name and where its workers run.
 *
 * @since 0.1.0
 * @experimental
 */
export interface NodeFunctionSite {
  /** e.g. `'ParallelRunner'`. */
  readonly runner: string;
  /** e.g. `'a worker thread'`. */
  readonly worker: string;
  /** e.g. `'a thread boundary'`. */
  readonly boundary: string;
}

/**
 * `import.meta.url`, a `file:` URL, a URL object or an absolute path → a `file:` URL string.
 *
 * @throws {RunnerConfigError} `ERR_RUNNER_OPTIONS`, naming `where`, for anything else.
 * @since 0.1.0
 * @experimental
 */
export function toModuleUrl(module: unknown, where: string): string {
  if (module instanceof URL) return module.href;
  if (typeof module === 'string' && module.startsWith('file:')) return new URL(module).href;
  if (typeof module === 'string' && isAbsolute(module)) return pathToFileURL(module).href;
  throw new RunnerConfigError(
    'ERR_RUNNER_OPTIONS',
    `${where}: module must be a file URL or an absolute path (e.g. import.meta.url), got ${JSON.stringify(module) ?? String(module)}.`,
  );
}

/**
 * Imports `moduleUrl`. `calledFromTopLevel` says that the module's own top-level code asked for
 * it (it has not finished evaluating): a warning then says so if the import takes long.
 *
 * @throws {RunnerConfigError} `ERR_RUNNER_MODULE`, naming `where` and the module, when that fails;
 * `ERR_RUNNER_MODULE_CYCLE` when it can never finish (the module's top-level code awaits the run
 * that imports it), instead of letting the process exit silently with code 13.
 * @since 0.1.0
 * @experimental
 */
export async function importModule(
  moduleUrl: string,
  where: string,
  options: { calledFromTopLevel?: boolean } = {},
): Promise<Record<string, unknown>> {
  try {
    return await importGuarded(moduleUrl, where, options.calledFromTopLevel === true);
  } catch (error) {
    if (RunnerConfigError.is(error) && error.code === 'ERR_RUNNER_MODULE_CYCLE') throw error;
    throw new RunnerConfigError(
      'ERR_RUNNER_MODULE',
      `${where} cannot import module ${moduleUrl}: ${describeError(error)}`,
      { cause: error },
    );
  }
}

/**
 * The export of one of `modules` that is each node's very function (re-exports count).
 *
 * @throws {NodeNotTransferableError} naming the first node whose function is not such an export
 * (a closure, a nested function, an inline lambda, a function of another module).
 * @since 0.1.0
 * @experimental
 */
export async function resolveNodeFunctions(
  nodes: readonly Node[],
  modules: readonly string[],
  site: NodeFunctionSite,
): Promise<Map<Node, NodeFunctionRef>> {
  // Synchronous part of run(): the caller's frames are still on the stack here.
  const caller = topLevelCallerAmong(modules);
  refuseRunFromWorkerImport(caller, site.runner);
  const exported = new Map<unknown, NodeFunctionRef>();
  for (const moduleUrl of modules) {
    const namespace = await importModule(moduleUrl, site.runner, {
      calledFromTopLevel: moduleUrl === caller,
    });
    for (const [exportName, value] of Object.entries(namespace)) {
      if (typeof value === 'function' && !exported.has(value)) exported.set(value, { moduleUrl, exportName });
    }
  }
  const refs = new Map<Node, NodeFunctionRef>();
  const where = modules.join(', ');
  for (const n of nodes) {
    const ref = exported.get(n.fn);
    if (ref !== undefined) {
      refs.set(n, ref);
      continue;
    }
    const what =
      n.fn.name === ''
        ? 'an inline lambda'
        : `'${n.fn.name}', which is not exported by ${where} (a closure, a nested function, or a function of another module)`;
    throw new NodeNotTransferableError(
      `${site.runner} cannot run node '${n.name}' in ${site.worker}: its function is ${what}. ` +
        `Workers import node functions by name, so each must be a module-level export of the module given to ${site.runner} ` +
        "(or re-exported by it: export { fn } from './nodes.js'); closures and inline lambdas " +
        `cannot cross ${site.boundary}. Run such nodes on SequentialRunner or ThreadRunner.`,
      { node: n.name },
    );
  }
  return refs;
}
