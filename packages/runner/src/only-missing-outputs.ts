/**
 * `onlyMissingOutputs`: Kedro's rules for skipping nodes whose persistent outputs already exist.
 *
 * @module
 */
import type { DataCatalog } from './data-catalog.js';
import { stripTranscoding } from './names.js';
import type { Node } from './node.js';
import { Pipeline } from './pipeline.js';
import type { RunLogger } from './run-types.js';

/**
 * The sub-pipeline to run and the skipped node names. Walking in reverse topological order, a
 * node runs when it has no outputs, when one of its persistent outputs is missing, or when a node
 * that runs needs one of its outputs that is ephemeral or missing. Datasets not in the catalog
 * (patterns resolved) count as ephemeral.
 */
export async function filterMissingOutputs(
  pipeline: Pipeline,
  catalog: DataCatalog,
  logger: RunLogger | undefined,
): Promise<{ pipeline: Pipeline; skipped: string[] }> {
  const ephemeral = new Map<string, boolean>();
  const missing = new Map<string, boolean>();
  const isEphemeral = (name: string): boolean => {
    let e = ephemeral.get(name);
    if (e === undefined) {
      const ds = catalog.has(name) ? catalog.get(name) : undefined;
      e = ds === undefined || ds.ephemeral;
      ephemeral.set(name, e);
    }
    return e;
  };
  const isMissing = async (name: string): Promise<boolean> => {
    let m = missing.get(name);
    if (m === undefined) {
      m = !(await catalog.exists(name));
      missing.set(name, m);
    }
    return m;
  };
  const toRun = new Set<Node>();
  const nodes = pipeline.nodes;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i] as Node;
    if (n.outputs.length === 0) {
      toRun.add(n);
      continue;
    }
    let run = false;
    for (const o of n.outputs) {
      if (!isEphemeral(o) && (await isMissing(o))) {
        run = true;
        break;
      }
    }
    if (!run) {
      outer: for (const o of n.outputs) {
        for (const child of pipeline._consumers.get(stripTranscoding(o)) ?? []) {
          if (toRun.has(child) && (isEphemeral(o) || (await isMissing(o)))) {
            run = true;
            break outer;
          }
        }
      }
    }
    if (run) toRun.add(n);
  }
  const skipped = nodes
    .filter((n) => !toRun.has(n))
    .map((n) => n.name)
    .sort();
  if (logger !== undefined) {
    if (toRun.size === 0) logger.info(`Skipping all ${nodes.length} nodes (all persistent outputs exist)`);
    else {
      if (skipped.length > 0)
        logger.info(`Skipping ${skipped.length} nodes with existing outputs: ${skipped.join(', ')}`);
      logger.info(`Running ${toRun.size} out of ${nodes.length} nodes`);
    }
  }
  return { pipeline: new Pipeline(nodes.filter((n) => toRun.has(n))), skipped };
}
