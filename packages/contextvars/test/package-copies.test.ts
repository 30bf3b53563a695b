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

// Two physical copies of the package in one thread (a duplicated install) must share one store,
// recognise each other's variables in filters and share one propagator.
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
    // A variable of copy B passes copy A's filters by identity, and crosses A's seam.
    const localB = new b.ContextVar('localB');
    const crossing = vb.run('B', () => localB.run('L', () => va.run('A', () => {
      const filtered = a.filterContext(b.copyContext(), { allow: [vb] });
      const carrier = a.injectContext(undefined, { allow: [vb, localB] });
      const back = b.extractContext(JSON.parse(JSON.stringify(carrier)));
      return { isVar: a.isContextVar(vb), filtered: [...filtered.keys()].map((v) => v.name),
               carrier, back: [back.get(vb), back.get(va, 'none')] };
    })));
    const prev = a.setGlobalPropagator(a.declaredVariablesPropagator, { setupModule: '/p.js' });
    const sharedGlobal = { same: b.getGlobalPropagator() === a.declaredVariablesPropagator, setup: b.propagationSetupModules() };
    a.setGlobalPropagator(prev);
    console.log(JSON.stringify({ ...seen, duplicate, crossing, sharedGlobal }));
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
    crossing: {
      isVar: true,
      filtered: ['vb'],
      carrier: {
        context: { v: 1, vars: { vb: 'B' } },
        unpropagated: { local: ['localB'], filtered: ['va'] },
      },
      back: ['B', 'none'],
    },
    sharedGlobal: { same: true, setup: ['file:///p.js'] },
  });
});
