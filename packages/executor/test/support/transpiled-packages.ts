/**
 * Test support: a throwaway project whose `node_modules/@weft/*` hold workspace packages as
 * users get them (JavaScript in `dist`, the published `exports` map), so that a test can run
 * code the way an installed package runs, not from the TypeScript sources. Each package is
 * transpiled file by file with TypeScript's `transpileModule` (what `tsc` emits, minus the
 * declarations; fast, and it never touches the real `dist` folders, which other tests rebuild).
 * Third-party dependencies are linked from the workspace's own install.
 */
import { mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript') as typeof import('typescript');

/** The monorepo's `packages/` folder. */
const PACKAGES = fileURLToPath(new URL('../../../', import.meta.url));

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  publishConfig?: { exports?: unknown };
  [key: string]: unknown;
}

function link(target: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  try {
    symlinkSync(target, path, 'dir');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

function transpileDir(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.isDirectory()) transpileDir(source, join(to, entry.name));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
        fileName: source,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          // ESM, as tsc emits for these "type": "module" packages (NodeNext would need the package.json).
          module: ts.ModuleKind.ES2022,
          verbatimModuleSyntax: true,
        },
      });
      writeFileSync(join(to, entry.name.replace(/\.ts$/, '.js')), outputText);
    }
  }
}

/**
 * Installs the workspace packages `names` (folder names under `packages/`, e.g. `executor`) into
 * `<root>/node_modules/@weft/`, as built JavaScript with their published `exports`, plus their
 * third-party dependencies and the given `extra` packages of the workspace root (e.g. `tsx`).
 */
export function installTranspiled(
  root: string,
  names: readonly string[],
  extra: readonly string[] = [],
): void {
  for (const name of names) {
    const dir = join(PACKAGES, name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    const target = join(root, 'node_modules', manifest.name);
    transpileDir(join(dir, 'src'), join(target, 'dist'));
    const published: Manifest = { ...manifest, exports: manifest.publishConfig?.exports ?? manifest.exports };
    delete published.publishConfig;
    writeFileSync(join(target, 'package.json'), JSON.stringify(published, null, 2));
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      if (dependency.startsWith('@weft/')) continue;
      link(realpathSync(join(dir, 'node_modules', dependency)), join(root, 'node_modules', dependency));
    }
  }
  for (const name of extra) {
    const manifest = createRequire(join(PACKAGES, '..', 'package.json')).resolve(`${name}/package.json`);
    link(realpathSync(dirname(manifest)), join(root, 'node_modules', name));
  }
}
