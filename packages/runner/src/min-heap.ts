/**
 * A binary min-heap of non-negative integers (node indices in topological order), used for the
 * ready queue so that nodes start in a deterministic order at O(log n) per node.
 *
 * @module
 */

/** Min-heap of integers, backed by a growable Int32Array. */
export class IntMinHeap {
  #items: Int32Array;
  #size = 0;

  constructor(capacity = 16) {
    this.#items = new Int32Array(Math.max(1, capacity));
  }

  get size(): number {
    return this.#size;
  }

  push(value: number): void {
    if (this.#size === this.#items.length) {
      const grown = new Int32Array(this.#items.length * 2);
      grown.set(this.#items);
      this.#items = grown;
    }
    const a = this.#items;
    let i = this.#size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent] as number;
      if (p <= value) break;
      a[i] = p;
      i = parent;
    }
    a[i] = value;
  }

  /** The smallest value, removed; -1 when empty. */
  pop(): number {
    if (this.#size === 0) return -1;
    const a = this.#items;
    const top = a[0] as number;
    const last = a[--this.#size] as number;
    const size = this.#size;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const r = l + 1;
      const c = r < size && (a[r] as number) < (a[l] as number) ? r : l;
      if ((a[c] as number) >= last) break;
      a[i] = a[c] as number;
      i = c;
    }
    if (size > 0) a[i] = last;
    return top;
  }
}
