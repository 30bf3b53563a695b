/**
 * A pipeline (and what the catalog knows of its datasets) as a plain {@link PipelineGraph}: the
 * shape the run recorder stores and the report and viewer draw.
 *
 * @module
 */
import { isAbsolute, relative, sep } from 'node:path';
import { type DataCatalog, MemoryDataset, type Pipeline } from '@weft/runner';
import type { DatasetKind, GraphDataset, GraphNode, PipelineGraph } from './run-record.js';

/** What a caller knows of a dataset beyond the catalog objects (e.g. its `catalog.yml` entry). */
export interface DatasetInfo {
  /** The configured type (`pandas.CSVDataset`, `JSONDataset`, …). */
  readonly type?: string;
  readonly filepath?: string;
  /** Kedro-Viz layer (`01_raw`, …). */
  readonly layer?: string;
}

/** Options of {@link describePipeline}. */
export interface DescribePipelineOptions {
  /** The catalog the pipeline runs with: dataset classes and file paths come from it. */
  readonly catalog?: DataCatalog;
  /** Per dataset facts that win over the catalog's (the CLI passes its `catalog.yml` entries). */
  readonly datasets?: Readonly<Record<string, DatasetInfo>>;
  /** File paths inside this folder are shown relative to it. */
  readonly baseDir?: string;
}

/** Whether a dataset name is a parameter input (`parameters`, `params:…`). */
export function isParameterDataset(name: string): boolean {
  return name === 'parameters' || name.startsWith('params:');
}

/** `filepath` relative to `baseDir` when inside it, with `/` separators. */
export function displayPath(filepath: string, baseDir: string | undefined): string {
  if (baseDir === undefined || !isAbsolute(filepath)) return filepath.split(sep).join('/');
  const rel = relative(baseDir, filepath);
  if (rel.startsWith('..') || isAbsolute(rel)) return filepath.split(sep).join('/');
  return rel.split(sep).join('/');
}

function describeDataset(name: string, options: DescribePipelineOptions): GraphDataset {
  const info = options.datasets?.[name];
  let type = info?.type;
  let filepath = info?.filepath;
  let kind: DatasetKind | undefined;
  if (isParameterDataset(name)) kind = 'parameters';
  const catalog = options.catalog;
  if (catalog?.has(name)) {
    let dataset: unknown;
    try {
      dataset = catalog.get(name);
    } catch {
      dataset = undefined;
    }
    if (dataset !== undefined && dataset !== null) {
      type ??= (dataset as { constructor?: { name?: string } }).constructor?.name;
      const fp = (dataset as { filepath?: unknown }).filepath;
      if (typeof fp === 'string') filepath ??= fp;
      if (dataset instanceof MemoryDataset) kind ??= 'memory';
    }
  }
  type ??= kind === 'parameters' ? 'parameters' : 'MemoryDataset';
  if (filepath !== undefined) kind ??= 'file';
  kind ??= type === 'MemoryDataset' ? 'memory' : 'other';
  return {
    name,
    type: kind === 'parameters' ? 'parameters' : type,
    kind,
    ...(filepath === undefined ? {} : { filepath: displayPath(filepath, options.baseDir) }),
    ...(info?.layer === undefined ? {} : { layer: info.layer }),
  };
}

/** One node as a {@link GraphNode} (no code location: see `describeProject`). */
export function describeNode(node: Pipeline['nodes'][number]): GraphNode {
  return {
    name: node.name,
    ...(node.namespace === undefined ? {} : { namespace: node.namespace }),
    inputs: [...node.inputs],
    outputs: [...node.outputs],
    tags: [...node.tags].sort(),
  };
}

/**
 * Describes a pipeline: its nodes in topological order and every dataset they read or write, with
 * type, kind and file path from the catalog (and `options.datasets`).
 *
 * @example
 * ```ts
 * const graph = describePipeline(pipeline, { catalog, baseDir: projectDir });
 * graph.datasets.find((d) => d.name === 'companies'); // { type: 'CSVDataset', kind: 'file', filepath: 'data/01_raw/companies.csv' }
 * ```
 */
export function describePipeline(pipeline: Pipeline, options: DescribePipelineOptions = {}): PipelineGraph {
  const nodes = pipeline.nodes.map(describeNode);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const n of pipeline.nodes) {
    for (const d of [...n.inputs, ...n.outputs]) {
      if (!seen.has(d)) {
        seen.add(d);
        names.push(d);
      }
    }
  }
  return { nodes, datasets: names.map((name) => describeDataset(name, options)) };
}
