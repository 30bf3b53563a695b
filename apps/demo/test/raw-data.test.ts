import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RAW_FILES, writeRawData } from '../scripts/generate-data.js';
import { DEFAULT_SYNTHETIC_DATA, formatPrice, generateSpaceflightsData } from '../scripts/synthetic-data.js';
import { Prng } from '../src/prng.js';

const PROJECT = join(import.meta.dirname, '..');

describe('Prng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = new Prng('seed');
    const b = new Prng('seed');
    const c = new Prng('other');
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('draws integers in range, shuffles without losing items, and normals with the right moments', () => {
    const r = new Prng('moments');
    const ints = Array.from({ length: 2000 }, () => r.int(1, 6));
    expect(new Set(ints)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    const zs = Array.from({ length: 20000 }, () => r.normal(10, 2));
    const mean = zs.reduce((s, v) => s + v, 0) / zs.length;
    const sd = Math.sqrt(zs.reduce((s, v) => s + (v - mean) ** 2, 0) / zs.length);
    expect(mean).toBeCloseTo(10, 1);
    expect(sd).toBeCloseTo(2, 1);
    expect(() => r.pick([])).toThrow(/non-empty/);
  });
});

describe('generateSpaceflightsData', () => {
  it('is deterministic: equal options give identical tables', () => {
    const a = generateSpaceflightsData({ shuttles: 50, companies: 10 });
    const b = generateSpaceflightsData({ shuttles: 50, companies: 10 });
    expect(b).toEqual(a);
    expect(generateSpaceflightsData({ shuttles: 50, companies: 10, seed: 'x' })).not.toEqual(a);
  });

  it('makes a few thousand rows by default, shaped like the spaceflights raw data', () => {
    const { companies, shuttles, reviews } = generateSpaceflightsData();
    expect(companies).toHaveLength(DEFAULT_SYNTHETIC_DATA.companies);
    expect(shuttles).toHaveLength(DEFAULT_SYNTHETIC_DATA.shuttles);
    const total = companies.length + shuttles.length + reviews.length;
    expect(total).toBeGreaterThan(3000);
    expect(total).toBeLessThan(10000);
    const ids = new Set(companies.map((c) => c.id));
    for (const s of shuttles) {
      expect(s.price).toMatch(/^\$\d{1,3}(,\d{3})*\.\d$/);
      expect(ids.has(s.company_id)).toBe(true);
      expect(['t', 'f']).toContain(s.d_check_complete);
    }
    for (const c of companies) expect(c.company_rating).toMatch(/^(\d{1,3}%)?$/);
    // the messiness the cleaning nodes deal with is there
    expect(companies.some((c) => c.company_rating === '')).toBe(true);
    expect(shuttles.some((s) => s.engines === '' || s.crew === '')).toBe(true);
    const shuttleIds = new Set(shuttles.map((s) => s.id));
    for (const r of reviews) expect(shuttleIds.has(r.shuttle_id)).toBe(true);
  });

  it('rejects sizes that make no sense, naming the option', () => {
    expect(() => generateSpaceflightsData({ shuttles: 0 })).toThrow(
      /shuttles must be a positive integer, got 0/,
    );
    expect(() => generateSpaceflightsData({ companies: 1.5 })).toThrow(
      /companies must be a positive integer/,
    );
    expect(() => generateSpaceflightsData({ reviewsPerShuttle: -1 })).toThrow(/reviewsPerShuttle/);
  });

  it('formats prices like the tutorial', () => {
    expect(formatPrice(1325)).toBe('$1,325.0');
    expect(formatPrice(987.65)).toBe('$987.6');
    expect(formatPrice(1234567.89)).toBe('$1,234,567.9');
  });
});

describe('data/01_raw', () => {
  it('is what scripts/generate-data.ts writes, byte for byte (the shipped files are made, never edited)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spaceflights-raw-'));
    try {
      const rows = await writeRawData(dir);
      expect(rows.companies).toBe(DEFAULT_SYNTHETIC_DATA.companies);
      for (const file of Object.values(RAW_FILES)) {
        expect(await readFile(join(dir, file), 'utf8'), file).toBe(
          await readFile(join(PROJECT, file), 'utf8'),
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
