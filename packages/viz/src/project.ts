/**
 * A project as the viewer shows it: its pipelines by name (graph, datasets with type and file path,
 * each node's code location and docstring), its parameters and tags. `describeProject` builds it
 * from the objects a project's registry and catalog give (the CLI calls it); the result is plain
 * JSON.
 *
 * @module
 */
import type { DataCatalog, Pipeline } from '@weft/runner';
import { type DatasetInfo, describePipeline } from './describe-pipeline.js';
import { locateFunctions } from './function-location.js';
import type { GraphDataset, GraphNode } from './run-record.js';

/** One pipeline of a project. */
export interface PipelineDescription {
  readonly name: string;
  readonly nodes: readonly GraphNode[];
  readonly datasets: readonly GraphDataset[];
}

/** What the viewer shows of a project. */
export interface ProjectDescription {
  readonly name: string;
  /** `__default__` first, then by name. */
  readonly pipelines: readonly PipelineDescription[];
  /** The merged parameters (`params:` inputs are looked up here). */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** What `describeProject` needs. */
export interface ProjectInput {
  /** Project name. */
  readonly name: string;
  /** Pipelines by name, as a registry returns them (`__default__` among them). */
  readonly pipelines: Readonly<Record<string, Pipeline>>;
  /** The catalog: dataset classes and file paths. */
  readonly catalog?: DataCatalog;
  /** Dataset facts as configured (`catalog.yml`), winning over the catalog's. */
  readonly datasets?: Readonly<Record<string, DatasetInfo>>;
  /** Parameters shown for `params:` datasets. */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** File paths (datasets, code) inside this folder are shown relative to it. */
  readonly projectDir?: string;
  /** Find each node function's code location and docstring (V8 inspector). Default true. */
  readonly locateCode?: boolean;
}

/**
 * Describes a project for the viewer.
 *
 * @example
 * ```ts
 * const project = await describeProject({ name: 'spaceflights', pipelines: registerPipelines(), catalog, parameters, projectDir });
 * const viewer = await startViewer({ projectDir, project });
 * ```
 */
export async function describeProject(input: ProjectInput): Promise<ProjectDescription> {
  const names = Object.keys(input.pipelines).sort((a, b) =>
    a === '__default__' ? -1 : b === '__default__' ? 1 : a.localeCompare(b),
  );
  const fns = new Set<(...args: never[]) => unknown>();
  for (const name of names) for (const n of (input.pipelines[name] as Pipeline).nodes) fns.add(n.fn);
  const where =
    input.locateCode === false
      ? new Map()
      : await locateFunctions([...fns], input.projectDir === undefined ? {} : { baseDir: input.projectDir });
  const pipelines = names.map((name) => {
    const pipeline = input.pipelines[name] as Pipeline;
    const graph = describePipeline(pipeline, {
      ...(input.catalog === undefined ? {} : { catalog: input.catalog }),
      ...(input.datasets === undefined ? {} : { datasets: input.datasets }),
      ...(input.projectDir === undefined ? {} : { baseDir: input.projectDir }),
    });
    const byName = new Map(pipeline.nodes.map((n) => [n.name, n]));
    const nodes = graph.nodes.map((g) => {
      const source = where.get(byName.get(g.name)?.fn as (...args: never[]) => unknown);
      if (source === undefined) return g;
      const { doc, ...code } = source;
      return { ...g, code, ...(doc === undefined ? {} : { doc }) };
    });
    return { name, nodes, datasets: graph.datasets };
  });
  return {
    name: input.name,
    pipelines,
    ...(input.parameters === undefined ? {} : { parameters: input.parameters }),
  };
}
