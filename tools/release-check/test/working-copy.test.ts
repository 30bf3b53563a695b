import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cloneWorkingTree, WorkspaceError, workingCopyEnv } from '../src/index.js';

const cleanup: string[] = [];
afterEach(() => {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: workingCopyEnv(), encoding: 'utf8' }).trim();
}

function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-working-copy-'));
  cleanup.push(dir);
  return dir;
}

describe('cloneWorkingTree', () => {
  it('copies the commit plus uncommitted edits, deletions and untracked files, and leaves the source alone', async () => {
    const source = path.join(scratch(), 'source');
    mkdirSync(path.join(source, 'src'), { recursive: true });
    git(path.dirname(source), 'init', '--quiet', source);
    writeFileSync(path.join(source, '.gitignore'), 'ignored.txt\n');
    writeFileSync(path.join(source, 'src', 'kept.ts'), 'export const kept = 1;\n');
    writeFileSync(path.join(source, 'src', 'edited.ts'), 'export const edited = 1;\n');
    writeFileSync(path.join(source, 'src', 'deleted.ts'), 'export const deleted = 1;\n');
    writeFileSync(path.join(source, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    git(source, 'add', '--all');
    git(source, 'commit', '--quiet', '-m', 'first');
    const head = git(source, 'rev-parse', 'HEAD');

    writeFileSync(path.join(source, 'src', 'edited.ts'), 'export const edited = 2;\n');
    rmSync(path.join(source, 'src', 'deleted.ts'));
    writeFileSync(path.join(source, 'src', 'new.ts'), 'export const added = 1;\n');
    writeFileSync(path.join(source, 'ignored.txt'), 'not for the copy\n');
    symlinkSync(tmpdir(), path.join(source, 'shared-cache'));
    const statusBefore = git(source, 'status', '--porcelain');

    const dest = path.join(path.dirname(source), 'copy');
    const copy = await cloneWorkingTree(path.join(source, 'src'), dest);

    expect(copy).toEqual({
      dir: dest,
      baseCommit: head,
      carried: ['src/deleted.ts', 'src/edited.ts', 'src/new.ts'],
    });
    expect(readFileSync(path.join(dest, 'src', 'edited.ts'), 'utf8')).toBe('export const edited = 2;\n');
    expect(readFileSync(path.join(dest, 'src', 'new.ts'), 'utf8')).toBe('export const added = 1;\n');
    expect(existsSync(path.join(dest, 'src', 'deleted.ts'))).toBe(false);
    expect(existsSync(path.join(dest, 'ignored.txt'))).toBe(false);
    expect(existsSync(path.join(dest, 'shared-cache'))).toBe(false);
    expect(statSync(path.join(dest, 'run.sh')).mode & 0o111).not.toBe(0);
    expect(git(dest, 'status', '--porcelain'), 'the copy is committed and clean').toBe('');
    expect(git(dest, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(git(dest, 'log', '--format=%s')).toBe('Working tree under test\nfirst');
    expect(git(source, 'status', '--porcelain')).toBe(statusBefore);
    expect(git(source, 'rev-parse', 'HEAD')).toBe(head);
  });

  it('makes no extra commit for a clean working tree', async () => {
    const source = path.join(scratch(), 'source');
    git(path.dirname(source), 'init', '--quiet', source);
    writeFileSync(path.join(source, 'a.txt'), 'a\n');
    git(source, 'add', '--all');
    git(source, 'commit', '--quiet', '-m', 'only');
    const copy = await cloneWorkingTree(source, path.join(path.dirname(source), 'copy'));
    expect(copy.carried).toEqual([]);
    expect(git(copy.dir, 'log', '--format=%s')).toBe('only');
  });

  it('names a folder that is not in a git working tree', async () => {
    const outside = scratch();
    await expect(cloneWorkingTree(outside, path.join(outside, 'copy'))).rejects.toThrow(WorkspaceError);
    await expect(cloneWorkingTree(outside, path.join(outside, 'copy'))).rejects.toThrow(
      `${outside} is not inside a git working tree`,
    );
  });
});
