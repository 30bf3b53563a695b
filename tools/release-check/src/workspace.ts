/**
 * Finding the pnpm workspace, its pinned pnpm, and its public (publishable) packages.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { WorkspaceError } from './errors.js';
import type { WorkspaceRoot } from './package-metadata.js';
import { runCommand } from './run-command.js';

/** The fields of a package.json that the release checks read. */
export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  type?: string;
  main?: string;
  types?: string;
  exports?: unknown;
  files?: string[];
  publishConfig?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  packageManager?: string;
  [field: string]: unknown;
}

/** A package of the workspace that is published (not `private`). */
export interface PublicPackage {
  /** Package name, e.g. `@weft/contextvars`. */
  name: string;
  /** Version in the workspace (what `workspace:` ranges resolve to). */
  version: string;
  /** Absolute directory of the package. */
  dir: string;
  /** Its package.json as it is in the workspace (before packing). */
  manifest: PackageManifest;
}

/** Reads and parses `<dir>/package.json`, naming the file when it is missing or not JSON. */
export function readManifest(dir: string): PackageManifest {
  const file = path.join(dir, 'package.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new WorkspaceError(`cannot read ${file}`, { cause });
  }
  try {
    return JSON.parse(text) as PackageManifest;
  } catch (cause) {
    throw new WorkspaceError(`${file} is not valid JSON`, { cause });
  }
}

/** The nearest directory at or above `from` holding a `pnpm-workspace.yaml`. */
export function findWorkspaceRoot(from: string): string {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new WorkspaceError(`no pnpm-workspace.yaml at or above ${from}`);
    dir = parent;
  }
}

/** The workspace root's folder and package.json (see {@link WorkspaceRoot}). */
export function readWorkspaceRoot(dir: string): WorkspaceRoot {
  return { dir: path.resolve(dir), manifest: readManifest(dir) };
}

/**
 * The command that runs the workspace's own pnpm (`packageManager` in the root package.json), through
 * npx so that it works where pnpm is not installed: e.g. `['npx', '--yes', 'pnpm@10.34.9']`.
 */
export function pnpmCommand(root: string): [string, ...string[]] {
  const packageManager = readManifest(root).packageManager;
  const match = /^pnpm@(\d+\.\d+\.\d+)/.exec(packageManager ?? '');
  if (!match) {
    throw new WorkspaceError(
      `the root package.json in ${root} must pin pnpm as "packageManager": "pnpm@<x.y.z>" (found ${JSON.stringify(packageManager)})`,
    );
  }
  return ['npx', '--yes', `pnpm@${match[1]}`];
}

/** Absolute path of the workspace's TypeScript compiler entry (`typescript/bin/tsc`). */
export function tscPath(root: string): string {
  try {
    return createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch (cause) {
    throw new WorkspaceError(`typescript is not installed in the workspace at ${root}; run pnpm install`, {
      cause,
    });
  }
}

/** The exact version of a root devDependency (e.g. `@types/node`), naming it when absent or a range. */
export function rootDevDependencyVersion(root: string, name: string): string {
  const spec = readManifest(root).devDependencies?.[name];
  if (!spec || !/^\d+\.\d+\.\d+$/.test(spec)) {
    throw new WorkspaceError(
      `the root package.json must pin ${name} to an exact version (found ${JSON.stringify(spec)})`,
    );
  }
  return spec;
}

/**
 * Every workspace package that is not `private`, sorted by name, as pnpm itself lists them
 * (`pnpm ls -r --depth -1 --json`), so the result always agrees with what `pnpm publish -r` sees.
 */
export async function listPublicPackages(root: string): Promise<PublicPackage[]> {
  const [file, ...args] = pnpmCommand(root);
  const { stdout } = await runCommand(file, [...args, 'ls', '--recursive', '--depth', '-1', '--json'], {
    cwd: root,
    timeoutMs: 120_000,
  });
  let listed: Array<{ name?: string; path: string; private?: boolean }>;
  try {
    listed = JSON.parse(stdout);
  } catch (cause) {
    throw new WorkspaceError(`pnpm ls printed no JSON in ${root}`, { cause });
  }
  const packages = listed
    .filter((entry) => entry.private !== true && path.resolve(entry.path) !== path.resolve(root))
    .map((entry) => {
      const manifest = readManifest(entry.path);
      if (manifest.private === true) return undefined;
      return { name: manifest.name, version: manifest.version, dir: path.resolve(entry.path), manifest };
    })
    .filter((entry): entry is PublicPackage => entry !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));
  if (packages.length === 0) throw new WorkspaceError(`the workspace at ${root} has no public package`);
  return packages;
}
