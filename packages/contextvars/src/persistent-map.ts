/**
 * A persistent (immutable) hash array mapped trie keyed by small integer ids, the storage behind
 * every `Context`. Copies share structure, so taking a snapshot is O(1); `set` and `delete` copy
 * one root-to-leaf path, O(log32 n). Ids are unique unsigned 32-bit integers handed out by the
 * shared id counter, so two keys never collide on all 32 bits and no collision nodes are needed.
 *
 * Internal: not exported from the package. The node layout is plain data (no `instanceof`), so two
 * copies of the package loaded in one thread can read each other's maps.
 *
 * @internal
 * @module
 */

/** One binding. `key` is a ContextVar or, for values that arrived before their variable, a placeholder. */
export interface Leaf {
  readonly leaf: true;
  readonly id: number;
  key: unknown;
  value: unknown;
}

interface TrieNode {
  readonly leaf: false;
  readonly bitmap: number;
  readonly slots: readonly Slot[];
}

type Slot = Leaf | TrieNode;

const BITS = 5;
const MASK = 31;

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

function trieNode(bitmap: number, slots: Slot[]): TrieNode {
  return { leaf: false, bitmap, slots };
}

const EMPTY_NODE: TrieNode = trieNode(0, []);

function lookup(root: TrieNode, id: number): Leaf | undefined {
  let node = root;
  let shift = 0;
  for (;;) {
    const bit = 1 << ((id >>> shift) & MASK);
    if ((node.bitmap & bit) === 0) return undefined;
    const slot = node.slots[popcount(node.bitmap & (bit - 1))] as Slot;
    if (slot.leaf) return slot.id === id ? slot : undefined;
    node = slot;
    shift += BITS;
  }
}

function replaced(slots: readonly Slot[], index: number, slot: Slot): Slot[] {
  const copy = slots.slice();
  copy[index] = slot;
  return copy;
}

function pair(a: Leaf, b: Leaf, shift: number): TrieNode {
  const fa = (a.id >>> shift) & MASK;
  const fb = (b.id >>> shift) & MASK;
  if (fa === fb) return trieNode(1 << fa, [pair(a, b, shift + BITS)]);
  return trieNode((1 << fa) | (1 << fb), fa < fb ? [a, b] : [b, a]);
}

/** Result flag of {@link insert}: whether the map gained a key. */
let grew = false;

function insert(node: TrieNode, shift: number, leaf: Leaf): TrieNode {
  const bit = 1 << ((leaf.id >>> shift) & MASK);
  const index = popcount(node.bitmap & (bit - 1));
  if ((node.bitmap & bit) === 0) {
    const slots = node.slots.slice();
    slots.splice(index, 0, leaf);
    grew = true;
    return trieNode(node.bitmap | bit, slots);
  }
  const slot = node.slots[index] as Slot;
  if (slot.leaf) {
    if (slot.id === leaf.id) {
      if (slot.key === leaf.key && Object.is(slot.value, leaf.value)) return node;
      return trieNode(node.bitmap, replaced(node.slots, index, leaf));
    }
    grew = true;
    return trieNode(node.bitmap, replaced(node.slots, index, pair(slot, leaf, shift + BITS)));
  }
  const child = insert(slot, shift + BITS, leaf);
  return child === slot ? node : trieNode(node.bitmap, replaced(node.slots, index, child));
}

/** Removes `id`; returns the same node when absent and `undefined` when the node becomes empty. */
function remove(node: TrieNode, shift: number, id: number): Slot | undefined {
  const bit = 1 << ((id >>> shift) & MASK);
  if ((node.bitmap & bit) === 0) return node;
  const index = popcount(node.bitmap & (bit - 1));
  const slot = node.slots[index] as Slot;
  let next: Slot | undefined;
  if (slot.leaf) {
    if (slot.id !== id) return node;
    next = undefined;
  } else {
    next = remove(slot, shift + BITS, id);
    if (next === slot) return node;
  }
  if (next === undefined) {
    if (node.bitmap === bit) return undefined;
    const slots = node.slots.slice();
    slots.splice(index, 1);
    // A non-root node left with one leaf collapses into that leaf (kept canonical by the parent).
    if (shift > 0 && slots.length === 1 && (slots[0] as Slot).leaf) return slots[0];
    return trieNode(node.bitmap & ~bit, slots);
  }
  return trieNode(node.bitmap, replaced(node.slots, index, next));
}

function visit(node: TrieNode, fn: (leaf: Leaf) => void): void {
  for (const slot of node.slots) {
    if (slot.leaf) fn(slot);
    else visit(slot, fn);
  }
}

function* leaves(node: TrieNode): Generator<Leaf> {
  for (const slot of node.slots) {
    if (slot.leaf) yield slot;
    else yield* leaves(slot);
  }
}

/** An immutable map from integer id to a {@link Leaf}. */
export class PersistentMap {
  /** The empty map (a singleton). */
  static readonly EMPTY: PersistentMap = new PersistentMap(EMPTY_NODE, 0);

  private constructor(
    private readonly root: TrieNode,
    /** Number of bindings. */
    readonly size: number,
  ) {}

  /** The leaf bound to `id`, if any. */
  lookup(id: number): Leaf | undefined {
    return lookup(this.root, id);
  }

  /** A map with `id` bound to `value` under `key`; `this` when nothing changes. */
  set(id: number, key: unknown, value: unknown): PersistentMap {
    grew = false;
    const root = insert(this.root, 0, { leaf: true, id, key, value });
    if (root === this.root) return this;
    return new PersistentMap(root, grew ? this.size + 1 : this.size);
  }

  /** A map without `id`; `this` when it was absent. */
  delete(id: number): PersistentMap {
    const root = remove(this.root, 0, id);
    if (root === this.root) return this;
    if (root === undefined) return PersistentMap.EMPTY;
    return new PersistentMap(root as TrieNode, this.size - 1);
  }

  /** Calls `fn` for every binding, in unspecified (id) order (cheaper than {@link leaves}). */
  forEach(fn: (leaf: Leaf) => void): void {
    visit(this.root, fn);
  }

  /** Every binding, in unspecified (id) order. */
  leaves(): IterableIterator<Leaf> {
    return leaves(this.root);
  }
}
