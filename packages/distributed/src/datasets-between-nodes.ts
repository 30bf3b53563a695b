/**
 * Plan-time rule for the data between nodes: it must live in shared storage. A dataset that one
 * node writes and another reads is either the catalog's (and then must not be a `MemoryDataset`)
 * or the runner's: an ephemeral {@link StorageDataset} under `<storage>/runs/<runKey>/datasets/`.
 *
 * @module
 */
import { join } from 'node:path';
import { type AbstractDataset, type DataCatalog, MemoryDataset, type Pipeline } from '@weft/runner';
import { MemoryDatasetBetweenNodesError } from './errors.js';
import { runDatasetsDir } from './shared-storage.js';
import { StorageDataset } from './storage-dataset.js';

/** Datasets this module created, with the run they belong to (a catalog may be reused by later runs). */
const createdFor = new WeakMap<AbstractDataset, string>();

function baseName(name: string): string {
  const at = name.indexOf('@');
  return at === -1 ? name : name.slice(0, at);
}

/**
 * Checks the datasets between the pipeline's nodes and registers a run-scoped
 * {@link StorageDataset} in `catalog` for each one the catalog does not provide (replacing those
 * this function registered for another run). Returns the names it registered.
 *
 * @throws {MemoryDatasetBetweenNodesError} naming the first such dataset that is a `MemoryDataset`.
 */
export function placeDatasetsBetweenNodes(
  pipeline: Pipeline,
  catalog: DataCatalog,
  storage: string,
  runKey: string,
): string[] {
  const consumed = new Set<string>();
  for (const n of pipeline.nodes) for (const input of n.inputs) consumed.add(baseName(input));
  const registered: string[] = [];
  for (const producer of pipeline.nodes) {
    for (const output of producer.outputs) {
      if (!consumed.has(baseName(output))) continue;
      // Every spelling (transcoded names) under which nodes write or read it.
      const names = new Set([output]);
      const readers: string[] = [];
      for (const n of pipeline.nodes) {
        for (const input of n.inputs) {
          if (baseName(input) === baseName(output)) {
            names.add(input);
            if (!readers.includes(n.name)) readers.push(n.name);
          }
        }
      }
      for (const name of names) {
        const owner = catalog.has(name) ? catalog.get(name) : undefined;
        if (owner !== undefined && createdFor.get(owner) === undefined) {
          if (owner instanceof MemoryDataset)
            throw memoryError(name, producer.name, readers, storage, runKey);
          continue;
        }
        if (owner !== undefined && createdFor.get(owner) === runKey) continue;
        const dataset = new StorageDataset({
          filepath: join(runDatasetsDir(storage, runKey), `${encodeURIComponent(name)}.v8`),
          ephemeral: true,
        });
        createdFor.set(dataset, runKey);
        catalog.set(name, dataset);
        registered.push(name);
      }
    }
  }
  return registered;
}

function memoryError(
  name: string,
  producer: string,
  readers: readonly string[],
  storage: string,
  runKey: string,
): MemoryDatasetBetweenNodesError {
  return new MemoryDatasetBetweenNodesError(
    `Dataset '${name}' is a MemoryDataset in the catalog, but node '${producer}' writes it and ${readers.map((r) => `'${r}'`).join(', ')} read${readers.length === 1 ? 's' : ''} it: ` +
      'on the DistributedRunner the data between nodes must live in shared storage, not in the memory of one process. ' +
      `Remove '${name}' from the catalog (the runner then keeps it in ${join(runDatasetsDir(storage, runKey), `${encodeURIComponent(name)}.v8`)}), ` +
      'or declare it as a dataset on shared storage, e.g. new StorageDataset({ filepath }) or a JSONDataset/CSVDataset whose file every machine can reach.',
    name,
  );
}
