import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConsumerCheckError,
  checkInstalledPackages,
  type PackageSource,
  verdaccioConfig,
} from '../src/index.js';

const cleanup: string[] = [];
afterEach(() => {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const registry: PackageSource = {
  label: 'http://127.0.0.1:4873/',
  matches: (resolved) => resolved === undefined || resolved.startsWith('http://127.0.0.1:4873/'),
};

/** A consumer project with the given lockfile entries and installed package versions. */
function project(lock: Record<string, object>, installed: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-consumer-checks-'));
  cleanup.push(dir);
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ packages: { '': {}, ...lock } }));
  for (const [name, version] of Object.entries(installed)) {
    mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
    writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
  }
  return dir;
}

describe('checkInstalledPackages', () => {
  it('accepts single copies at the version and integrity the registry publishes', () => {
    const dir = project(
      { 'node_modules/@weft/runner': { version: '1.1.0', integrity: 'sha512-good' } },
      { '@weft/runner': '1.1.0' },
    );
    expect(() =>
      checkInstalledPackages(
        dir,
        [{ name: '@weft/runner', version: '1.1.0', integrity: 'sha512-good' }],
        registry,
      ),
    ).not.toThrow();
  });

  it('names every package that is missing, stale, from elsewhere, other bytes, a link or a duplicate', () => {
    const dir = project(
      {
        'node_modules/@weft/runner': { version: '1.0.0', integrity: 'sha512-old' },
        'node_modules/@weft/executor': { version: '1.1.0', resolved: 'https://registry.npmjs.org/x.tgz' },
        'node_modules/@weft/contextvars': { version: '1.1.0', link: true },
        'node_modules/@weft/executor/node_modules/@weft/contextvars': { version: '1.0.0' },
      },
      { '@weft/runner': '1.0.0', '@weft/executor': '1.1.0' },
    );
    mkdirSync(path.join(dir, 'node_modules', '@weft'), { recursive: true });
    symlinkSync(tmpdir(), path.join(dir, 'node_modules', '@weft', 'contextvars'));
    const check = () =>
      checkInstalledPackages(
        dir,
        [
          { name: '@weft/runner', version: '1.1.0', integrity: 'sha512-new' },
          { name: '@weft/executor', version: '1.1.0' },
          { name: '@weft/contextvars', version: '1.1.0' },
          { name: '@weft/distributed', version: '1.1.0' },
        ],
        registry,
      );
    expect(check).toThrow(ConsumerCheckError);
    expect(check).toThrow(
      [
        `the consumer project in ${dir} is wrong:`,
        '  - @weft/runner was installed with integrity sha512-old, but http://127.0.0.1:4873/ publishes sha512-new',
        '  - @weft/runner installed as 1.0.0, expected 1.1.0',
        '  - node_modules/@weft/runner/package.json says version 1.0.0, expected 1.1.0',
        '  - @weft/executor was resolved from https://registry.npmjs.org/x.tgz, not from http://127.0.0.1:4873/',
        '  - @weft/contextvars is a link, not an installed copy',
        '  - node_modules/@weft/contextvars/package.json says version (unreadable), expected 1.1.0',
        '  - @weft/contextvars is installed more than once: node_modules/@weft/executor/node_modules/@weft/contextvars',
        '  - @weft/distributed is not installed at node_modules/@weft/distributed',
      ].join('\n'),
    );
  });
});

describe('verdaccioConfig', () => {
  it('keeps everything in the given folder, proxies nothing, serves one scope, allows one user', () => {
    const config = verdaccioConfig('/tmp/reg', '@weft');
    expect(config).toMatchObject({
      storage: '/tmp/reg/storage',
      auth: { htpasswd: { file: '/tmp/reg/htpasswd', max_users: 1 } },
      uplinks: {},
      packages: { '@weft/*': { access: '$all', publish: '$authenticated' } },
    });
    expect(Object.keys(config.packages as object)).toEqual(['@weft/*']);
  });
});
