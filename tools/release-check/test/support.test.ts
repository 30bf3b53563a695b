import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CommandFailedError,
  entryPoints,
  exportParitySource,
  isolatedEnv,
  packageNameOf,
  packJson,
  ReleaseCheckError,
  runCommand,
  staleOutputs,
  unscopedName,
} from '../src/index.js';

const cleanup: string[] = [];
afterEach(() => {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('packJson', () => {
  it('finds the JSON of pnpm pack --json after the banners and output of lifecycle scripts', () => {
    const json = '[\n  {\n    "name": "@weft/create"\n  }\n]';
    const stdout = `\n> @weft/create@0.0.0 prepack /w/packages/create\n> node scripts/bundle-templates.mjs\n\n${json}\n`;
    expect(JSON.parse(packJson(stdout))).toEqual([{ name: '@weft/create' }]);
    expect(JSON.parse(packJson('{ "name": "x" }\n'))).toEqual({ name: 'x' });
    expect(packJson('no json here')).toBe('no json here');
  });
});

describe('staleOutputs', () => {
  it('lists dist files whose source is gone, and nothing else', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-stale-'));
    cleanup.push(dir);
    mkdirSync(path.join(dir, 'src/nested'), { recursive: true });
    mkdirSync(path.join(dir, 'dist/nested'), { recursive: true });
    for (const file of ['src/index.ts', 'src/nested/kept.ts']) writeFileSync(path.join(dir, file), '');
    const outputs = [
      'index.js',
      'index.d.ts',
      'nested/kept.js',
      'nested/gone.js',
      'nested/gone.d.ts.map',
      'old.js.map',
    ];
    for (const file of [...outputs, '.tsbuildinfo', 'notes.txt'])
      writeFileSync(path.join(dir, 'dist', file), '');
    expect(staleOutputs(dir)).toEqual([
      'dist/nested/gone.d.ts.map',
      'dist/nested/gone.js',
      'dist/old.js.map',
    ]);
  });

  it('is empty for a package that was never built', () => {
    expect(staleOutputs(path.join(tmpdir(), 'weft-no-such-package'))).toEqual([]);
  });
});

describe('runCommand', () => {
  it('resolves with the output of a successful command', async () => {
    const { stdout } = await runCommand(process.execPath, ['-e', 'process.stdout.write("hi")'], {
      cwd: tmpdir(),
    });
    expect(stdout).toBe('hi');
  });

  it('rejects with the command, its directory, exit code and last output', async () => {
    const failure = runCommand(process.execPath, ['-e', 'console.error("boom"); process.exit(3)'], {
      cwd: tmpdir(),
    });
    await expect(failure).rejects.toBeInstanceOf(CommandFailedError);
    const error = (await failure.catch((e: unknown) => e)) as CommandFailedError;
    expect(error).toBeInstanceOf(ReleaseCheckError);
    expect(error.code).toBe('ERR_COMMAND_FAILED');
    expect(error.name).toBe('CommandFailedError');
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain(`(in ${tmpdir()}) exited with code 3; last output:\nboom`);
  });

  it('kills a command that runs past its time limit', async () => {
    const failure = runCommand(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      cwd: tmpdir(),
      timeoutMs: 300,
    });
    await expect(failure).rejects.toThrow(/was killed after 300 ms/);
  });
});

describe('isolatedEnv', () => {
  it('drops what a package manager injects for its project, keeps machine settings', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        npm_config_local_prefix: '/repo',
        npm_package_name: 'weft',
        npm_lifecycle_event: 'test',
        PNPM_PACKAGE_NAME: 'weft',
        INIT_CWD: '/repo',
        NODE_OPTIONS: '--conditions=@weft/source',
        npm_config_registry: 'https://registry.example/',
        npm_config_cache: '/cache',
      });
      const env = isolatedEnv({ EXTRA: '1' });
      for (const key of [
        'npm_config_local_prefix',
        'npm_package_name',
        'npm_lifecycle_event',
        'PNPM_PACKAGE_NAME',
        'INIT_CWD',
        'NODE_OPTIONS',
      ]) {
        expect(env[key]).toBeUndefined();
      }
      expect(env.npm_config_registry).toBe('https://registry.example/');
      expect(env.npm_config_cache).toBe('/cache');
      expect(env.EXTRA).toBe('1');
      expect(env.PATH).toBe(process.env.PATH);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

describe('consumer helpers', () => {
  it('list the entry points of a package from its exports map', () => {
    const manifest = {
      name: '@weft/bridge',
      version: '1.0.0',
      exports: {
        '.': './dist/index.js',
        './testing': './dist/testing.js',
        './package.json': './package.json',
        './*': './dist/*.js',
      },
    };
    expect(entryPoints(manifest)).toEqual(['@weft/bridge', '@weft/bridge/testing']);
    expect(entryPoints({ name: 'plain', version: '1.0.0', exports: { import: './index.js' } })).toEqual([
      'plain',
    ]);
    expect(entryPoints({ name: 'old', version: '1.0.0' })).toEqual(['old']);
    expect(packageNameOf('@weft/bridge/testing')).toBe('@weft/bridge');
    expect(packageNameOf('plain/sub/path')).toBe('plain');
  });

  it('strip the scope from a package name', () => {
    expect(unscopedName('@weft/prefect-bridge')).toBe('prefect-bridge');
    expect(unscopedName('plain')).toBe('plain');
  });

  it('write an export-parity file typed by the declarations', () => {
    expect(exportParitySource('@weft/x', ['a', 'B'])).toBe(
      [
        "import type * as ns from '@weft/x';",
        '',
        '// Runtime exports of @weft/x; tsc rejects any name missing from, or extra to, its declarations.',
        'export const exportsOf: Record<keyof typeof ns, true> = {',
        '  "a": true,',
        '  "B": true,',
        '};',
        '',
      ].join('\n'),
    );
  });
});
