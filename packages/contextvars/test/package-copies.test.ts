import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const source = fileURLToPath(new URL('../src', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'weft-copies-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

// Two physical copies of the package in one thread (a duplicated install) must share one store.
it('two copies of the package loaded in one thread share the current context', { timeout: 30_000 }, () => {
  cpSync(source, join(folder, 'copy-a'), { recursive: true });
  cpSync(source, join(folder, 'copy-b'), { recursive: true });
  writeFileSync(join(folder, 'package.json'), '{ "type": "module" }');
  const script = join(folder, 'main.ts');
  writeFileSync(
    script,
    `
    const a = await import('./copy-a/index.ts');
    const b = await import('./copy-b/index.ts');
    const va = new a.ContextVar('va', { propagate: true });
    const vb = new b.ContextVar('vb', { propagate: true });
    const seen = va.run('A', () => vb.run('B', () => {
      const copy = b.copyContext();
      return { distinct: a.ContextVar !== b.ContextVar, va: va.get(), vb: vb.get(), copyA: copy.get(va),
               wire: a.serializeContext().vars, enteredBoth: new b.Context().run(() => va.get('unset')) };
    }));
    const duplicate = (() => { try { new b.ContextVar('va', { propagate: true }); return 'no error'; } catch (e) { return e.code; } })();
    console.log(JSON.stringify({ ...seen, duplicate }));
    `,
  );
  const out = execFileSync(process.execPath, ['--import', 'tsx', script], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  expect(JSON.parse(out)).toEqual({
    distinct: true,
    va: 'A',
    vb: 'B',
    copyA: 'A',
    wire: { va: 'A', vb: 'B' },
    enteredBoth: 'unset',
    duplicate: 'ERR_CONTEXTVAR_DUPLICATE_NAME',
  });
});
