/**
 * Plan-time rule for the data between jobs: a dataset that one job writes and another reads is
 * either the catalog's (and then must not be a `MemoryDataset`) or the runner's: a
 * {@link RunDataset} (small values in the coordinator's memory, larger ones under
 * `<storage>/runs/<runKey>/datasets/`). Inside a group (one job), data is handed over on the worker,
 * so a `MemoryDataset` between two nodes of the same group is fine.
 *
 * @module
 */
import { join } from 'node:path';
import {
  type AbstractDataset,
  type DataCatalog,
  MemoryDataset,
  type Node,
  type Pipeline,
} from '@weft/runner';
import { MemoryDatasetBetweenNodesError } from './errors.js';
import { RunDataset } from './run-dataset.js';
import { runDatasetsDir } from './shared-storage.js';

/** Datasets this module created, with the run they belong to (a catalog may be reused by later runs). */
const createdFor = new WeakMap<AbstractDataset, string>();

function baseName(name: string): string {
  const at = name.indexOf('@');
  return at === -1 ? name : name.slice(0, at);
}

/** Where a dataset the runner keeps for run `runKey` goes when it is too large for memory. */
export function runDatasetPath(storage: string, runKey: string, name: string): string {
  return join(runDatasetsDir(storage, runKey), `${encodeURIComponent(name)}.v8`);
}

/**
 * Checks the datasets between the pipeline's jobs and registers a run-scoped {@link RunDataset} in
 * `catalog` for each one the catalog does not provide (replacing those this function registered
 * for another run). `groupOf` gives each grouped node its group; data between nodes of one group
 * does not cross jobs. Returns the names it registered.
 *
 * @throws {MemoryDatasetBetweenNodesError} naming the first dataset between jobs that is a
 * `MemoryDataset`.
 */
export function placeDatasetsBetweenNodes(
  pipeline: Pipeline,
  catalog: DataCatalog,
  storage: string,
  runKey: string,
  options: { groupOf?: ReadonlyMap<Node, number>; memoryBytes?: number } = {},
): string[] {
  const groupOf = options.groupOf;
  const memoryBytes = options.memoryBytes ?? 0;
  const registered: string[] = [];
  for (const [key, readers] of pipeline._consumers) {
    const producer = pipeline._producer.get(key);
    if (producer === undefined) continue;
    const group = groupOf?.get(producer);
    const crossing = group === undefined || readers.some((r) => groupOf?.get(r) !== group);
    // Every spelling (transcoded names) under which nodes write or read it.
    const names = new Set<string>();
    for (const o of producer.outputs) if (baseName(o) === key) names.add(o);
    for (const r of readers) for (const i of r.inputs) if (baseName(i) === key) names.add(i);
    for (const name of names) {
      const owner = catalog.has(name) ? catalog.get(name) : undefined;
      if (owner !== undefined && createdFor.get(owner) === undefined) {
        if (crossing && owner instanceof MemoryDataset) {
          throw memoryError(name, producer, readers, storage, runKey, groupOf);
        }
        continue;
      }
      if (!crossing) continue;
      if (owner !== undefined && createdFor.get(owner) === runKey) continue;
      const dataset = new RunDataset(runDatasetPath(storage, runKey, name), memoryBytes);
      createdFor.set(dataset, runKey);
      catalog.set(name, dataset);
      registered.push(name);
    }
  }
  return registered;
}

function memoryError(
  name: string,
  producer: Node,
  readers: readonly Node[],
  storage: string,
  runKey: string,
  groupOf: ReadonlyMap<Node, number> | undefined,
): MemoryDatasetBetweenNodesError {
  const group = groupOf?.get(producer);
  const outside = readers.filter((r) => group === undefined || groupOf?.get(r) !== group);
  const list = outside.map((r) => `'${r.name}'`).join(', ');
  const where =
    group === undefined
      ? `node '${producer.name}' writes it and ${list} read${outside.length === 1 ? 's' : ''} it`
      : `node '${producer.name}' writes it and ${list} in another job (another group) read${outside.length === 1 ? 's' : ''} it`;
  return new MemoryDatasetBetweenNodesError(
    `Dataset '${name}' is a MemoryDataset in the catalog, but ${where}: ` +
      'on the DistributedRunner the data between jobs must live in shared storage, not in the memory of one process. ' +
      `Remove '${name}' from the catalog (the runner then keeps it, in ${runDatasetPath(storage, runKey, name)} when large), ` +
      'declare it as a dataset on shared storage, e.g. new StorageDataset({ filepath }) or a JSONDataset/CSVDataset whose file every machine can reach, ' +
      'or put its readers in the same group as its writer (groupNodes).',
    name,
  );
}
