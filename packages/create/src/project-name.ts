/**
 * The project's package name: the folder's name made valid for `package.json` (lower case, no
 * spaces), or the one given, checked by npm's own rules (`validate-npm-package-name`).
 *
 * @module
 */
import validate from 'validate-npm-package-name';
import { CreateUsageError } from './errors.js';

/**
 * A package name from a folder name: lower case, runs of characters npm does not allow become
 * `-`, no leading `.`, `_` or `-`.
 *
 * @example
 * ```ts
 * toPackageName('My Spaceflights'); // 'my-spaceflights'
 * ```
 */
export function toPackageName(folderName: string): string {
  return folderName
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+/, '')
    .replace(/-+$/, '');
}

/**
 * Checks a package name as npm would for a new package.
 *
 * @throws {CreateUsageError} listing npm's objections.
 */
export function checkPackageName(name: string, source: string): string {
  const result = validate(name);
  if (result.validForNewPackages) return name;
  const problems = [...(result.errors ?? []), ...(result.warnings ?? [])];
  throw new CreateUsageError(
    `${source}: '${name}' is not a valid package name (${problems.join('; ')}); give one with --name`,
  );
}
