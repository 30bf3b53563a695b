import { describe, expect, it } from 'vitest';
import {
  binTargets,
  checkPackageMetadata,
  checkPackedPackage,
  expectedPublishedRange,
  exportTargets,
  type PackageManifest,
  type PublicPackage,
  type WorkspaceRoot,
  withoutCondition,
} from '../src/index.js';

const REPO = 'git+https://github.com/weft-dev/weft.git';
const root: WorkspaceRoot = {
  dir: '/repo',
  manifest: {
    name: 'weft',
    version: '0.0.0',
    license: 'Apache-2.0',
    repository: { type: 'git', url: REPO },
    bugs: { url: 'https://github.com/weft-dev/weft/issues' },
  },
};
const metadata = (dir: string) => ({
  description: 'a package',
  keywords: ['pipeline'],
  license: 'Apache-2.0',
  repository: { type: 'git', url: REPO, directory: dir },
  homepage: `https://github.com/weft-dev/weft/tree/main/${dir}#readme`,
  bugs: { url: 'https://github.com/weft-dev/weft/issues' },
});

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
const goodFiles = [
  'LICENSE',
  'README.md',
  'package.json',
  'dist/index.js',
  'dist/index.d.ts',
  'src/index.ts',
];

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
      ...metadata('packages/@weft/app'),
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
    expect(checkPackedPackage(packedApp(), app, workspace, root)).toEqual([]);
  });

  it('names each dependency that kept a workspace-only protocol', () => {
    const problems = checkPackedPackage(
      packedApp({
        dependencies: { '@weft/core': 'workspace:^', piscina: '^5.3.2' },
        devDependencies: { local: 'link:../local' },
      }),
      app,
      workspace,
      root,
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
      root,
    );
    expect(problems).toEqual(['dependencies.@weft/core is "^1.3.0", expected "^1.4.0" (from "workspace:^")']);
  });

  it('rejects a dependency on a workspace package that is not published', () => {
    expect(checkPackedPackage(packedApp(), app, [app], root)).toEqual([
      'dependencies.@weft/core is a workspace package that is not published (private or missing)',
      'peerDependencies.@weft/core is a workspace package that is not published (private or missing)',
    ]);
  });

  it('rejects the workspace-only source condition and exports out of sync with the workspace', () => {
    const problems = checkPackedPackage(packedApp({ exports: sourceExports }), app, workspace, root);
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
    expect(checkPackedPackage(packedApp({}, files), app, workspace, root)).toEqual([
      'exports["."]["types"] points at ./dist/index.d.ts, which is not in the tarball',
      '"types" points at ./dist/index.d.ts, which is not in the tarball',
    ]);
    const tsEntry = {
      '.': { types: './dist/index.d.ts', import: './src/index.ts' },
      './package.json': './package.json',
    };
    const source = { ...app, manifest: { ...app.manifest, exports: tsEntry } };
    expect(checkPackedPackage(packedApp({ exports: tsEntry }), source, workspace, root)).toEqual([
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
    expect(checkPackedPackage(packedApp({}, files), app, workspace, root)).toEqual([
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
      root,
    );
    expect(problems).toEqual([
      'name is "@weft/other", expected @weft/app',
      'version is "1.3.9", expected 1.4.0',
      '"private": true (it could not be published)',
      '"type" is "commonjs", expected "module"',
    ]);
  });
});

describe('bin entries', () => {
  it('name each command with its file (a string bin is named after the unscoped package)', () => {
    expect(binTargets('./bin/cli.js', '@weft/tool')).toEqual([['tool', './bin/cli.js']]);
    expect(binTargets({ 'weft-worker': './bin/weft-worker.js' }, '@weft/x')).toEqual([
      ['weft-worker', './bin/weft-worker.js'],
    ]);
    expect(binTargets(undefined, '@weft/x')).toEqual([]);
  });

  it('must be shipped JavaScript', () => {
    const bin = { 'weft-worker': './dist/worker-cli.js', 'weft-ts': './src/cli.ts' };
    expect(
      checkPackedPackage(packedApp({ bin }, [...goodFiles, 'src/cli.ts']), app, workspace, root),
    ).toEqual([
      'bin["weft-worker"] points at ./dist/worker-cli.js, which is not in the tarball',
      'bin["weft-ts"] points at TypeScript source ./src/cli.ts',
    ]);
  });
});

describe('checkPackageMetadata', () => {
  const dir = '/repo/packages/app';
  const good = { name: '@weft/app', version: '1.4.0', ...metadata('packages/app') };

  it('accepts a package with the root licence, repository (with its folder), keywords, homepage and bugs', () => {
    expect(checkPackageMetadata(good, ['LICENSE', 'package.json'], dir, root)).toEqual([]);
    expect(checkPackageMetadata(good, ['LICENSE.md'], dir, root)).toEqual([]);
  });

  it('names every missing or wrong field, and a missing licence file', () => {
    const bare = { name: '@weft/app', version: '1.4.0' };
    expect(checkPackageMetadata(bare, ['package.json'], dir, root)).toEqual([
      '"description" is missing or empty (npm search shows it)',
      '"keywords" is undefined, expected a non-empty list of words',
      '"license" is undefined, expected "Apache-2.0" (as the root)',
      'no LICENSE file in the tarball (pnpm packs the workspace root LICENSE: is it there?)',
      `"repository" is undefined, expected {"type":"git","url":"${REPO}","directory":"packages/app"}`,
      '"homepage" is undefined, expected an https:// URL',
      '"bugs" is undefined, expected {"url":"https://github.com/weft-dev/weft/issues"} (as the root)',
    ]);
  });

  it('rejects a repository that points at the root folder or another URL, and an empty keyword', () => {
    const problems = checkPackageMetadata(
      {
        ...good,
        keywords: ['pipeline', ''],
        license: 'MIT',
        repository: { type: 'git', url: REPO },
      },
      ['LICENSE'],
      dir,
      root,
    );
    expect(problems).toEqual([
      '"keywords" is ["pipeline",""], expected a non-empty list of words',
      '"license" is "MIT", expected "Apache-2.0" (as the root)',
      `"repository" is {"type":"git","url":"${REPO}"}, expected {"type":"git","url":"${REPO}","directory":"packages/app"}`,
    ]);
    expect(
      checkPackageMetadata(
        {
          ...good,
          repository: { type: 'git', url: 'https://example.org/fork.git', directory: 'packages/app' },
        },
        ['LICENSE'],
        dir,
        root,
      ),
    ).toHaveLength(1);
  });

  it('says so when the workspace root itself has no licence or repository to compare with', () => {
    const emptyRoot: WorkspaceRoot = { dir: '/repo', manifest: { name: 'weft', version: '0.0.0' } };
    const problems = checkPackageMetadata(good, ['LICENSE'], dir, emptyRoot);
    expect(problems.slice(0, 2)).toEqual([
      'the workspace root /repo/package.json has no "license": it is the licence every package states',
      'the workspace root /repo/package.json has no "repository.url": every package points at it',
    ]);
  });
});
