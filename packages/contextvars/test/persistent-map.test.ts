import { describe, expect, it } from 'vitest';
import { PersistentMap } from '../src/persistent-map.js';

function contents(map: PersistentMap): Map<number, unknown> {
  return new Map([...map.leaves()].map((leaf) => [leaf.id, leaf.value]));
}

// A seeded generator, so a failure reproduces.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('PersistentMap (HAMT)', () => {
  it('set returns a new map and leaves the old one unchanged', () => {
    const empty = PersistentMap.EMPTY;
    const one = empty.set(1, 'k', 'a');
    expect(empty.size).toBe(0);
    expect(empty.lookup(1)).toBeUndefined();
    expect(one.size).toBe(1);
    expect(one.lookup(1)?.value).toBe('a');
  });

  it('setting the identical value returns the same map; an equal distinct value does not', () => {
    const value = { a: 1 };
    const map = PersistentMap.EMPTY.set(5, 'k', value);
    expect(map.set(5, 'k', value)).toBe(map);
    expect(map.set(5, 'k', { a: 1 })).not.toBe(map);
    expect(map.set(5, 'k', Number.NaN).set(5, 'k', Number.NaN).lookup(5)?.value).toBeNaN();
  });

  it('deleting an absent key returns the same map; deleting everything gives size 0', () => {
    let map = PersistentMap.EMPTY.set(1, 'k', 1).set(33, 'k', 2).set(1025, 'k', 3);
    expect(map.delete(2)).toBe(map);
    expect(map.delete(65)).toBe(map);
    map = map.delete(1).delete(33).delete(1025);
    expect(map.size).toBe(0);
    expect([...map.leaves()]).toEqual([]);
  });

  it('ids sharing low bits (deep paths, up to the last level) coexist', () => {
    const ids = [0, 2 ** 30, 2 ** 31, 2 ** 32 - 1, 31, 31 + 2 ** 25, 31 + 2 ** 30, 1 + 2 ** 5, 1 + 2 ** 10];
    let map = PersistentMap.EMPTY;
    for (const id of ids) map = map.set(id, 'k', `v${id}`);
    expect(map.size).toBe(ids.length);
    for (const id of ids) expect(map.lookup(id)?.value).toBe(`v${id}`);
    for (const id of ids) {
      map = map.delete(id);
      expect(map.lookup(id)).toBeUndefined();
    }
    expect(map.size).toBe(0);
  });

  it('matches a Map under 7,000 random inserts, updates and deletes, keeping every old version intact', () => {
    const rnd = random(42);
    let map = PersistentMap.EMPTY;
    const model = new Map<number, number>();
    const versions: Array<[PersistentMap, Map<number, number>]> = [];
    for (let step = 0; step < 7000; step++) {
      const id = Math.floor(rnd() * 3000) * (rnd() < 0.1 ? 1021 : 1);
      if (rnd() < 0.3) {
        map = map.delete(id);
        model.delete(id);
      } else {
        map = map.set(id, 'k', step);
        model.set(id, step);
      }
      if (step % 500 === 0) versions.push([map, new Map(model)]);
    }
    expect(map.size).toBe(model.size);
    expect(contents(map)).toEqual(model);
    for (const [id, value] of model) expect(map.lookup(id)?.value).toBe(value);
    for (const [version, snapshot] of versions) {
      expect(version.size).toBe(snapshot.size);
      expect(contents(version)).toEqual(snapshot);
    }
  });
});
