/**
 * A binary min-heap of items keyed by an integer, used for the ready queue (by topological index),
 * so that nodes start in a deterministic order at O(log n) per node.
 *
 * @module
 */

/** Min-heap on `key(item)`. */
export class MinHeap<T> {
  readonly #items: T[] = [];
  readonly #key: (item: T) => number;

  constructor(key: (item: T) => number) {
    this.#key = key;
  }

  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    const a = this.#items;
    a.push(item);
    let i = a.length - 1;
    const k = this.#key(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#key(a[parent] as T) <= k) break;
      a[i] = a[parent] as T;
      i = parent;
    }
    a[i] = item;
  }

  pop(): T | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    const k = this.#key(last);
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && this.#key(a[r] as T) < this.#key(a[l] as T) ? r : l;
      if (this.#key(a[c] as T) >= k) break;
      a[i] = a[c] as T;
      i = c;
    }
    a[i] = last;
    return top;
  }

  /** Removes and returns every item (unordered). */
  drain(): T[] {
    return this.#items.splice(0);
  }
}
