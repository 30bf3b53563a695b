/**
 * `create-weft` in this process (`runCreate` with captured output and the workspace's templates):
 * the folder from the argument or the terminal, names, package managers, what is refused.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleTemplates } from '../scripts/bundle-templates.mjs';
import {
  type CreateIO,
  detectPackageManager,
  projectCommands,
  runCreate,
  starterVersion,
  toPackageName,
} from '../src/index.js';

const templates = bundleTemplates();
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'weft-create-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function create(args: string[], options: { env?: Record<string, string>; tty?: string } = {}) {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (options.tty !== undefined) {
    stdin.isTTY = true;
    stdin.end(`${options.tty}\n`);
  } else stdin.end();
  const io: CreateIO = {
    stdin,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: options.env ?? {},
    cwd: work,
    templates,
  };
  const code = await runCreate(args, io);
  return { code, stdout, stderr };
}

describe('create-weft', () => {
  it('writes the spaceflights project: named after its folder, @weft/* at this release, next steps for npm', async () => {
    const result = await create(['Space Flights', '--no-install']);
    expect(result.code, result.stderr).toBe(0);
    const dir = join(work, 'Space Flights');
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('space-flights');
    expect(manifest.private).toBe(true);
    for (const dep of [
      '@weft/cli',
      '@weft/runner',
      '@weft/prefect-bridge',
      '@weft/executor',
      '@weft/contextvars',
    ]) {
      expect(manifest.dependencies[dep], dep).toBe(`^${starterVersion()}`);
    }
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
    expect((await readFile(join(dir, 'README.md'), 'utf8')).split('\n')[0]).toBe('# space-flights');
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toContain('.weft/');
    expect(existsSync(join(dir, 'conf', 'local', '.gitkeep'))).toBe(true);
    expect(result.stdout).toContain('Created space-flights in Space Flights: a Weft project');
    expect(result.stdout).toContain("  cd 'Space Flights'\n  npm install\n  npx weft run ");
  });

  it('asks for the folder on a terminal; Enter takes spaceflights', async () => {
    const named = await create(['--no-install'], { tty: 'asked' });
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toContain('Project folder (spaceflights): ');
    expect(existsSync(join(work, 'asked', 'src', 'pipeline-registry.ts'))).toBe(true);
    const sub = join(work, 'enter');
    await mkdir(sub);
    let stdout = '';
    const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
    stdin.isTTY = true;
    stdin.end('\n');
    const code = await runCreate(['--no-install'], {
      stdin,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => {} },
      env: {},
      cwd: sub,
      templates,
    });
    expect(code, stdout).toBe(0);
    expect(existsSync(join(sub, 'spaceflights', 'package.json'))).toBe(true);
  });

  it('words the next steps for the package manager that ran it, or the one named', async () => {
    const pnpm = await create(['with-pnpm', '--no-install'], {
      env: { npm_config_user_agent: 'pnpm/10.34.9 npm/? node/v20.20.2 linux x64' },
    });
    expect(pnpm.stdout).toContain('  pnpm install\n  pnpm weft run');
    const yarn = await create(['with-yarn', '--no-install', '--package-manager', 'yarn']);
    expect(yarn.stdout).toContain('  yarn install\n  yarn weft run');
    expect(detectPackageManager('bun/1.2.0 npm/? node/v22.0.0')).toBe('bun');
    expect(detectPackageManager('npm/10.8.2 node/v20.20.2 linux x64 workspaces/false')).toBe('npm');
    expect(detectPackageManager(undefined)).toBe('npm');
    expect(projectCommands('bun').test).toBe('bun run test');
  });

  it('--no-example writes the layout alone; --name names the package', async () => {
    const result = await create(['bare', '--no-example', '--no-install', '--name', '@acme/flights']);
    expect(result.code, result.stderr).toBe(0);
    const dir = join(work, 'bare');
    expect(JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')).name).toBe('@acme/flights');
    expect(existsSync(join(dir, 'src', 'pipelines'))).toBe(false);
    expect(existsSync(join(dir, 'data', '01_raw', '.gitkeep'))).toBe(true);
    expect(result.stdout).toContain('(the layout, no pipeline yet)');
  });

  it('refuses, writing nothing: a folder that is not empty, a bad name, no folder off a terminal, a bad option (exit 2)', async () => {
    await mkdir(join(work, 'taken'));
    await writeFile(join(work, 'taken', 'notes.txt'), 'mine\n');
    const taken = await create(['taken', '--no-install']);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain(
      `create-weft: error: ${join(work, 'taken')} is not empty (notes.txt); name a new or empty folder, nothing was written`,
    );
    expect(await readdir(join(work, 'taken'))).toEqual(['notes.txt']);

    const badName = await create(['fine', '--name', 'Not Valid', '--no-install']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(
      /--name: 'Not Valid' is not a valid package name \(.+\); give one with --name/,
    );
    expect(existsSync(join(work, 'fine'))).toBe(false);

    const noFolder = await create(['--no-install']);
    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr).toContain('name the project folder: npm create @weft@latest my-project');

    const badPm = await create(['x', '--package-manager', 'pip']);
    expect(badPm.code).toBe(2);
    expect(badPm.stderr).toContain(
      "create-weft: error: option '--package-manager <name>' argument 'pip' is invalid",
    );
  });

  it('makes a package name of any folder name', () => {
    expect(toPackageName('My Spaceflights')).toBe('my-spaceflights');
    expect(toPackageName('.hidden__proj--')).toBe('hidden__proj');
    expect(toPackageName('Ünïcode café')).toBe('n-code-caf');
  });

  it('a failed install: the project stays written, exit 1 with what to run', async () => {
    // a package manager that is not there: the install cannot run
    const result = await create(['no-pm'], {
      env: { npm_config_user_agent: 'bun/1.2.0', PATH: '/nonexistent' },
    });
    expect(result.code).toBe(1);
    expect(existsSync(join(work, 'no-pm', 'package.json'))).toBe(true);
    expect(result.stderr).toMatch(/create-weft: error: cannot run bun install/);
  });
});
