import { describe, expect, it } from 'vitest';
import { leadingComment, locateFunctions } from '../src/index.js';
import { createModelInput, passThrough, preprocessShuttles } from './fixtures/nodes.js';

/** An arrow function declared in this test file. */
const arrow = (x: number) => x + 1;

describe('locateFunctions', () => {
  it('finds each function in its TypeScript source (through the source map) with its leading comment', async () => {
    const where = await locateFunctions([createModelInput, preprocessShuttles, arrow, passThrough, Math.max]);
    expect(where.get(createModelInput)).toMatchObject({
      file: expect.stringMatching(/\/test\/fixtures\/nodes\.ts$/),
      functionName: 'createModelInput',
      doc: 'Joins companies and shuttles into the model input table.',
    });
    expect(where.get(preprocessShuttles)?.doc).toBe('Shuttles: capacity as numbers.');
    const a = where.get(arrow);
    expect(a?.file).toMatch(/\/test\/function-location\.test\.ts$/);
    expect(a?.line).toBe(6);
    expect(a?.doc).toBe('An arrow function declared in this test file.');
    // a built-in has no source location
    expect(where.has(Math.max)).toBe(false);
  });

  it('gives paths relative to the project folder when inside it', async () => {
    const where = await locateFunctions([createModelInput], {
      baseDir: new URL('..', import.meta.url).pathname,
    });
    expect(where.get(createModelInput)?.file).toBe('test/fixtures/nodes.ts');
  });
});

describe('leadingComment', () => {
  const text = [
    '/**',
    ' * Cleans companies.',
    ' *',
    ' * @param x the rows',
    ' */',
    '@decorated()',
    'export function a() {}',
    '',
    '// one',
    '// two',
    'export const b = () => 1;',
    'const c = 2; // trailing',
    'function d() {}',
  ].join('\n');
  it('reads a JSDoc block (skipping decorators) and consecutive // lines; nothing else', () => {
    expect(leadingComment(text, 7)).toBe('Cleans companies.\n\n@param x the rows');
    expect(leadingComment(text, 11)).toBe('one\ntwo');
    expect(leadingComment(text, 13)).toBeUndefined();
    expect(leadingComment(text, 1)).toBeUndefined();
  });
});
