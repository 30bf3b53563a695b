import { describe, expect, it } from 'vitest';
import {
  checkPackedPackage,
  expectedPublishedRange,
  exportTargets,
  type PackageManifest,
  type PublicPackage,
  withoutCondition,
} from '../src/index.js';

const sourceExports = {
  '.': { '@weft/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' },
  './package.json': './package.json',
};
const publishedExports = withoutCondition(sourceExports, '@weft/source');

function workspacePackage(name: string, manifest: Partial<PackageManifest> = {}): PublicPackage {
  return {
    name,
    version: '1.4.0',
    dir: `/repo/packages/${name}`,
    manifest: { name, version: '1.4.0', type: 'module', exports: sourceExports, ...manifest },
  };
}

const core = workspacePackage('@weft/core');
const app = workspacePackage('@weft/app', {
  dependencies: { '@weft/core': 'workspace:^', piscina: '^5.3.2' },
  peerDependencies: { '@weft/core': 'workspace:*' },
});
const workspace = [core, app];
const goodFiles = ['README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'src/index.ts'];

function packedApp(manifest: Partial<PackageManifest> = {}, files: string[] = goodFiles) {
  return {
    manifest: {
      name: '@weft/app',
      version: '1.4.0',
      type: 'module',
      exports: publishedExports,
      main: './dist/index.js',
      types: './dist/index.d.ts',
      dependencies: { '@weft/core': '^1.4.0', piscina: '^5.3.2' },
      peerDependencies: { '@weft/core': '1.4.0' },
      ...manifest,
    },
    files,
  };
}

describe('expectedPublishedRange', () => {
  it('follows pnpm: ^ and ~ keep their operator, * pins the version, an explicit range stays', () => {
    expect(expectedPublishedRange('workspace:^', '1.4.0')).toBe('^1.4.0');
    expect(expectedPublishedRange('workspace:~', '1.4.0')).toBe('~1.4.0');
    expect(expectedPublishedRange('workspace:*', '1.4.0')).toBe('1.4.0');
    expect(expectedPublishedRange('workspace:>=1.2.0', '1.4.0')).toBe('>=1.2.0');
  });
});

describe('withoutCondition and exportTargets', () => {
  it('drops one condition everywhere and keeps the order of the others', () => {
    expect(JSON.stringify(publishedExports)).toBe(
      '{".":{"types":"./dist/index.d.ts","import":"./dist/index.js"},"./package.json":"./package.json"}',
    );
  });

  it('lists every target with the keys leading to it', () => {
    expect(exportTargets(sourceExports)).toEqual([
      { path: ['.', '@weft/source'], target: './src/index.ts' },
      { path: ['.', 'types'], target: './dist/index.d.ts' },
      { path: ['.', 'import'], target: './dist/index.js' },
      { path: ['./package.json'], target: './package.json' },
    ]);
    expect(exportTargets('./dist/index.js')).toEqual([{ path: [], target: './dist/index.js' }]);
  });
});

describe('checkPackedPackage', () => {
  it('accepts a tarball that follows every rule', () => {
    expect(checkPackedPackage(packedApp(), app, workspace)).toEqual([]);
  });

  it('names each dependency that kept a workspace-only protocol', () => {
    const problems = checkPackedPackage(
      packedApp({
        dependencies: { '@weft/core': 'workspace:^', piscina: '^5.3.2' },
        devDependencies: { local: 'link:../local' },
      }),
      app,
      workspace,
    );
    expect(problems).toEqual([
      'dependencies.@weft/core is "workspace:^": the workspace: protocol only means something inside the workspace',
      'devDependencies.local is "link:../local": the link: protocol only means something inside the workspace',
    ]);
  });

  it('rejects a rewritten range that does not match the sibling being released', () => {
    const problems = checkPackedPackage(
      packedApp({ dependencies: { '@weft/core': '^1.3.0', piscina: '^5.3.2' } }),
      app,
      workspace,
    );
    expect(problems).toEqual(['dependencies.@weft/core is "^1.3.0", expected "^1.4.0" (from "workspace:^")']);
  });

  it('rejects a dependency on a workspace package that is not published', () => {
    expect(checkPackedPackage(packedApp(), app, [app])).toEqual([
      'dependencies.@weft/core is a workspace package that is not published (private or missing)',
      'peerDependencies.@weft/core is a workspace package that is not published (private or missing)',
    ]);
  });

  it('rejects the workspace-only source condition and exports out of sync with the workspace', () => {
    const problems = checkPackedPackage(packedApp({ exports: sourceExports }), app, workspace);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^"exports" is .* expected the workspace's "exports" without "@weft\/source"/,
    );
    expect(problems[1]).toBe(
      'exports["."]["@weft/source"] keeps the workspace-only "@weft/source" condition',
    );
  });

  it('names entry points that are not in the tarball, and TypeScript sources used as entry points', () => {
    const files = goodFiles.filter((f) => f !== 'dist/index.d.ts');
    expect(checkPackedPackage(packedApp({}, files), app, workspace)).toEqual([
      'exports["."]["types"] points at ./dist/index.d.ts, which is not in the tarball',
      '"types" points at ./dist/index.d.ts, which is not in the tarball',
    ]);
    const tsEntry = {
      '.': { types: './dist/index.d.ts', import: './src/index.ts' },
      './package.json': './package.json',
    };
    const source = { ...app, manifest: { ...app.manifest, exports: tsEntry } };
    expect(checkPackedPackage(packedApp({ exports: tsEntry }), source, workspace)).toEqual([
      'exports["."]["import"] points at TypeScript source ./src/index.ts',
    ]);
  });

  it('names build state, test files, stale outputs and a missing README', () => {
    const files = [
      ...goodFiles.filter((f) => f !== 'README.md'),
      'dist/.tsbuildinfo',
      'dist/renamed.js',
      'dist/renamed.d.ts',
      'test/app.test.ts',
      'src/app.spec.ts',
    ];
    expect(checkPackedPackage(packedApp({}, files), app, workspace)).toEqual([
      'README.md is not in the tarball',
      'dist/.tsbuildinfo is build state, not a deliverable',
      'test/app.test.ts is a test file',
      'src/app.spec.ts is a test file',
      'dist/renamed.js is a stale build output: src/renamed.ts does not exist',
      'dist/renamed.d.ts is a stale build output: src/renamed.ts does not exist',
    ]);
  });

  it('names a private flag, a wrong module type, name or version', () => {
    const problems = checkPackedPackage(
      packedApp({ private: true, type: 'commonjs', name: '@weft/other', version: '1.3.9' }),
      app,
      workspace,
    );
    expect(problems).toEqual([
      'name is "@weft/other", expected @weft/app',
      'version is "1.3.9", expected 1.4.0',
      '"private": true (it could not be published)',
      '"type" is "commonjs", expected "module"',
    ]);
  });
});
