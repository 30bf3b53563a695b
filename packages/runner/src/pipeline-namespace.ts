/**
 * Namespacing of `pipeline(nodes, { namespace, inputs, outputs, parameters, tags })` (Kedro's
 * modular pipelines): node names and datasets get the namespace prefix, except the free inputs,
 * outputs and parameters the options keep or rename; tags are added to every node.
 *
 * @module
 */
import { PipelineError } from './errors.js';
import { isParameter, listRepr, stripTranscoding, transcodingSuffix, VALID_NAME } from './names.js';
import type { Node } from './node.js';
import { buildGraph } from './pipeline-graph.js';
import { toposortLayers } from './toposort.js';

/**
 * Dataset names exempt from namespacing (a name or list) or renamed (an object `{ old: new }`).
 *
 * @since 0.1.0
 */
export type DatasetMapping = string | readonly string[] | Readonly<Record<string, string>>;

/**
 * Options of {@link pipeline} (Kedro's `pipeline(nodes, inputs=, outputs=, parameters=, tags=, namespace=)`).
 *
 * @since 0.1.0
 */
export interface PipelineOptions {
  /** Prefix node names (and, unless exempt, datasets and `params:`) with `namespace.`. */
  namespace?: string;
  /** Free inputs to keep (names) or rename (`{ old: new }`) instead of namespacing them. */
  inputs?: DatasetMapping;
  /** Outputs to keep or rename instead of namespacing them. */
  outputs?: DatasetMapping;
  /** Parameters (`params:x` or `x`) to keep or rename instead of namespacing them. */
  parameters?: DatasetMapping;
  /** Tags added to every node. */
  tags?: string | Iterable<string>;
  /** Whether datasets are prefixed with the namespace (default true; parameters always are). */
  prefixDatasetsWithNamespace?: boolean;
}

/** True when the options ask for any namespacing, renaming or tagging. */
export function hasNamespacing(o: PipelineOptions): boolean {
  return (
    o.namespace !== undefined ||
    o.inputs !== undefined ||
    o.outputs !== undefined ||
    o.parameters !== undefined ||
    o.tags !== undefined
  );
}

function toMapping(m: DatasetMapping | undefined, params: boolean): Map<string, string> {
  const out = new Map<string, string>();
  if (m === undefined) return out;
  const fix = (n: string) => (params && !n.startsWith('params:') ? `params:${n}` : n);
  if (typeof m === 'string') out.set(fix(m), fix(m));
  else if (Array.isArray(m)) for (const n of m as readonly string[]) out.set(fix(n), fix(n));
  else for (const [k, v] of Object.entries(m)) out.set(fix(k), fix(v));
  return out;
}

/** The nodes renamed and tagged as the options say; the mappings are checked against the nodes. */
export function applyNamespacing(nodes: Node[], o: PipelineOptions): Node[] {
  const ns = o.namespace;
  if (ns !== undefined && (typeof ns !== 'string' || !VALID_NAME.test(ns))) {
    throw new PipelineError(
      'ERR_PIPELINE_NAMESPACE',
      `'${String(ns)}' is not a valid namespace. It must contain only letters, digits, hyphens, underscores and/or fullstops.`,
    );
  }
  const inputs = toMapping(o.inputs, false);
  const outputs = toMapping(o.outputs, false);
  const parameters = toMapping(o.parameters, true);
  // The nodes must make a valid pipeline on their own before they are renamed.
  const inner = buildGraph(nodes);
  toposortLayers(nodes, inner.parents, inner.children);
  const all = new Set<string>();
  const freeInputs = new Set<string>();
  for (const n of nodes) {
    for (const i of n.inputs) {
      const key = stripTranscoding(i);
      all.add(key);
      if (!inner.producer.has(key)) freeInputs.add(key);
    }
    for (const o of n.outputs) all.add(stripTranscoding(o));
  }
  const unknown = [...inputs.keys(), ...outputs.keys(), ...parameters.keys()].filter(
    (k) => !all.has(stripTranscoding(k)),
  );
  if (unknown.length > 0) {
    throw new PipelineError(
      'ERR_PIPELINE_MAPPING',
      `Failed to map datasets and/or parameters onto the nodes provided: ${unknown.join(', ')}`,
    );
  }
  const notFree = [...inputs.keys()].filter((k) => !freeInputs.has(stripTranscoding(k)));
  if (notFree.length > 0) {
    throw new PipelineError(
      'ERR_PIPELINE_MAPPING',
      `Inputs must not be outputs from another node in the same pipeline: ${listRepr(notFree)} are written by nodes of this pipeline; map them through 'outputs' instead.`,
    );
  }
  const badParams = [...inputs.keys(), ...outputs.keys()].filter(isParameter);
  if (badParams.length > 0) {
    throw new PipelineError(
      'ERR_PIPELINE_MAPPING',
      `Parameters should be specified in the 'parameters' argument, not in inputs/outputs: ${listRepr(badParams)}`,
    );
  }
  const mapping = new Map<string, string>([...inputs, ...outputs, ...parameters]);
  const prefixDatasets = o.prefixDatasetsWithNamespace !== false;
  const rename = (name: string): string => {
    const base = stripTranscoding(name);
    const suffix = transcodingSuffix(name);
    const mapped = mapping.get(base);
    if (mapped !== undefined) return mapped + suffix;
    if (ns === undefined) return name;
    if (base.startsWith('params:')) return `params:${ns}.${base.slice(7)}${suffix}`;
    if (base === 'parameters') return name;
    return prefixDatasets ? `${ns}.${base}${suffix}` : name;
  };
  const tags = new Set<string>(
    o.tags === undefined ? [] : typeof o.tags === 'string' ? [o.tags] : [...o.tags],
  );
  for (const t of tags) {
    if (!VALID_NAME.test(t)) {
      throw new PipelineError(
        'ERR_PIPELINE_TAG',
        `'${t}' is not a valid node tag. It must contain only letters, digits, hyphens, underscores and/or fullstops.`,
      );
    }
  }
  return nodes.map((n) => n._renamed(rename, ns, tags));
}
