/**
 * Rules every packed tarball must meet before it can be published: no workspace-only ranges or
 * export conditions left, every entry point shipped, no build or test debris.
 *
 * @module
 */
import { checkPackageMetadata, type WorkspaceRoot } from './package-metadata.js';
import type { PackageManifest, PublicPackage } from './workspace.js';

/** What {@link checkPackedPackage} looks at: a tarball's manifest and file list. */
export interface PackedContents {
  /** The package.json inside the tarball. */
  manifest: PackageManifest;
  /** Packed file paths relative to the package root. */
  files: readonly string[];
}

/** The export condition that points workspace consumers (tests, tsc) at TypeScript sources. */
export const SOURCE_CONDITION = '@weft/source';

const DEPENDENCY_FIELDS = [
  'dependencies',
  'peerDependencies',
  'optionalDependencies',
  'devDependencies',
] as const;
const LOCAL_PROTOCOLS = ['workspace:', 'link:', 'file:', 'portal:', 'catalog:'] as const;
const OUTPUT_SUFFIXES = ['.d.ts.map', '.d.ts', '.js.map', '.js'] as const;

/**
 * The range that `pnpm pack` must have written for a `workspace:` spec, given the version of the
 * workspace package it points to: `workspace:^` → `^1.2.3`, `workspace:~` → `~1.2.3`,
 * `workspace:*` → `1.2.3`, `workspace:<range>` → `<range>`.
 */
export function expectedPublishedRange(workspaceSpec: string, version: string): string {
  const spec = workspaceSpec.slice('workspace:'.length);
  if (spec === '*') return version;
  if (spec === '^' || spec === '~') return `${spec}${version}`;
  return spec;
}

/**
 * Every release rule the packed package breaks, one readable line each (empty when it is
 * releasable). `source` is the package as it is in the workspace; `workspace` lists all public
 * packages (to check that internal dependencies point at them with real versions); `root` is the
 * workspace root, whose licence, repository and bug tracker every package repeats (see
 * {@link checkPackageMetadata}).
 */
export function checkPackedPackage(
  packed: PackedContents,
  source: PublicPackage,
  workspace: readonly PublicPackage[],
  root: WorkspaceRoot,
): string[] {
  const problems: string[] = [];
  const { manifest } = packed;
  const files = new Set(packed.files);

  if (manifest.name !== source.name)
    problems.push(`name is ${JSON.stringify(manifest.name)}, expected ${source.name}`);
  if (manifest.version !== source.version) {
    problems.push(`version is ${JSON.stringify(manifest.version)}, expected ${source.version}`);
  }
  if (manifest.private === true) problems.push('"private": true (it could not be published)');
  if (manifest.type !== 'module')
    problems.push(`"type" is ${JSON.stringify(manifest.type)}, expected "module"`);

  for (const field of DEPENDENCY_FIELDS) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      const protocol = LOCAL_PROTOCOLS.find((p) => range.startsWith(p));
      if (protocol) {
        problems.push(
          `${field}.${dep} is "${range}": the ${protocol} protocol only means something inside the workspace`,
        );
        continue;
      }
      if (field === 'devDependencies') continue;
      const sourceSpec = source.manifest[field]?.[dep];
      if (!sourceSpec?.startsWith('workspace:')) continue;
      const target = workspace.find((pkg) => pkg.name === dep);
      if (!target) {
        problems.push(`${field}.${dep} is a workspace package that is not published (private or missing)`);
        continue;
      }
      const expected = expectedPublishedRange(sourceSpec, target.version);
      if (range !== expected) {
        problems.push(`${field}.${dep} is "${range}", expected "${expected}" (from "${sourceSpec}")`);
      }
    }
  }

  if (manifest.exports === undefined) problems.push('no "exports" map');
  const expectedExports = withoutCondition(source.manifest.exports, SOURCE_CONDITION);
  if (JSON.stringify(manifest.exports) !== JSON.stringify(expectedExports)) {
    problems.push(
      `"exports" is ${JSON.stringify(manifest.exports)}, expected the workspace's "exports" without "${SOURCE_CONDITION}": ${JSON.stringify(expectedExports)} (keep publishConfig.exports in sync)`,
    );
  }
  for (const { path, target } of exportTargets(manifest.exports)) {
    const where = `exports${path.map((key) => `[${JSON.stringify(key)}]`).join('')}`;
    if (path.includes(SOURCE_CONDITION)) {
      problems.push(`${where} keeps the workspace-only "${SOURCE_CONDITION}" condition`);
      continue;
    }
    if (/\.(c|m)?tsx?$/.test(target) && !/\.d\.(c|m)?ts$/.test(target)) {
      problems.push(`${where} points at TypeScript source ${target}`);
    }
    if (!target.includes('*') && !files.has(normalizeTarget(target))) {
      problems.push(`${where} points at ${target}, which is not in the tarball`);
    }
  }
  for (const field of ['main', 'types'] as const) {
    const target = manifest[field];
    if (typeof target === 'string' && !files.has(normalizeTarget(target))) {
      problems.push(`"${field}" points at ${target}, which is not in the tarball`);
    }
  }

  for (const [command, target] of binTargets(manifest.bin, manifest.name)) {
    if (/\.(c|m)?tsx?$/.test(target))
      problems.push(`bin["${command}"] points at TypeScript source ${target}`);
    if (!files.has(normalizeTarget(target))) {
      problems.push(`bin["${command}"] points at ${target}, which is not in the tarball`);
    }
  }

  if (!files.has('README.md')) problems.push('README.md is not in the tarball');
  for (const file of packed.files) {
    if (file.endsWith('.tsbuildinfo')) problems.push(`${file} is build state, not a deliverable`);
    else if (/(^|\/)(test|tests|__tests__)\//.test(file) || /\.(test|spec)\.[cm]?[jt]sx?$/.test(file)) {
      problems.push(`${file} is a test file`);
    }
  }
  if (packed.files.some((file) => file.startsWith('src/'))) {
    for (const file of packed.files) {
      if (!file.startsWith('dist/')) continue;
      const suffix = OUTPUT_SUFFIXES.find((s) => file.endsWith(s));
      if (!suffix) continue;
      const base = `src/${file.slice('dist/'.length, -suffix.length)}`;
      if (!files.has(`${base}.ts`) && !files.has(`${base}.mts`) && !files.has(`${base}.tsx`)) {
        problems.push(`${file} is a stale build output: ${base}.ts does not exist`);
      }
    }
  }
  problems.push(...checkPackageMetadata(manifest, packed.files, source.dir, root));
  return problems;
}

/** The commands of a `bin` field with their files: a string names one command after the package. */
export function binTargets(bin: unknown, packageName: string): Array<[command: string, target: string]> {
  if (typeof bin === 'string') return [[packageName.slice(packageName.lastIndexOf('/') + 1), bin]];
  if (bin !== null && typeof bin === 'object') {
    return Object.entries(bin).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  }
  return [];
}

/** Every string leaf of an `exports` map with the keys leading to it (subpaths and conditions). */
export function exportTargets(
  exports: unknown,
  path: string[] = [],
): Array<{ path: string[]; target: string }> {
  if (typeof exports === 'string') return [{ path, target: exports }];
  if (Array.isArray(exports)) return exports.flatMap((item, i) => exportTargets(item, [...path, String(i)]));
  if (exports !== null && typeof exports === 'object') {
    return Object.entries(exports).flatMap(([key, value]) => exportTargets(value, [...path, key]));
  }
  return [];
}

/**
 * An `exports` map with one condition removed everywhere, keeping the order of the rest (which
 * decides resolution): what `publishConfig.exports` must hold for the workspace's `exports`.
 */
export function withoutCondition(exports: unknown, condition: string): unknown {
  if (Array.isArray(exports)) return exports.map((item) => withoutCondition(item, condition));
  if (exports !== null && typeof exports === 'object') {
    return Object.fromEntries(
      Object.entries(exports)
        .filter(([key]) => key !== condition)
        .map(([key, value]) => [key, withoutCondition(value, condition)]),
    );
  }
  return exports;
}

function normalizeTarget(target: string): string {
  return target.replace(/^\.\//, '');
}
