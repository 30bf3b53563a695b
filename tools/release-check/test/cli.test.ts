import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReleaseDryArgs, UsageError } from '../src/index.js';

const root = path.resolve(import.meta.dirname, '../../..');
const cli = path.resolve(import.meta.dirname, '../src/cli.ts');

/** Runs the release:dry CLI from its TypeScript source, as pnpm would start it from `cwd`. */
function releaseDry(args: string[], cwd = root) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: root,
    env: { ...process.env, INIT_CWD: cwd, NODE_OPTIONS: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('release:dry command line', () => {
  it('accepts the "--" that pnpm passes on, as the demo does', () => {
    expect(parseReleaseDryArgs(['--', '--out', 'tarballs'])).toEqual({
      kind: 'run',
      outDir: 'tarballs',
      clean: true,
      consumer: true,
    });
    expect(parseReleaseDryArgs(['--no-clean', '--no-consumer'])).toEqual({
      kind: 'run',
      outDir: undefined,
      clean: false,
      consumer: false,
    });
    expect(parseReleaseDryArgs(['--', '-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--', '--bogus'], "unknown option '--bogus'"],
    [['--out'], "Option '--out <value>' argument missing"],
    [
      ['--', 'tarballs'],
      "unexpected argument 'tarballs': release:dry takes options only (did you mean --out tarballs?)",
    ],
    [['--', '--', '--out', 'x'], "unexpected argument '--out': release:dry takes options only"],
    [['--out', ' '], '--out needs a folder name'],
  ])('rejects %j with a UsageError that names the mistake', (args, message) => {
    expect(() => parseReleaseDryArgs(args)).toThrow(UsageError);
    expect(() => parseReleaseDryArgs(args)).toThrow(message);
  });

  it('exits 2 with one plain line, no stack trace, on a bad option', () => {
    const { status, stdout, stderr } = releaseDry(['--', '--out', 'tarballs', '--bogus']);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      "release:dry: unknown option '--bogus'\n(pnpm release:dry -- --help lists the options)\n",
    );
  });

  it('exits 2 with a plain message when the checks cannot run (no workspace here)', () => {
    const outside = tmpdir();
    const { status, stderr } = releaseDry(['--no-consumer'], outside);
    expect(status).toBe(2);
    expect(stderr).toBe(
      `release:dry: the checks could not run: [ERR_WORKSPACE_INVALID] no pnpm-workspace.yaml at or above ${outside}\n`,
    );
  });

  it('prints the usage and exits 0 on --help', () => {
    const { status, stdout } = releaseDry(['--', '--help']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: pnpm release:dry/);
    expect(stdout).toContain('--out <dir>');
  });
});
