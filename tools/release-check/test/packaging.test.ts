import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPackages,
  CONSUMER_COMPILER_OPTIONS,
  checkPackedPackage,
  entryPoints,
  exportParitySource,
  importInstalled,
  installTarballs,
  lintTarball,
  listPublicPackages,
  type PackedTarball,
  packPackages,
  type RuntimeExports,
  readTarball,
  readWorkspaceRoot,
  runCommand,
  runSmokeScript,
  tscPath,
  typecheckConsumer,
} from '../src/index.js';

const root = path.resolve(import.meta.dirname, '../../..');
const fixturesDir = path.resolve(import.meta.dirname, '../consumer');
const packages = await listPublicPackages(root);
const names = packages.map((pkg) => pkg.name);

describe('the public packages', () => {
  it('include the four libraries and are all released in one fixed changeset group', () => {
    expect(names).toEqual(
      expect.arrayContaining(['@weft/contextvars', '@weft/executor', '@weft/prefect-bridge', '@weft/runner']),
    );
    const config = JSON.parse(readFileSync(path.join(root, '.changeset/config.json'), 'utf8'));
    expect(config.fixed).toHaveLength(1);
    for (const name of names) expect(config.fixed[0]).toContain(name);
    for (const ignored of config.ignore) expect(names).not.toContain(ignored);
    expect(config.baseBranch).toBe('main');
  });
});

describe('packed with pnpm, installed from the tarballs alone', () => {
  let work: string;
  let packed: PackedTarball[];

  const tarballOf = (name: string): PackedTarball => {
    const found = packed.find((t) => t.manifest.name === name);
    if (!found) throw new Error(`no tarball for ${name}`);
    return found;
  };

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'weft-release-check-'));
    await buildPackages(
      root,
      packages.map((pkg) => pkg.dir),
    );
    packed = await packPackages(root, packages, path.join(work, 'tarballs'));
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each(names)('%s: workspace: ranges became the real versions of the packed siblings', (name) => {
    const { manifest, package: source } = tarballOf(name);
    const internal = Object.entries(source.manifest.dependencies ?? {}).filter(([, spec]) =>
      spec.startsWith('workspace:'),
    );
    for (const [dep, spec] of internal) {
      const sibling = tarballOf(dep).manifest.version;
      expect(spec).toBe('workspace:^');
      expect(manifest.dependencies?.[dep]).toBe(`^${sibling}`);
    }
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
  });

  it.each(names)('%s: the tarball meets every release rule (exports, files, README, no debris)', (name) => {
    const tarball = tarballOf(name);
    expect(checkPackedPackage(tarball, tarball.package, packages, readWorkspaceRoot(root))).toEqual([]);
    expect(JSON.stringify(tarball.manifest.exports)).not.toContain('@weft/source');
    expect(tarball.files).toContain('dist/index.js');
    expect(tarball.files).toContain('dist/index.d.ts');
    expect(tarball.files).toContain('src/index.ts');
    expect(tarball.files).toContain('LICENSE');
  });

  it.each(names)('%s: publint (strict) finds no error or warning', async (name) => {
    const { bytes } = await readTarball(tarballOf(name).tarball);
    const report = await lintTarball(bytes);
    expect(report.failures).toEqual([]);
  });

  it('npm pack would keep workspace: ranges, which the checks reject (releases go through pnpm)', async () => {
    const withInternalDeps = packages.find((pkg) =>
      Object.values(pkg.manifest.dependencies ?? {}).some((spec) => spec.startsWith('workspace:')),
    );
    if (!withInternalDeps) throw new Error('no public package depends on another: nothing to compare');
    const destination = path.join(work, 'npm-pack');
    mkdirSync(destination);
    const { stdout } = await runCommand(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', destination],
      { cwd: withInternalDeps.dir },
    );
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
    const npmPacked = await readTarball(path.join(destination, filename));
    const problems = checkPackedPackage(npmPacked, withInternalDeps, packages, readWorkspaceRoot(root));
    expect(problems.some((p) => /^dependencies\.@weft\/\S+ is "workspace:\^"/.test(p))).toBe(true);
    expect(problems.some((p) => p.includes('"@weft/source" condition'))).toBe(true);
  });

  describe('in an empty npm project outside the workspace', () => {
    let consumer: string;
    let runtimeExports: RuntimeExports;

    beforeAll(async () => {
      consumer = path.join(work, 'consumer');
      mkdirSync(consumer);
      await installTarballs(root, packed, consumer);
      runtimeExports = await importInstalled(
        consumer,
        packed.map((t) => t.manifest),
      );
    });

    it('installs every package as a copy resolved from its tarball, once', () => {
      const lock = JSON.parse(readFileSync(path.join(consumer, 'package-lock.json'), 'utf8'));
      for (const name of names) {
        expect(lock.packages[`node_modules/${name}`].resolved).toMatch(/^file:.*\.tgz$/);
      }
      expect(Object.keys(lock.packages).filter((key) => /node_modules\/@weft\//.test(key))).toHaveLength(
        names.length,
      );
      expect(readFileSync(path.join(consumer, '.npmrc'), 'utf8')).toContain(
        '@weft:registry=http://127.0.0.1:9/',
      );
    });

    it.each(names)(
      '%s: plain Node ESM imports every entry point and a smoke script exercises it',
      async (name) => {
        const specifiers = entryPoints(tarballOf(name).manifest);
        expect(specifiers).toContain(name);
        for (const specifier of specifiers) expect(runtimeExports[specifier]?.length).toBeGreaterThan(0);
        const printed = await runSmokeScript(consumer, fixturesDir, name);
        expect(printed).toContain(`${name}: ok`);
      },
    );

    it('tsc (NodeNext, strict) type-checks a consumer of every package against the shipped .d.ts', async () => {
      await typecheckConsumer(root, consumer, fixturesDir, runtimeExports);
    });

    it('tsc rejects export lists that disagree with the declarations (the check can fail)', async () => {
      const [name] = names;
      const exported = name ? runtimeExports[name] : undefined;
      if (!name || !exported) throw new Error('no package');
      writeFileSync(
        path.join(consumer, 'extra.exports.mts'),
        exportParitySource(name, [...exported, 'notExported']),
      );
      writeFileSync(path.join(consumer, 'missing.exports.mts'), exportParitySource(name, exported.slice(1)));
      writeFileSync(
        path.join(consumer, 'tsconfig.mismatch.json'),
        JSON.stringify({
          compilerOptions: { ...CONSUMER_COMPILER_OPTIONS, skipLibCheck: true },
          files: ['extra.exports.mts', 'missing.exports.mts'],
        }),
      );
      const failure = runCommand(process.execPath, [tscPath(root), '-p', 'tsconfig.mismatch.json'], {
        cwd: consumer,
      });
      await expect(failure).rejects.toThrow(/extra\.exports\.mts.*notExported/);
      await expect(failure).rejects.toThrow(new RegExp(`missing\\.exports\\.mts.*'${exported[0]}'`));
    });
  });
});
