/**
 * The graph of a pipeline's nodes: who writes and who reads each dataset, each node's parents and
 * children, checked for duplicate node names, two nodes writing one dataset and two nodes
 * confirming one dataset.
 *
 * @module
 */
import { ConfirmNotUniqueError, DuplicateNodeNameError, OutputNotUniqueError } from './errors.js';
import { listRepr, stripTranscoding } from './names.js';
import type { Node } from './node.js';

/** The edges of a pipeline, datasets keyed without their transcoding suffix. */
export interface PipelineGraph {
  /** Node name → node. */
  readonly byName: ReadonlyMap<string, Node>;
  /** Dataset → the node writing it. */
  readonly producer: ReadonlyMap<string, Node>;
  /** Dataset → the nodes reading it, in node order. */
  readonly consumers: ReadonlyMap<string, readonly Node[]>;
  /** Node → its distinct parents (the writers of its inputs). */
  readonly parents: ReadonlyMap<Node, readonly Node[]>;
  /** Node → its distinct children. */
  readonly children: ReadonlyMap<Node, readonly Node[]>;
}

/**
 * Links `nodes` through their datasets.
 *
 * @throws {DuplicateNodeNameError} two different nodes have one name.
 * @throws {OutputNotUniqueError} two nodes write one dataset (naming both).
 * @throws {ConfirmNotUniqueError} two nodes confirm one dataset.
 */
export function buildGraph(nodes: readonly Node[]): PipelineGraph {
  const byName = indexByName(nodes);
  const producer = indexProducers(nodes);
  const consumers = new Map<string, Node[]>();
  const parents = new Map<Node, Node[]>();
  const children = new Map<Node, Node[]>();
  for (const n of nodes) {
    parents.set(n, []);
    children.set(n, []);
  }
  for (const n of nodes) {
    const seen = new Set<Node>();
    for (const i of n.inputs) {
      const key = stripTranscoding(i);
      let list = consumers.get(key);
      if (list === undefined) {
        list = [];
        consumers.set(key, list);
      }
      if (list[list.length - 1] !== n) list.push(n);
      const p = producer.get(key);
      if (p !== undefined && !seen.has(p)) {
        seen.add(p);
        (parents.get(n) as Node[]).push(p);
        (children.get(p) as Node[]).push(n);
      }
    }
  }
  return { byName, producer, consumers, parents, children };
}

function indexByName(nodes: readonly Node[]): Map<string, Node> {
  const byName = new Map<string, Node>();
  const dupNames = new Set<string>();
  for (const n of nodes) {
    if (byName.has(n.name)) dupNames.add(n.name);
    else byName.set(n.name, n);
  }
  if (dupNames.size > 0) {
    throw new DuplicateNodeNameError(
      `Pipeline nodes must have unique names. The following node names appear more than once: ${listRepr([...dupNames].sort())}\nYou can name your nodes using the 'name' option of 'node()'.`,
    );
  }
  return byName;
}

/** Dataset → its writer, after checking that each dataset has one writer and one confirmer at most. */
function indexProducers(nodes: readonly Node[]): Map<string, Node> {
  const producer = new Map<string, Node>();
  const dupOutputs = new Set<string>();
  const confirmer = new Map<string, Node>();
  const dupConfirms = new Set<string>();
  for (const n of nodes) {
    for (const o of n.outputs) {
      const key = stripTranscoding(o);
      if (producer.has(key) && producer.get(key) !== n) dupOutputs.add(o);
      else producer.set(key, n);
    }
    for (const c of n.confirms) {
      if (confirmer.has(c)) dupConfirms.add(c);
      else confirmer.set(c, n);
    }
  }
  if (dupOutputs.size > 0) {
    const culprits = [...dupOutputs].sort().map((o) => {
      const writers = nodes.filter((n) => n.outputs.some((x) => stripTranscoding(x) === stripTranscoding(o)));
      return `'${o}' (written by ${writers.map((w) => `'${w.name}'`).join(' and ')})`;
    });
    throw new OutputNotUniqueError(
      `Output(s) ${culprits.join(', ')} are returned by more than one node. Node outputs must be unique.`,
    );
  }
  if (dupConfirms.size > 0) {
    throw new ConfirmNotUniqueError(
      `${listRepr([...dupConfirms].sort())} datasets are confirmed by more than one node. Node confirms must be unique.`,
    );
  }
  return producer;
}
