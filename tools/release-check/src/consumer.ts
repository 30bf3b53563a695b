/**
 * A consumer's view of the release: an empty npm project outside the workspace that installs only
 * the packed tarballs (third-party dependencies come from the registry as usual, the workspace's own
 * scope cannot), imports every package from plain Node ESM and type-checks against the shipped
 * declarations with `tsc`.
 *
 * @module
 */
import { copyFileSync, existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConsumerCheckError } from './errors.js';
import type { PackedTarball } from './pack.js';
import { isolatedEnv, runCommand } from './run-command.js';
import type { PackageManifest } from './workspace.js';
import { rootDevDependencyVersion, tscPath } from './workspace.js';

/** A registry address nothing listens on: any attempt to fetch the workspace's scope fails at once. */
export const BLOCKED_REGISTRY = 'http://127.0.0.1:9/';

/**
 * Compiler options of the consumer's type check: a strict Node 20 ESM project (as
 * `@tsconfig/node20`: ES2023 library, no DOM), with `skipLibCheck` off so the shipped declarations
 * themselves are checked.
 */
export const CONSUMER_COMPILER_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2023'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  types: ['node'],
  strict: true,
  noEmit: true,
  skipLibCheck: false,
} as const;

/**
 * The Node a consumer project runs with: its binary, and the environment of the commands run there
 * (its `PATH` should lead to the same Node, so that `npm` and `#!/usr/bin/env node` bins use it).
 * By default, the Node running the checks.
 */
export interface ConsumerRuntime {
  /** Absolute path of the `node` binary. */
  node: string;
  /** Environment of every command in the project (default {@link isolatedEnv}`()`). */
  env?: NodeJS.ProcessEnv;
}

const CURRENT_RUNTIME: ConsumerRuntime = { node: process.execPath };

/** Runtime export names of each entry point (`@weft/x`, `@weft/x/sub`), as plain Node ESM sees them. */
export type RuntimeExports = Record<string, string[]>;

/** The part of a package name after its scope: `@weft/prefect-bridge` → `prefect-bridge`. */
export function unscopedName(name: string): string {
  return name.includes('/') ? name.slice(name.indexOf('/') + 1) : name;
}

/**
 * Makes `dir` (an empty folder outside the workspace) an npm project and installs the tarballs in
 * one `npm install`, plus the workspace's `@types/node` for the type check. An `.npmrc` points the
 * packages' scopes at {@link BLOCKED_REGISTRY}, so every internal dependency must be satisfied by a
 * tarball. Then checks that each package is a real copy (no link into the workspace), resolved from
 * its tarball, and installed exactly once.
 */
export async function installTarballs(
  root: string,
  tarballs: readonly PackedTarball[],
  dir: string,
): Promise<void> {
  if (existsSync(path.join(dir, 'package.json'))) {
    throw new ConsumerCheckError(`${dir} is not empty: the consumer project must start from nothing`);
  }
  writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: 'release-check-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  const scopes = new Set(
    tarballs.map((t) => t.manifest.name.split('/')[0]).filter((s) => s?.startsWith('@')),
  );
  // npm asks the registry about a dependency whose tarball it has not placed yet (here prefect-bridge's
  // @weft/runner), then settles on the tarball; short retry waits keep the refused lookups cheap.
  const npmrc = [
    ...[...scopes].map((scope) => `${scope}:registry=${BLOCKED_REGISTRY}`),
    'fetch-retry-mintimeout=100',
    'fetch-retry-maxtimeout=1000',
  ];
  writeFileSync(path.join(dir, '.npmrc'), `${npmrc.join('\n')}\n`);
  const typesNode = `@types/node@${rootDevDependencyVersion(root, '@types/node')}`;
  await runCommand(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs.map((t) => t.tarball), typesNode],
    { cwd: dir, env: isolatedEnv(), timeoutMs: 300_000 },
  );

  checkInstalledPackages(
    dir,
    tarballs.map(({ manifest }) => ({ name: manifest.name, version: manifest.version })),
    {
      label: 'its tarball',
      matches: (resolved) => !!resolved?.startsWith('file:') && resolved.endsWith('.tgz'),
    },
  );
}

/** A package a consumer project must hold, at this version. */
export interface ExpectedPackage {
  name: string;
  version: string;
  /** The `dist.integrity` its source publishes: the lockfile must record the same bytes. */
  integrity?: string;
}

/** Where installed packages must come from, as {@link checkInstalledPackages} judges it. */
export interface PackageSource {
  /** Named in messages: "resolved from X, not from <label>". */
  label: string;
  /** Whether a lockfile entry's `resolved` (absent for some registry installs) fits this source. */
  matches(resolved: string | undefined): boolean;
}

/**
 * Checks a consumer project's `package-lock.json` and `node_modules`: every expected package is
 * installed at `node_modules/<name>` as a real copy (no link), at the expected version, resolved
 * from the expected `source`, with the expected integrity when one is given, exactly once, and its
 * installed package.json says the same version.
 *
 * @throws {ConsumerCheckError} listing every package that breaks a rule.
 */
export function checkInstalledPackages(
  dir: string,
  expected: readonly ExpectedPackage[],
  source: PackageSource,
): void {
  const lock = JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; resolved?: string; integrity?: string; link?: boolean }>;
  };
  const problems: string[] = [];
  for (const { name, version, integrity } of expected) {
    const key = `node_modules/${name}`;
    const installedDir = path.join(dir, key);
    const entry = lock.packages[key];
    if (!entry || !existsSync(installedDir)) {
      problems.push(`${name} is not installed at ${key}`);
      continue;
    }
    if (lstatSync(installedDir).isSymbolicLink() || entry.link) {
      problems.push(`${name} is a link, not an installed copy`);
    }
    if (!source.matches(entry.resolved)) {
      problems.push(`${name} was resolved from ${entry.resolved ?? 'nowhere'}, not from ${source.label}`);
    }
    if (integrity !== undefined && entry.integrity !== integrity) {
      problems.push(
        `${name} was installed with integrity ${entry.integrity}, but ${source.label} publishes ${integrity}`,
      );
    }
    if (entry.version !== version) {
      problems.push(`${name} installed as ${entry.version}, expected ${version}`);
    }
    const installedVersion = readInstalledVersion(path.join(installedDir, 'package.json'));
    if (installedVersion !== version) {
      problems.push(`${key}/package.json says version ${installedVersion}, expected ${version}`);
    }
    const copies = Object.keys(lock.packages).filter((k) => k !== key && k.endsWith(`/${key}`));
    if (copies.length > 0) problems.push(`${name} is installed more than once: ${copies.join(', ')}`);
  }
  if (problems.length > 0) {
    throw new ConsumerCheckError(
      `the consumer project in ${dir} is wrong:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

function readInstalledVersion(file: string): string {
  try {
    return String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version);
  } catch {
    return '(unreadable)';
  }
}

/** Options of {@link installFromRegistry}. */
export interface RegistryInstallOptions {
  /** The registry that serves the scope of the packages, e.g. `http://127.0.0.1:4873/`. */
  registry: string;
  /** Package name → exact version to install (`npm install <name>@<version>`). */
  packages: Readonly<Record<string, string>>;
  /** Further specs installed alongside from the default registry, e.g. `@types/node@24.19.4`. */
  extras?: readonly string[];
  /** The Node (and npm environment) of the project. */
  runtime?: ConsumerRuntime;
}

/**
 * Installs packages by version from a registry into an npm project, as a user would
 * (`npm install @weft/runner@1.2.3 ...`): `dir` becomes an npm project first when it has no
 * package.json, with an `.npmrc` routing the packages' scopes to `registry` (third-party packages
 * still come from the default registry). Running it again on the same project upgrades (or
 * downgrades) to the versions given. Then checks, with {@link checkInstalledPackages}, that each
 * package is a single real copy at that version, downloaded from `registry`.
 */
export async function installFromRegistry(dir: string, options: RegistryInstallOptions): Promise<void> {
  const registry = options.registry.endsWith('/') ? options.registry : `${options.registry}/`;
  const names = Object.keys(options.packages);
  if (!existsSync(path.join(dir, 'package.json'))) {
    writeFileSync(
      path.join(dir, 'package.json'),
      `${JSON.stringify({ name: 'release-test-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
    );
    const scopes = new Set(names.map((name) => name.split('/')[0]).filter((s) => s?.startsWith('@')));
    const npmrc = [...scopes].map((scope) => `${scope}:registry=${registry}`);
    writeFileSync(path.join(dir, '.npmrc'), `${npmrc.join('\n')}\n`);
  }
  const specs = [...names.map((name) => `${name}@${options.packages[name]}`), ...(options.extras ?? [])];
  const runtime = options.runtime ?? CURRENT_RUNTIME;
  await runCommand('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], {
    cwd: dir,
    env: runtime.env ?? isolatedEnv(),
    timeoutMs: 300_000,
  });
  // npm leaves `resolved` out of the lockfile for some registry installs; the integrity it records
  // must then be that of the tarball the registry publishes for the version.
  const expected: ExpectedPackage[] = [];
  for (const name of names) {
    const version = options.packages[name] as string;
    const packument = await fetch(new URL(name.replace('/', '%2f'), registry), {
      signal: AbortSignal.timeout(30_000),
    }).then((response) => (response.ok ? response.json() : undefined));
    const integrity = (packument as { versions?: Record<string, { dist?: { integrity?: string } }> })
      ?.versions?.[version]?.dist?.integrity;
    if (integrity === undefined) {
      throw new ConsumerCheckError(`${registry} has no ${name}@${version} (or no integrity for it)`);
    }
    expected.push({ name, version, integrity });
  }
  checkInstalledPackages(dir, expected, {
    label: registry,
    matches: (resolved) => resolved === undefined || resolved.startsWith(registry),
  });
}

/**
 * The import specifiers a package offers: its name for `"."` and `<name>/<subpath>` for every other
 * `exports` key, except `./package.json` and patterns (`*`).
 */
export function entryPoints(manifest: PackageManifest): string[] {
  const exportsMap = manifest.exports;
  if (typeof exportsMap !== 'object' || exportsMap === null || Array.isArray(exportsMap))
    return [manifest.name];
  const keys = Object.keys(exportsMap);
  if (!keys.some((key) => key.startsWith('.'))) return [manifest.name];
  return keys
    .filter((key) => key !== './package.json' && !key.includes('*'))
    .map((key) => (key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`));
}

/** The package a bare specifier belongs to: `@weft/prefect-bridge/testing` → `@weft/prefect-bridge`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/**
 * Imports every entry point of every package (see {@link entryPoints}) from a plain `.mjs` file run
 * by `node` (no loader, no custom condition, no `NODE_OPTIONS`) and returns each specifier's sorted
 * runtime export names. Fails when a specifier resolves outside the consumer's
 * `node_modules/<package>` or exports nothing.
 */
export async function importInstalled(
  dir: string,
  manifests: readonly PackageManifest[],
  runtime: ConsumerRuntime = CURRENT_RUNTIME,
): Promise<RuntimeExports> {
  const specifiers = manifests.flatMap(entryPoints);
  const probe = path.join(dir, 'release-check-probe.mjs');
  writeFileSync(
    probe,
    [
      `const specifiers = ${JSON.stringify(specifiers)};`,
      'const report = {};',
      'for (const specifier of specifiers) {',
      '  const url = import.meta.resolve(specifier);',
      '  const ns = await import(specifier);',
      '  report[specifier] = { url, exports: Object.keys(ns).sort() };',
      '}',
      'process.stdout.write(JSON.stringify(report));',
      '',
    ].join('\n'),
  );
  const { stdout } = await runCommand(runtime.node, [probe], {
    cwd: dir,
    env: runtime.env ?? isolatedEnv(),
    timeoutMs: 60_000,
  });
  const report = JSON.parse(stdout) as Record<string, { url: string; exports: string[] }>;
  const result: RuntimeExports = {};
  for (const specifier of specifiers) {
    const found = report[specifier];
    const expectedPrefix = pathToFileURL(path.join(dir, 'node_modules', packageNameOf(specifier))).href;
    if (!found?.url.startsWith(`${expectedPrefix}/`)) {
      throw new ConsumerCheckError(`${specifier} resolved to ${found?.url}, not inside ${expectedPrefix}`);
    }
    if (found.exports.length === 0) throw new ConsumerCheckError(`${specifier} has no runtime exports`);
    result[specifier] = found.exports;
  }
  return result;
}

/**
 * The file the consumer type-checks to prove the declarations and the JavaScript agree: an object
 * typed `Record<keyof typeof ns, true>` listing exactly the runtime export names, so a value the
 * `.d.ts` declares but the `.js` lacks (or the reverse) is a compile error.
 */
export function exportParitySource(name: string, runtimeNames: readonly string[]): string {
  const entries = runtimeNames.map((n) => `  ${JSON.stringify(n)}: true,`).join('\n');
  return [
    `import type * as ns from '${name}';`,
    '',
    `// Runtime exports of ${name}; tsc rejects any name missing from, or extra to, its declarations.`,
    `export const exportsOf: Record<keyof typeof ns, true> = {`,
    entries,
    '};',
    '',
  ].join('\n');
}

/**
 * Copies the consumer fixtures (every `.mjs` and `.mts` file of `fixturesDir`: one smoke script
 * and one typed consumer per package, plus any helper modules they import) into the consumer project.
 */
export function copyConsumerFixtures(fixturesDir: string, dir: string): void {
  for (const file of readdirSync(fixturesDir)) {
    if (file.endsWith('.mjs') || file.endsWith('.mts'))
      copyFileSync(path.join(fixturesDir, file), path.join(dir, file));
  }
}

/**
 * Runs a package's consumer smoke script `<unscoped name>.mjs` (copied from `fixturesDir`) with
 * plain `node` in the consumer project and resolves with what it printed; rejects with its output
 * when it throws, and names the missing file when the package has no smoke script.
 */
export async function runSmokeScript(
  dir: string,
  fixturesDir: string,
  name: string,
  runtime: ConsumerRuntime = CURRENT_RUNTIME,
): Promise<string> {
  const file = `${unscopedName(name)}.mjs`;
  if (!existsSync(path.join(fixturesDir, file))) {
    throw new ConsumerCheckError(`${name} has no consumer smoke script: add ${path.join(fixturesDir, file)}`);
  }
  copyConsumerFixtures(fixturesDir, dir);
  const { stdout } = await runCommand(runtime.node, [file], {
    cwd: dir,
    env: runtime.env ?? isolatedEnv(),
    timeoutMs: 120_000,
  });
  return stdout;
}

/**
 * Type-checks, with the workspace's `tsc --noEmit` (module NodeNext, strict, lib checks on), the
 * consumer file `<fixtures>/<unscoped name>.mts` of every package together with an export-parity
 * file per entry point (see {@link exportParitySource}). Rejects with the compiler output on any error.
 */
export async function typecheckConsumer(
  root: string,
  dir: string,
  fixturesDir: string,
  runtimeExports: RuntimeExports,
  runtime: ConsumerRuntime = CURRENT_RUNTIME,
): Promise<void> {
  copyConsumerFixtures(fixturesDir, dir);
  const files: string[] = [];
  for (const name of new Set(Object.keys(runtimeExports).map(packageNameOf))) {
    const fixture = `${unscopedName(name)}.mts`;
    if (!existsSync(path.join(fixturesDir, fixture))) {
      throw new ConsumerCheckError(
        `${name} has no consumer type check: add ${path.join(fixturesDir, fixture)}`,
      );
    }
    files.push(fixture);
  }
  for (const [specifier, exportNames] of Object.entries(runtimeExports)) {
    const parity = `${unscopedName(specifier).replaceAll('/', '.')}.exports.mts`;
    writeFileSync(path.join(dir, parity), exportParitySource(specifier, exportNames));
    files.push(parity);
  }
  const tsconfig = { compilerOptions: CONSUMER_COMPILER_OPTIONS, files };
  writeFileSync(path.join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  await runCommand(runtime.node, [tscPath(root), '-p', 'tsconfig.json', '--pretty', 'false'], {
    cwd: dir,
    env: runtime.env ?? isolatedEnv(),
    timeoutMs: 180_000,
  });
}
