/**
 * The metadata a published package carries for the people and tools that find it on a registry:
 * licence (field and file), where its source lives, how to find it and where to report bugs. The
 * workspace root's package.json is the single source for the values every package shares.
 *
 * @module
 */
import path from 'node:path';
import type { PackageManifest } from './workspace.js';

/** The workspace root as the metadata checks see it: its folder and its package.json. */
export interface WorkspaceRoot {
  /** Absolute folder of the workspace (the one holding pnpm-workspace.yaml). */
  dir: string;
  /** The root package.json: its `license`, `repository.url` and `bugs` are what every package must repeat. */
  manifest: PackageManifest;
}

/** File names npm and pnpm recognise as a licence text. */
const LICENSE_FILE = /^(LICEN[CS]E|COPYING)(\.(md|txt))?$/i;

/**
 * Every metadata rule a package breaks, one readable line each (empty when it follows all):
 *
 * - `description`: a non-empty string;
 * - `keywords`: a non-empty array of non-empty strings;
 * - `license`: the root's SPDX identifier, and a licence file in the tarball (pnpm copies the
 *   root `LICENSE` into each package it packs);
 * - `repository`: `{ type: 'git', url: <root's url>, directory: <the package's folder> }`, so npm
 *   links to the package's folder in the monorepo;
 * - `homepage`: an `https://` URL; `bugs`: the root's.
 *
 * `files` lists the tarball's paths relative to the package root; `packageDir` is the package's
 * absolute folder in the workspace.
 */
export function checkPackageMetadata(
  manifest: PackageManifest,
  files: readonly string[],
  packageDir: string,
  root: WorkspaceRoot,
): string[] {
  const problems: string[] = [];
  const rootLicense = root.manifest.license;
  const rootRepository = root.manifest.repository as { url?: unknown } | undefined;
  const rootFile = path.join(root.dir, 'package.json');
  if (typeof rootLicense !== 'string' || rootLicense === '') {
    problems.push(`the workspace root ${rootFile} has no "license": it is the licence every package states`);
  }
  if (typeof rootRepository?.url !== 'string') {
    problems.push(`the workspace root ${rootFile} has no "repository.url": every package points at it`);
  }

  if (typeof manifest.description !== 'string' || manifest.description.trim() === '') {
    problems.push('"description" is missing or empty (npm search shows it)');
  }
  const keywords = manifest.keywords;
  if (
    !Array.isArray(keywords) ||
    keywords.length === 0 ||
    keywords.some((k) => typeof k !== 'string' || k.trim() === '')
  ) {
    problems.push(`"keywords" is ${JSON.stringify(keywords)}, expected a non-empty list of words`);
  }

  if (typeof rootLicense === 'string' && manifest.license !== rootLicense) {
    problems.push(
      `"license" is ${JSON.stringify(manifest.license)}, expected "${rootLicense}" (as the root)`,
    );
  }
  if (!files.some((file) => LICENSE_FILE.test(file))) {
    problems.push('no LICENSE file in the tarball (pnpm packs the workspace root LICENSE: is it there?)');
  }

  const directory = path.relative(root.dir, packageDir).split(path.sep).join('/');
  const expectedRepository = {
    type: 'git',
    ...(typeof rootRepository?.url === 'string' ? { url: rootRepository.url } : {}),
    directory,
  };
  const repository = manifest.repository as Record<string, unknown> | undefined;
  if (
    typeof repository !== 'object' ||
    repository === null ||
    repository.type !== expectedRepository.type ||
    (expectedRepository.url !== undefined && repository.url !== expectedRepository.url) ||
    repository.directory !== directory
  ) {
    problems.push(
      `"repository" is ${JSON.stringify(repository)}, expected ${JSON.stringify(expectedRepository)}`,
    );
  }

  const homepage = manifest.homepage;
  if (typeof homepage !== 'string' || !homepage.startsWith('https://')) {
    problems.push(`"homepage" is ${JSON.stringify(homepage)}, expected an https:// URL`);
  }
  if (
    root.manifest.bugs !== undefined &&
    JSON.stringify(manifest.bugs) !== JSON.stringify(root.manifest.bugs)
  ) {
    problems.push(
      `"bugs" is ${JSON.stringify(manifest.bugs)}, expected ${JSON.stringify(root.manifest.bugs)} (as the root)`,
    );
  }
  return problems;
}
