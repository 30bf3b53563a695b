import { expect, it } from 'vitest';
import { ContextVar } from '../src/index.js';

// The same propagatable name is also declared in serialization.test.ts: each test file runs in a
// fresh module graph, so its registry is its own.
it('a test file can declare a propagatable name another file declares', () => {
  expect(() => new ContextVar('ser.tenant', { propagate: true })).not.toThrow();
});
