/**
 * `pipeline([...])`: a DAG of nodes (Kedro's `Pipeline`): free inputs and outputs, topological
 * order and layers, set operations, filters, and namespacing with dataset remapping.
 *
 * @module
 */
import { PipelineError, PipelineFilterError, type PipelineFilterName } from './errors.js';
import { compareNames, listRepr, stripTranscoding } from './names.js';
import { Node } from './node.js';
import { buildGraph } from './pipeline-graph.js';
import {
  applyNamespacing,
  type DatasetMapping,
  hasNamespacing,
  type PipelineOptions,
} from './pipeline-namespace.js';
import type { RunResult } from './run-report.js';
import { toposortLayers } from './toposort.js';

export type { DatasetMapping, PipelineOptions };

/**
 * Options of {@link Pipeline.filter}: every given filter is applied to the original pipeline and the results intersected.
 *
 * @since 0.1.0
 */
export interface PipelineFilter {
  /** Nodes with ANY of these tags. */
  tags?: Iterable<string>;
  /** These nodes and everything downstream. */
  fromNodes?: Iterable<string>;
  /** These nodes and everything upstream. */
  toNodes?: Iterable<string>;
  /** Exactly these nodes. */
  nodeNames?: Iterable<string>;
  /** Nodes consuming these datasets and everything downstream. */
  fromInputs?: Iterable<string>;
  /** Nodes producing these datasets and everything upstream. */
  toOutputs?: Iterable<string>;
  /** Nodes in any of these namespaces (or below). */
  nodeNamespaces?: Iterable<string>;
}

/** Type-level only (never set at run time): the outputs a pipeline is known to write. */
declare const outputTypes: unique symbol;

/**
 * The output names and types a {@link Node} or {@link Pipeline} is known to write (`RunResult`,
 * any name, when they are not known).
 *
 * @since 0.1.0
 */
export type OutputsOf<T> = T extends Node<infer O> ? O : T extends Pipeline<infer O> ? O : never;

/** The outputs of all `items` together; any name when one of them is not typed. */
type ItemsOutputs<Items extends readonly (Node | Pipeline)[]> =
  UnionToIntersection<OutputsOf<Items[number]>> extends infer O extends RunResult ? O : RunResult;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;

/**
 * An immutable DAG of {@link Node}s. Construction checks for duplicate node names, two nodes
 * writing one dataset, two nodes confirming one dataset, and cycles (naming one).
 * Every filter and set operation returns a new Pipeline.
 * @since 0.1.0
 */
export class Pipeline<TOutputs extends RunResult = RunResult> {
  /** @internal Type-level only, never set: the outputs this pipeline is known to write. */
  declare readonly [outputTypes]?: TOutputs;
  /** Nodes in topological order (layer by layer, sorted by name inside a layer). */
  readonly nodes: readonly Node[];
  /** Topological layers: each node's parents are all in earlier layers; sorted by name inside a layer. */
  readonly groupedNodes: readonly (readonly Node[])[];
  /** @internal dataset (transcoding stripped) → producing node. */
  readonly _producer: ReadonlyMap<string, Node>;
  /** @internal dataset (transcoding stripped) → consuming nodes. */
  readonly _consumers: ReadonlyMap<string, readonly Node[]>;
  /** @internal node → distinct parent nodes. */
  readonly _parents: ReadonlyMap<Node, readonly Node[]>;
  /** @internal node → distinct child nodes. */
  readonly _children: ReadonlyMap<Node, readonly Node[]>;
  readonly #byName: ReadonlyMap<string, Node>;
  #inputs: ReadonlySet<string> | undefined;
  #outputs: ReadonlySet<string> | undefined;

  /** Builds a pipeline from nodes and pipelines (flattened). See {@link pipeline} for namespacing options. */
  constructor(items: Iterable<Node | Pipeline>, options: PipelineOptions = {}) {
    let nodes = collectNodes(items);
    if (hasNamespacing(options)) nodes = applyNamespacing(nodes, options);
    const graph = buildGraph(nodes);
    const layers = toposortLayers(nodes, graph.parents, graph.children);
    this.groupedNodes = layers;
    this.nodes = layers.flat();
    this._producer = graph.producer;
    this._consumers = graph.consumers;
    this._parents = graph.parents;
    this._children = graph.children;
    this.#byName = graph.byName;
  }

  /** Free inputs: datasets read by some node and written by none. */
  inputs(): ReadonlySet<string> {
    if (this.#inputs === undefined) {
      const s = new Set<string>();
      for (const n of this.nodes)
        for (const i of n.inputs) if (!this._producer.has(stripTranscoding(i))) s.add(i);
      this.#inputs = s;
    }
    return this.#inputs;
  }

  /** Free outputs: datasets written by some node and read by none. */
  outputs(): ReadonlySet<string> {
    if (this.#outputs === undefined) {
      const s = new Set<string>();
      for (const n of this.nodes)
        for (const o of n.outputs) if (!this._consumers.has(stripTranscoding(o))) s.add(o);
      this.#outputs = s;
    }
    return this.#outputs;
  }

  /** Every dataset some node reads. */
  allInputs(): Set<string> {
    return new Set(this.nodes.flatMap((n) => n.inputs));
  }

  /** Every dataset some node writes. */
  allOutputs(): Set<string> {
    return new Set(this.nodes.flatMap((n) => n.outputs));
  }

  /** Every dataset the pipeline reads or writes. */
  datasets(): Set<string> {
    return new Set([...this.allInputs(), ...this.allOutputs()]);
  }

  /** node → the nodes it depends on (Kedro's `node_dependencies`). */
  get nodeDependencies(): ReadonlyMap<Node, ReadonlySet<Node>> {
    return new Map([...this._parents].map(([n, ps]) => [n, new Set(ps)]));
  }

  /** The node of that name, or `undefined`. */
  getNode(name: string): Node | undefined {
    return this.#byName.get(name);
  }

  /** Node names, in topological order. */
  get nodeNames(): string[] {
    return this.nodes.map((n) => n.name);
  }

  /** Union (Kedro's `+` and `|`). A node name used by two different nodes is an error. */
  add(...others: Pipeline[]): Pipeline {
    return new Pipeline([this, ...others]);
  }

  /** Nodes of this pipeline that are not in `other` (Kedro's `-`). */
  subtract(other: Pipeline): Pipeline {
    return new Pipeline(this.nodes.filter((n) => !other.#contains(n)));
  }

  /** Nodes in both pipelines (Kedro's `&`). */
  intersect(other: Pipeline): Pipeline {
    return new Pipeline(this.nodes.filter((n) => other.#contains(n)));
  }

  /** Exactly the named nodes. Unknown names are an error (with a "did you mean" for namespaced names). */
  onlyNodes(...names: string[]): Pipeline {
    return new Pipeline(this.#resolveNames(names, 'nodeNames'));
  }

  /** Nodes with ANY of the tags; no tags gives an empty pipeline. */
  onlyNodesWithTags(...tags: string[]): Pipeline {
    const wanted = new Set(tags);
    return new Pipeline(this.nodes.filter((n) => [...n.tags].some((t) => wanted.has(t))));
  }

  /** Nodes in any of the namespaces, or in a namespace below one of them. */
  onlyNodesWithNamespaces(...namespaces: string[]): Pipeline {
    const found = this.nodes.filter((n) =>
      namespaces.some(
        (ns) => n.namespace !== undefined && (n.namespace === ns || n.namespace.startsWith(`${ns}.`)),
      ),
    );
    const missing = namespaces.filter(
      (ns) => !found.some((n) => n.namespace === ns || (n.namespace as string).startsWith(`${ns}.`)),
    );
    if (missing.length > 0) {
      const available = this.namespaces();
      throw new PipelineFilterError(
        'ERR_PIPELINE_UNKNOWN_NAMESPACE',
        `Pipeline does not contain nodes with namespace(s) ${listRepr(missing)}. ${availableText('Namespaces', available)}`,
        { filter: 'nodeNamespaces', unknown: missing, available },
      );
    }
    return new Pipeline(found);
  }

  /** Nodes reading any of the datasets (not transitive). */
  onlyNodesWithInputs(...datasets: string[]): Pipeline {
    return new Pipeline(this.#consumersOf(datasets, 'fromInputs'));
  }

  /** Nodes writing any of the datasets (not transitive). */
  onlyNodesWithOutputs(...datasets: string[]): Pipeline {
    return new Pipeline(this.#producersOf(datasets, 'toOutputs'));
  }

  /** Nodes reading any of the datasets, and everything downstream of them. */
  fromInputs(...datasets: string[]): Pipeline {
    return new Pipeline(this.#closure(this.#consumersOf(datasets, 'fromInputs'), this._children));
  }

  /** Nodes writing any of the datasets, and everything upstream of them. */
  toOutputs(...datasets: string[]): Pipeline {
    return new Pipeline(this.#closure(this.#producersOf(datasets, 'toOutputs'), this._parents));
  }

  /** The named nodes and everything downstream (where to resume a failed run). */
  fromNodes(...names: string[]): Pipeline {
    return new Pipeline(this.#closure(this.#resolveNames(names, 'fromNodes'), this._children));
  }

  /** The named nodes and everything upstream. */
  toNodes(...names: string[]): Pipeline {
    return new Pipeline(this.#closure(this.#resolveNames(names, 'toNodes'), this._parents));
  }

  /**
   * Applies each given filter to this pipeline and intersects the results, so the order of filters
   * does not matter. An empty result is an error.
   */
  filter(filters: PipelineFilter): Pipeline {
    let result: Pipeline = this;
    const applied: Partial<Record<PipelineFilterName, readonly string[]>> = {};
    const apply = (name: PipelineFilterName, values: Iterable<string>, select: (v: string[]) => Pipeline) => {
      const list = [...values];
      applied[name] = list;
      result = result.intersect(select(list));
    };
    if (filters.tags !== undefined) {
      apply('tags', filters.tags, (tags) => {
        const available = this.tags();
        const unknown = tags.filter((t) => !available.includes(t));
        if (unknown.length > 0) {
          throw new PipelineFilterError(
            'ERR_PIPELINE_UNKNOWN_TAG',
            `Pipeline has no nodes with tag(s) ${listRepr(unknown)}. ${availableText('Tags', available)}`,
            { filter: 'tags', unknown, available },
          );
        }
        return this.onlyNodesWithTags(...tags);
      });
    }
    if (filters.fromNodes !== undefined) apply('fromNodes', filters.fromNodes, (v) => this.fromNodes(...v));
    if (filters.toNodes !== undefined) apply('toNodes', filters.toNodes, (v) => this.toNodes(...v));
    if (filters.nodeNames !== undefined) apply('nodeNames', filters.nodeNames, (v) => this.onlyNodes(...v));
    if (filters.fromInputs !== undefined)
      apply('fromInputs', filters.fromInputs, (v) => this.fromInputs(...v));
    if (filters.toOutputs !== undefined) apply('toOutputs', filters.toOutputs, (v) => this.toOutputs(...v));
    if (filters.nodeNamespaces !== undefined) {
      apply('nodeNamespaces', filters.nodeNamespaces, (v) => this.onlyNodesWithNamespaces(...v));
    }
    if (result.nodes.length === 0) {
      const given = Object.entries(applied).map(([k, v]) => `${k}: ${listRepr(v as string[])}`);
      throw new PipelineFilterError(
        'ERR_PIPELINE_EMPTY_FILTER',
        this.nodes.length === 0
          ? 'Pipeline contains no nodes after applying all provided filters: the pipeline has no nodes.'
          : `Pipeline contains no nodes after applying all provided filters (${given.join('; ')}): each filter selects nodes, but no node is selected by all of them.`,
        { applied },
      );
    }
    return result;
  }

  /** Every tag of some node, sorted. */
  tags(): string[] {
    const tags = new Set<string>();
    for (const n of this.nodes) for (const t of n.tags) tags.add(t);
    return [...tags].sort(compareNames);
  }

  /** Every namespace of some node and the namespaces above it (`a`, `a.b`), sorted. */
  namespaces(): string[] {
    const out = new Set<string>();
    for (const n of this.nodes) {
      if (n.namespace === undefined) continue;
      const parts = n.namespace.split('.');
      for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join('.'));
    }
    return [...out].sort(compareNames);
  }

  /** A copy with `tags` added to every node. */
  tag(tags: string | Iterable<string>): Pipeline {
    return new Pipeline(this.nodes.map((n) => n.tag(tags)));
  }

  /** Multi-line description: one node per line in topological order. */
  describe(): string {
    return [
      '#### Pipeline execution order ####',
      `Inputs: ${[...this.inputs()].sort().join(', ')}`,
      '',
      ...this.nodes.map((n) => n.name),
      '',
      `Outputs: ${[...this.outputs()].sort().join(', ')}`,
      '##################################',
    ].join('\n');
  }

  /** `Pipeline([a, b, c])`. */
  toString(): string {
    return `Pipeline([${this.nodes.map((n) => `'${n.name}'`).join(', ')}])`;
  }

  #contains(n: Node): boolean {
    const mine = this.#byName.get(n.name);
    return mine?._sameAs(n) === true;
  }

  #resolveNames(names: Iterable<string>, filter: PipelineFilterName): Node[] {
    const out: Node[] = [];
    const unknown: string[] = [];
    for (const name of names) {
      const n = this.#byName.get(name);
      if (n === undefined) unknown.push(name);
      else out.push(n);
    }
    if (unknown.length > 0) {
      const suggestions = this.nodes
        .filter((n) => unknown.some((u) => n.name.endsWith(`.${u}`)))
        .map((n) => n.name);
      const hint = suggestions.length > 0 ? ` Did you mean: ${listRepr(suggestions)}?` : '';
      const available = this.nodes.map((n) => n.name).sort(compareNames);
      throw new PipelineFilterError(
        'ERR_PIPELINE_UNKNOWN_NODE',
        `Pipeline does not contain nodes named ${listRepr(unknown)}.${hint} ${availableText('Nodes', available)}`,
        { filter, unknown, available },
      );
    }
    return out;
  }

  #checkDatasets(datasets: readonly string[], filter: PipelineFilterName): void {
    const unknown = datasets.filter((d) => {
      const key = stripTranscoding(d);
      return !this._producer.has(key) && !this._consumers.has(key);
    });
    if (unknown.length > 0) {
      const available = [...this.datasets()].sort(compareNames);
      throw new PipelineFilterError(
        'ERR_PIPELINE_UNKNOWN_DATASET',
        `Pipeline does not contain datasets named ${listRepr(unknown)}. ${availableText('Datasets', available)}`,
        { filter, unknown, available },
      );
    }
  }

  #consumersOf(datasets: readonly string[], filter: PipelineFilterName): Node[] {
    this.#checkDatasets(datasets, filter);
    const out = new Set<Node>();
    for (const d of datasets) for (const n of this._consumers.get(stripTranscoding(d)) ?? []) out.add(n);
    return [...out];
  }

  #producersOf(datasets: readonly string[], filter: PipelineFilterName): Node[] {
    this.#checkDatasets(datasets, filter);
    const out = new Set<Node>();
    for (const d of datasets) {
      const p = this._producer.get(stripTranscoding(d));
      if (p !== undefined) out.add(p);
    }
    return [...out];
  }

  #closure(start: Iterable<Node>, edges: ReadonlyMap<Node, readonly Node[]>): Node[] {
    const seen = new Set<Node>(start);
    const stack = [...seen];
    while (stack.length > 0) {
      const n = stack.pop() as Node;
      for (const m of edges.get(n) ?? []) {
        if (!seen.has(m)) {
          seen.add(m);
          stack.push(m);
        }
      }
    }
    return [...seen];
  }
}

/**
 * Creates a {@link Pipeline} from nodes and pipelines. With `namespace`, node names get the prefix
 * `namespace.`, and so do datasets (`x` → `namespace.x`) and parameters (`params:x` →
 * `params:namespace.x`), except those listed in `inputs`, `outputs` and `parameters`, which keep
 * their name (a list) or are renamed (an object `{ inner: outer }`).
 *
 * @example
 * ```ts
 * const base = pipeline([node(clean, 'raw', 'clean'), node(fit, ['clean', 'params:k'], 'model')]);
 * const a = pipeline([base], { namespace: 'a', inputs: 'raw' });  // reads raw, writes a.clean, a.model
 * ```
 *
 * Without options, a pipeline of nodes whose outputs are literal names is typed: `run()` then
 * resolves to those names with the node functions' types (see {@link RunOutputs}).
 * ```ts
 * const p = pipeline([node((x: number) => x * 2, 'x', 'doubled')]);
 * const out = await new SequentialRunner().run(p, new DataCatalog({ x: 2 }));
 * out.doubled; // number | undefined
 * ```
 * @since 0.1.0
 */
export function pipeline<const Items extends readonly (Node | Pipeline)[]>(
  items: Items,
): Pipeline<ItemsOutputs<Items>>;
export function pipeline(items: Iterable<Node | Pipeline>, options?: PipelineOptions): Pipeline;
export function pipeline(items: Iterable<Node | Pipeline>, options: PipelineOptions = {}): Pipeline {
  return new Pipeline(items, options);
}

/** `Nodes in the pipeline: a, b, c.` (at most 20 names, then how many in all). */
function availableText(what: string, names: readonly string[]): string {
  if (names.length === 0) return `The pipeline has no ${what.toLowerCase()}.`;
  const shown = names.slice(0, 20);
  const more = names.length > shown.length ? `, … (${names.length} in all)` : '';
  return `${what} in the pipeline: ${shown.join(', ')}${more}.`;
}

function collectNodes(items: Iterable<Node | Pipeline>): Node[] {
  const out: Node[] = [];
  const seen = new Set<Node>();
  const push = (n: Node) => {
    if (!seen.has(n)) {
      seen.add(n);
      out.push(n);
    }
  };
  for (const item of items) {
    if (item instanceof Pipeline) for (const n of item.nodes) push(n);
    else if (item instanceof Node) push(item);
    else {
      throw new PipelineError(
        'ERR_PIPELINE_ITEM',
        `pipeline() expects nodes and pipelines, got ${item === null ? 'null' : typeof item}${typeof item === 'function' ? ' (did you pass a function instead of node(fn, inputs, outputs)?)' : ''}.`,
      );
    }
  }
  // The same node reached twice through different pipelines is one node; equal copies too.
  const byName = new Map<string, Node>();
  return out.filter((n) => {
    const prev = byName.get(n.name);
    if (prev?._sameAs(n)) return false;
    if (prev === undefined) byName.set(n.name, n);
    return true;
  });
}
