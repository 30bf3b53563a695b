/**
 * A private copy of the repository to release from: `git clone` of the working tree's commit plus
 * its uncommitted changes (tracked edits, deletions and untracked files that git does not ignore),
 * committed in the copy, so that a release test exercises what is on disk and never touches the
 * working tree it was started from.
 *
 * @module
 */
import { copyFileSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkspaceError } from './errors.js';
import { isolatedEnv, runCommand } from './run-command.js';

/** Who commits and tags in a working copy (no git identity is needed on the machine). */
export const WORKING_COPY_IDENTITY = {
  GIT_AUTHOR_NAME: 'Weft release test',
  GIT_AUTHOR_EMAIL: 'release-test@weft.invalid',
  GIT_COMMITTER_NAME: 'Weft release test',
  GIT_COMMITTER_EMAIL: 'release-test@weft.invalid',
} as const;

/** The environment of git, pnpm and npm commands run in a working copy: isolated, with a git identity. */
export function workingCopyEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return isolatedEnv({ ...WORKING_COPY_IDENTITY, ...extra });
}

/** What {@link cloneWorkingTree} carried over besides the commit. */
export interface WorkingCopy {
  /** The copy's folder. */
  dir: string;
  /** The commit of the source working tree the copy starts from. */
  baseCommit: string;
  /** Uncommitted files brought over (changed, added or deleted), relative to the root; empty when clean. */
  carried: string[];
}

/**
 * Clones the repository of `source` (a working tree, possibly a linked worktree) into `dest` (must
 * not exist), applies the working tree's uncommitted changes and untracked, non-ignored regular
 * files, and commits them in the copy as "Working tree under test". Symbolic links that git does
 * not track (e.g. a shared `.cache` link) are left behind.
 *
 * @throws {WorkspaceError} when `source` is not inside a git working tree.
 * @throws {CommandFailedError} when a git command fails.
 */
export async function cloneWorkingTree(source: string, dest: string): Promise<WorkingCopy> {
  const git = (cwd: string, args: string[], timeoutMs = 120_000) =>
    runCommand('git', args, { cwd, env: workingCopyEnv(), timeoutMs });
  let top: string;
  try {
    top = (await git(source, ['rev-parse', '--show-toplevel'])).stdout.trim();
  } catch (cause) {
    throw new WorkspaceError(`${source} is not inside a git working tree`, { cause });
  }
  const baseCommit = (await git(top, ['rev-parse', 'HEAD'])).stdout.trim();
  await git(path.dirname(dest), ['clone', '--quiet', '--no-checkout', top, dest], 300_000);
  await git(dest, ['checkout', '--quiet', '-B', 'main', baseCommit]);

  const carried = new Set<string>();
  const patch = (await git(top, ['diff', 'HEAD', '--binary'])).stdout;
  if (patch.trim() !== '') {
    const patchFile = path.join(dest, '.git', 'working-tree.patch');
    writeFileSync(patchFile, patch);
    await git(dest, ['apply', '--binary', '--whitespace=nowarn', patchFile]);
    for (const file of (await git(top, ['diff', 'HEAD', '--name-only', '-z'])).stdout.split('\0')) {
      if (file) carried.add(file);
    }
  }
  const untracked = (await git(top, ['ls-files', '--others', '--exclude-standard', '-z'])).stdout
    .split('\0')
    .filter((file) => file !== '');
  for (const file of untracked) {
    const from = path.join(top, file);
    if (!lstatSync(from).isFile()) continue;
    mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    copyFileSync(from, path.join(dest, file));
    carried.add(file);
  }
  if (carried.size > 0) {
    await git(dest, ['add', '--all']);
    await git(dest, ['commit', '--quiet', '--no-verify', '-m', 'Working tree under test']);
  }
  return { dir: dest, baseCommit, carried: [...carried].sort() };
}
