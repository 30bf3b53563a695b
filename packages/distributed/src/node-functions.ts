/**
 * Finding a node's function on another machine, with ParallelRunner's rule: node functions are
 * named exports of the modules the runner is pointed at, so a worker imports the module and
 * reads the export.
 *
 * @module
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Node, NodeNotTransferableError } from '@weft/runner';
import { DistributedConfigError } from './errors.js';

/** Where a node's function lives. */
export interface FunctionRef {
  readonly moduleUrl: string;
  readonly exportName: string;
}

/** `import.meta.url`, a `file:` URL, a URL object or an absolute path → a `file:` URL string. */
export function toModuleUrl(module: unknown, where: string): string {
  if (module instanceof URL) return module.href;
  if (typeof module === 'string' && module.startsWith('file:')) return new URL(module).href;
  if (typeof module === 'string' && isAbsolute(module)) return pathToFileURL(module).href;
  throw new DistributedConfigError(
    'ERR_DISTRIBUTED_OPTIONS',
    `${where}: module must be a file URL or an absolute path (e.g. import.meta.url), got ${JSON.stringify(module) ?? String(module)}.`,
  );
}

/** Imports `moduleUrl`, naming it in the error when that fails. */
export async function importModule(moduleUrl: string, where: string): Promise<Record<string, unknown>> {
  try {
    return (await import(moduleUrl)) as Record<string, unknown>;
  } catch (error) {
    throw new DistributedConfigError(
      'ERR_MODULE_IMPORT',
      `${where} cannot import module ${moduleUrl}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
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
): Promise<Map<Node, FunctionRef>> {
  const exported = new Map<unknown, FunctionRef>();
  for (const moduleUrl of modules) {
    const namespace = await importModule(moduleUrl, 'DistributedRunner');
    for (const [exportName, value] of Object.entries(namespace)) {
      if (typeof value === 'function' && !exported.has(value)) exported.set(value, { moduleUrl, exportName });
    }
  }
  const refs = new Map<Node, FunctionRef>();
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
      `DistributedRunner cannot run node '${n.name}' on a worker: its function is ${what}. ` +
        'Workers import node functions by name, so each must be a module-level export of the module given ' +
        "to DistributedRunner (or re-exported by it: export { fn } from './nodes.js'); closures and inline lambdas " +
        'cannot cross a process boundary. Run such nodes on SequentialRunner or ThreadRunner.',
      n.name,
    );
  }
  return refs;
}
