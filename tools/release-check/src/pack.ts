/**
 * Packing public packages with the workspace's pinned pnpm, which (unlike `npm pack`) rewrites
 * `workspace:` ranges to real versions and applies `publishConfig` overrides such as `exports`.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { unpack } from '@publint/pack';
import { PackedPackageError, WorkspaceError } from './errors.js';
import { runCommand } from './run-command.js';
import { type PackageManifest, type PublicPackage, pnpmCommand } from './workspace.js';

/** A tarball as the registry would receive it. */
export interface PackedTarball {
  /** The package it was packed from. */
  package: PublicPackage;
  /** Absolute path of the `.tgz`. */
  tarball: string;
  /** The package.json inside the tarball (after pnpm's rewriting). */
  manifest: PackageManifest;
  /** Paths of the packed files, relative to the package root (`dist/index.js`, `package.json`, ...). */
  files: string[];
  /** Size of the `.tgz` in bytes. */
  size: number;
}

/**
 * Reads a `.tgz` produced by `pnpm pack` / `npm pack`: its file list and its package.json.
 * Rejects, naming the tarball, when it holds no package.json.
 */
export async function readTarball(
  tarball: string,
): Promise<{ manifest: PackageManifest; files: string[]; bytes: Uint8Array }> {
  const bytes = new Uint8Array(readFileSync(tarball));
  const { files, rootDir } = await unpack(bytes);
  const prefix = `${rootDir}/`;
  const relative = files.map((file) =>
    file.name.startsWith(prefix) ? file.name.slice(prefix.length) : file.name,
  );
  const manifestIndex = relative.indexOf('package.json');
  const manifestFile = manifestIndex === -1 ? undefined : files[manifestIndex];
  if (!manifestFile)
    throw new PackedPackageError(path.basename(tarball), ['the tarball holds no package.json']);
  const manifest = JSON.parse(new TextDecoder().decode(manifestFile.data)) as PackageManifest;
  return { manifest, files: relative.sort(), bytes };
}

/**
 * The JSON document of `pnpm pack --json`'s output: pnpm prints the banners of lifecycle scripts
 * (`> @weft/create@1.0.0 prepack …` and the script's own output) on stdout too, before it.
 */
export function packJson(stdout: string): string {
  const start = stdout.search(/^[[{]/m);
  if (start === -1) return stdout;
  const ends = [...stdout.matchAll(/^[\]}]\s*$/gm)];
  const end = ends.length === 0 ? stdout.length : (ends[ends.length - 1]?.index ?? stdout.length) + 1;
  return stdout.slice(start, end);
}

/**
 * Packs every given package into `destination` with one `pnpm --filter ... pack --json` run and reads
 * each tarball back. The order of the result follows `packages`.
 */
export async function packPackages(
  root: string,
  packages: readonly PublicPackage[],
  destination: string,
): Promise<PackedTarball[]> {
  const [file, ...pnpmArgs] = pnpmCommand(root);
  const filters = packages.flatMap((pkg) => ['--filter', pkg.name]);
  const { stdout } = await runCommand(
    file,
    [...pnpmArgs, ...filters, 'pack', '--pack-destination', destination, '--json'],
    { cwd: root, timeoutMs: 180_000 },
  );
  let reported: unknown;
  try {
    reported = JSON.parse(packJson(stdout));
  } catch (cause) {
    throw new WorkspaceError(`pnpm pack --json printed no JSON:\n${stdout}`, { cause });
  }
  const entries = (Array.isArray(reported) ? reported : [reported]) as Array<{
    name: string;
    filename: string;
  }>;
  const results: PackedTarball[] = [];
  for (const pkg of packages) {
    const entry = entries.find((e) => e.name === pkg.name);
    if (!entry) throw new WorkspaceError(`pnpm pack produced no tarball for ${pkg.name}`);
    const tarball = path.resolve(destination, entry.filename);
    const { manifest, files, bytes } = await readTarball(tarball);
    results.push({ package: pkg, tarball, manifest, files, size: bytes.byteLength });
  }
  return results;
}
