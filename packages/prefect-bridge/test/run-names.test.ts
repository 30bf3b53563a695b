import { describe, expect, it } from 'vitest';
import { generateRunName } from '../src/index.js';

describe('generateRunName', () => {
  it('gives readable adjective-animal names, varied from call to call', () => {
    const names = Array.from({ length: 200 }, () => generateRunName());
    for (const name of names) expect(name).toMatch(/^[a-z]+-[a-z]+$/);
    expect(new Set(names).size).toBeGreaterThan(100);
  });
});
