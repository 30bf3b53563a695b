/**
 * Topological layers of a pipeline's nodes (Kahn's algorithm, sorted by name inside a layer), and
 * the cycle that stops it, named in data-flow order.
 *
 * @module
 */
import { CircularDependencyError } from './errors.js';
import { compareNames, listRepr } from './names.js';
import type { Node } from './node.js';

/**
 * The nodes in layers: each node's parents are all in earlier layers.
 *
 * @throws {CircularDependencyError} naming the nodes left and one cycle among them.
 */
export function toposortLayers(
  nodes: readonly Node[],
  parents: ReadonlyMap<Node, readonly Node[]>,
  children: ReadonlyMap<Node, readonly Node[]>,
): Node[][] {
  const pending = new Map<Node, number>();
  let current: Node[] = [];
  for (const n of nodes) {
    const count = (parents.get(n) as readonly Node[]).length;
    pending.set(n, count);
    if (count === 0) current.push(n);
  }
  const layers: Node[][] = [];
  let placed = 0;
  while (current.length > 0) {
    current.sort((a, b) => compareNames(a.name, b.name));
    layers.push(current);
    placed += current.length;
    const next: Node[] = [];
    for (const n of current) {
      for (const c of children.get(n) as readonly Node[]) {
        const left = (pending.get(c) as number) - 1;
        pending.set(c, left);
        if (left === 0) next.push(c);
      }
    }
    current = next;
  }
  if (placed !== nodes.length) {
    const stuck = nodes.filter((n) => (pending.get(n) as number) > 0);
    const cycle = findCycle(stuck, parents);
    throw new CircularDependencyError(
      `Circular dependencies exist among the following ${stuck.length} item(s): ${listRepr(stuck.map((n) => n.name).sort())}. One cycle: ${cycle.join(' -> ')}`,
      { cycle },
    );
  }
  return layers;
}

/** One cycle among `stuck` nodes (every stuck node has a stuck parent), as names with the first repeated. */
function findCycle(stuck: readonly Node[], parents: ReadonlyMap<Node, readonly Node[]>): string[] {
  const inStuck = new Set(stuck);
  const sorted = [...stuck].sort((a, b) => compareNames(a.name, b.name));
  const path: Node[] = [];
  const index = new Map<Node, number>();
  let n = sorted[0] as Node;
  while (!index.has(n)) {
    index.set(n, path.length);
    path.push(n);
    const next = (parents.get(n) as readonly Node[])
      .filter((p) => inStuck.has(p))
      .sort((a, b) => compareNames(a.name, b.name))[0] as Node;
    n = next;
  }
  // path goes child → parent; reverse so the cycle reads in data-flow order.
  const cycle = path.slice(index.get(n)).reverse();
  // Start at the smallest name, so the message does not depend on where the walk began.
  let start = 0;
  cycle.forEach((x, i) => {
    if (compareNames(x.name, (cycle[start] as Node).name) < 0) start = i;
  });
  const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
  return [...rotated.map((x) => x.name), (rotated[0] as Node).name];
}
