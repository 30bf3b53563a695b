import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, UsageError } from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-conf-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function files(map: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(map)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

const conf = () => join(dir, 'conf');

describe('loadConfig (OmegaConfigLoader rules)', () => {
  it('merges the files of a kind in an environment, and the run environment replaces top-level keys', async () => {
    await files({
      'conf/base/parameters.yml': 'model:\n  alpha: 1\n  beta: 2\nseed: 7\n',
      'conf/base/parameters/extra.yml': 'extra: true\n',
      'conf/base/catalog.yml': 'a:\n  type: MemoryDataset\n',
      'conf/local/parameters.yml': 'model:\n  alpha: 5\n',
      'conf/base/logging.yml': 'version: 1\n',
    });
    const c = await loadConfig({ confSource: conf() });
    expect(c.parameters).toEqual({ model: { alpha: 5 }, seed: 7, extra: true });
    expect(c.catalog).toEqual({ a: { type: 'MemoryDataset' } });
    expect(c.envs).toEqual(['base', 'local']);
    expect(c.files).not.toContain('conf/base/logging.yml');
    const soft = await loadConfig({ confSource: conf(), mergeStrategy: { parameters: 'soft' } });
    expect(soft.parameters).toEqual({ model: { alpha: 5, beta: 2 }, seed: 7, extra: true });
  });

  it('resolves ${...}, ${globals:...}, ${runtime_params:...} with defaults and types, drops _keys', async () => {
    await files({
      'conf/base/globals.yml': 'bucket: data\nsizes:\n  small: 10\n',
      'conf/base/catalog.yml': [
        '_root: ${globals:bucket}/raw',
        'cars:',
        '  type: CSVDataset',
        '  filepath: ${_root}/cars.csv',
        '  load_args:',
        '    to_line: ${globals:sizes.small}',
        '    from_line: ${runtime_params:first, 1}',
        '  metadata:',
        '    literal: \\${not_interpolated}',
        '',
      ].join('\n'),
      'conf/base/parameters.yml':
        'n: ${runtime_params:n}\nlabel: run-${runtime_params:n}\nwhole: ${globals:sizes}\n',
    });
    const c = await loadConfig({ confSource: conf(), runtimeParams: { n: 3 } });
    expect(c.catalog).toEqual({
      cars: {
        type: 'CSVDataset',
        filepath: 'data/raw/cars.csv',
        load_args: { to_line: 10, from_line: 1 },
        metadata: { literal: '${not_interpolated}' },
      },
    });
    expect(c.parameters).toEqual({ n: 3, label: 'run-3', whole: { small: 10 } });
  });

  it('allows ${oc.env:...} in credentials only', async () => {
    await files({
      'conf/local/credentials.yml': 'db:\n  password: ${oc.env:WEFT_PW, none}\n  user: ${oc.env:WEFT_USER}\n',
    });
    const c = await loadConfig({ confSource: conf(), environ: { WEFT_USER: 'ada' } });
    expect(c.credentials).toEqual({ db: { password: 'none', user: 'ada' } });
    await files({ 'conf/base/parameters.yml': 'home: ${oc.env:HOME}\n' });
    await expect(loadConfig({ confSource: conf(), environ: { WEFT_USER: 'ada' } })).rejects.toThrow(
      "conf/base/parameters.yml:1:1: '${oc.env:...}' is only allowed in credentials",
    );
  });

  it('names the file and line of a key defined twice in one environment, and of a cycle', async () => {
    await files({ 'conf/base/parameters.yml': 'a: 1\n', 'conf/base/parameters_b.yml': 'x: 0\na: 2\n' });
    await expect(loadConfig({ confSource: conf() })).rejects.toThrow(
      "conf/base/parameters_b.yml:2:1: 'a' is defined twice in the base environment: also in conf/base/parameters.yml:1",
    );
    await files({ 'conf/base/parameters_b.yml': 'x: ${y}\ny: ${x}\n' });
    await expect(loadConfig({ confSource: conf() })).rejects.toThrow(ConfigError);
    await expect(loadConfig({ confSource: conf() })).rejects.toThrow('interpolation cycle');
  });

  it('--env picks conf/<env> instead of conf/local; a missing one is named with those there are', async () => {
    await files({
      'conf/base/parameters.yml': 'where: base\n',
      'conf/local/parameters.yml': 'where: local\n',
      'conf/staging/parameters.yml': 'where: staging\n',
    });
    expect((await loadConfig({ confSource: conf() })).parameters).toEqual({ where: 'local' });
    expect((await loadConfig({ confSource: conf(), env: 'staging' })).parameters).toEqual({
      where: 'staging',
    });
    await expect(loadConfig({ confSource: conf(), env: 'prod' })).rejects.toThrow(UsageError);
    await expect(loadConfig({ confSource: conf(), env: 'prod' })).rejects.toThrow(
      '--env prod: there is no conf/prod/ folder. Environments: base, local, staging',
    );
    await expect(loadConfig({ confSource: conf(), env: 'base' })).rejects.toThrow(
      "'base' is the base environment",
    );
  });

  it('locates keys for messages: the environment that won, else the base', async () => {
    await files({
      'conf/base/catalog.yml': 'a:\n  type: X\nb:\n  type: Y\n  load_args:\n    k: 1\n',
      'conf/local/catalog.yml': '\n\nb:\n  type: Z\n',
    });
    const c = await loadConfig({ confSource: conf() });
    expect(c.locate('catalog', ['a', 'type'])).toEqual({ file: 'conf/base/catalog.yml', line: 2, column: 3 });
    expect(c.locate('catalog', ['b', 'type'])).toEqual({
      file: 'conf/local/catalog.yml',
      line: 4,
      column: 3,
    });
  });
});
