import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsumerCheckError, checkTypesResolution, runCommand } from '../src/index.js';

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'weft-attw-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `npm pack` of a one-file ESM package whose `exports` give `types` as `typesTarget`. */
async function pack(name: string, typesTarget: string): Promise<string> {
  const dir = path.join(work, name);
  mkdirSync(dir);
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name,
      version: '1.0.0',
      type: 'module',
      exports: { '.': { types: typesTarget, import: './index.js' } },
    }),
  );
  writeFileSync(path.join(dir, 'index.js'), 'export const answer = 42;\n');
  writeFileSync(path.join(dir, 'index.d.ts'), 'export declare const answer: number;\n');
  const { stdout } = await runCommand('npm', ['pack', '--json', '--pack-destination', work], { cwd: dir });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  return path.join(work, filename);
}

describe('checkTypesResolution (attw, esm-only profile)', () => {
  it('accepts an ESM-only package with declarations, and records what the left-out resolutions say', async () => {
    const report = await checkTypesResolution(await pack('esm-only-good', './index.d.ts'));
    expect(report).toMatchObject({ packageName: 'esm-only-good', packageVersion: '1.0.0', problems: [] });
    expect(report.ignored).toContainEqual({
      kind: 'CJSResolvesToESM',
      entrypoint: '.',
      resolutionKind: 'node16-cjs',
    });
  });

  it('rejects a package whose declarations TypeScript cannot find, naming the entry point and resolution', async () => {
    const failure = checkTypesResolution(await pack('esm-only-broken', './missing.d.ts'));
    await expect(failure).rejects.toThrow(ConsumerCheckError);
    await expect(failure).rejects.toThrow(
      /attw \(--profile esm-only\) finds type resolution problems in esm-only-broken@1\.0\.0:\n {2}- \w+ at "\." \((node16-esm|bundler)\)/,
    );
  });
});
