/**
 * Test support shared by the packages' tests: a second, physically distinct copy of a package's
 * `errors.ts`, as in a duplicated install, for the cross-copy `SomeError.is(value)` tests.
 *
 * @module
 */

import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The one home of the cross-copy marker (`@weft/contextvars/error-marker`). */
const errorMarker = new URL('../packages/contextvars/src/error-marker.ts', import.meta.url);

/**
 * Imports a copy of `errorsFile` written to a fresh folder, beside its own copy of
 * `@weft/contextvars/error-marker`: two copies of the package and of `@weft/contextvars`, so that
 * nothing but the `Symbol.for` marker and the class names is shared with the original.
 *
 * @example
 * ```ts
 * const copy = await importSecondCopy<typeof errors>(new URL('../src/errors.ts', import.meta.url));
 * expect(TimeoutError.is(new copy.TimeoutError('x'))).toBe(true);
 * ```
 */
export async function importSecondCopy<Module>(errorsFile: URL): Promise<Module> {
  const folder = mkdtempSync(join(tmpdir(), 'weft-second-copy-'));
  try {
    copyFileSync(fileURLToPath(errorMarker), join(folder, 'error-marker.ts'));
    const source = readFileSync(errorsFile, 'utf8').replace(
      /from '(?:@weft\/contextvars\/error-marker|\.\/error-marker\.js)'/,
      "from './error-marker.ts'",
    );
    if (!source.includes("from './error-marker.ts'")) {
      throw new Error(`${fileURLToPath(errorsFile)} does not import the error marker`);
    }
    const file = join(folder, 'errors.ts');
    writeFileSync(file, source);
    return (await import(file)) as Module;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
