import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CSVDataset,
  DataCatalog,
  DatasetError,
  generateTimestamp,
  JSONDataset,
  node,
  pipeline,
  SequentialRunner,
  TextDataset,
  VersionAlreadyExistsError,
  VersionNotFoundError,
} from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-versions-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function double(rows: { n: string }[]) {
  return rows.map((r) => ({ n: Number(r.n) * 2 }));
}

describe('generateTimestamp', () => {
  it("is Kedro's format and sorts as a string in time order", () => {
    expect(generateTimestamp(new Date(Date.UTC(2026, 11, 3, 8, 5, 42, 7)))).toBe('2026-12-03T08.05.42.007Z');
    const a = generateTimestamp(new Date(Date.UTC(2026, 0, 9, 23, 59, 59, 999)));
    const b = generateTimestamp(new Date(Date.UTC(2026, 0, 10, 0, 0, 0, 0)));
    expect([b, a].sort()).toEqual([a, b]);
  });
});

describe('versioned file datasets', () => {
  it('save to <filepath>/<version>/<name>, load the newest, and never overwrite a version', async () => {
    const filepath = join(dir, 'cars.json');
    const v1 = new JSONDataset({ filepath, version: { save: '2026-01-01T00.00.00.000Z' } });
    await v1.save({ v: 1 });
    expect(await readFile(join(filepath, '2026-01-01T00.00.00.000Z', 'cars.json'), 'utf8')).toBe(
      '{\n  "v": 1\n}\n',
    );
    await expect(v1.save({ v: 'again' })).rejects.toBeInstanceOf(VersionAlreadyExistsError);
    await expect(v1.save({ v: 'again' })).rejects.toThrow(
      `Save path '${join(filepath, '2026-01-01T00.00.00.000Z', 'cars.json')}' for JSONDataset(`,
    );
    const v2 = new JSONDataset({ filepath, version: { save: '2026-02-01T00.00.00.000Z' } });
    await v2.save({ v: 2 });
    expect(await new JSONDataset({ filepath, version: {} }).load()).toEqual({ v: 2 });
    expect(await new JSONDataset({ filepath, version: { load: '2026-01-01T00.00.00.000Z' } }).load()).toEqual(
      {
        v: 1,
      },
    );
    expect(await readFile(join(filepath, '2026-01-01T00.00.00.000Z', 'cars.json'), 'utf8')).toContain(
      '"v": 1',
    );
  });

  it('name a missing pinned version and list those there are', async () => {
    const filepath = join(dir, 'm.txt');
    await new TextDataset({ filepath, version: { save: 'v1' } }).save('one');
    await new TextDataset({ filepath, version: { save: 'v2' } }).save('two');
    const pinned = new TextDataset({ filepath, version: { load: 'v9' } });
    await expect(pinned.load()).rejects.toBeInstanceOf(VersionNotFoundError);
    await expect(pinned.load()).rejects.toThrow(
      `Did not find version 'v9' of TextDataset(filepath=${filepath}, version=Version(load=v9, save=new)): ${join(filepath, 'v9', 'm.txt')} does not exist. Versions found, newest first: v2, v1.`,
    );
    expect(await pinned.exists()).toBe(false);
    expect(await new TextDataset({ filepath, version: { load: 'v1' } }).exists()).toBe(true);
    await expect(new TextDataset({ filepath: join(dir, 'none.txt'), version: {} }).load()).rejects.toThrow(
      'Did not find any versions for TextDataset(',
    );
  });

  it('refuse a version that is not one folder name', () => {
    for (const bad of ['../x', 'a/b', '..', '', 'a\\b']) {
      expect(() => new TextDataset({ filepath: 'x.txt', version: { load: bad } })).toThrow(DatasetError);
    }
  });

  it('never overwrite a plain file at the versioned path: saving fails, loading says where versions go', async () => {
    const filepath = join(dir, 'input.csv');
    await writeFile(filepath, 'n\n1\n');
    const ds = new CSVDataset<{ n: number }[]>({ filepath, version: {} });
    await expect(ds.save([{ n: 9 }])).rejects.toThrow(
      `${filepath} is a plain file, but versioned data lives in`,
    );
    await expect(ds.load()).rejects.toThrow(VersionNotFoundError);
    await expect(ds.load()).rejects.toThrow('is a plain file');
    expect(await readFile(filepath, 'utf8')).toBe('n\n1\n');
  });
});

describe('versioned datasets in a catalog and a run', () => {
  it('one save version per catalog; outputs accumulate across runs; loadVersions pins', async () => {
    await writeFile(join(dir, 'in.csv'), 'n\n1\n2\n');
    const config = {
      input: { type: 'CSVDataset', filepath: join(dir, 'in.csv') },
      doubled: { type: 'CSVDataset', filepath: join(dir, 'doubled.csv'), versioned: true },
      copy: { type: 'JSONDataset', filepath: join(dir, 'copy.json'), versioned: true },
    };
    const p = pipeline([
      node(double, 'input', 'doubled', { name: 'double' }),
      node((rows: unknown) => rows, 'doubled', 'copy', { name: 'copy' }),
    ]);
    const first = DataCatalog.fromConfig(config, { saveVersion: '2026-01-01T00.00.00.000Z' });
    await new SequentialRunner().run(p, first);
    const second = DataCatalog.fromConfig(config);
    expect(second.saveVersion).toMatch(/^\d{4}-\d\d-\d\dT\d\d\.\d\d\.\d\d\.\d{3}Z$/);
    await new SequentialRunner().run(p, second);
    const doubled = await readdir(join(dir, 'doubled.csv'));
    const copies = await readdir(join(dir, 'copy.json'));
    expect(doubled.sort()).toEqual(['2026-01-01T00.00.00.000Z', second.saveVersion].sort());
    expect(copies.sort()).toEqual(doubled.sort());
    // the input was never touched
    expect(await readFile(join(dir, 'in.csv'), 'utf8')).toBe('n\n1\n2\n');
    const pinned = DataCatalog.fromConfig(config, { loadVersions: { doubled: '2026-01-01T00.00.00.000Z' } });
    expect(await pinned.load('doubled')).toEqual([{ n: '2' }, { n: '4' }]);
    const missing = DataCatalog.fromConfig(config, { loadVersions: { doubled: '2020-01-01T00.00.00.000Z' } });
    const error = await missing.load('doubled').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VersionNotFoundError);
    expect((error as Error).message).toMatch(/^doubled: Did not find version '2020-01-01T00\.00\.00\.000Z'/);
    expect(await DataCatalog.fromConfig(config).load('copy')).toEqual([{ n: '2' }, { n: '4' }]);
  });

  it('a run saving into an existing version fails and keeps the version as it was', async () => {
    await mkdir(join(dir, 'out.txt', 'v1'), { recursive: true });
    await writeFile(join(dir, 'out.txt', 'v1', 'out.txt'), 'old');
    const catalog = DataCatalog.fromConfig(
      { out: { type: 'TextDataset', filepath: join(dir, 'out.txt'), versioned: true } },
      { saveVersion: 'v1' },
    );
    const p = pipeline([node(() => 'new', null, 'out', { name: 'write' })]);
    await expect(new SequentialRunner().run(p, catalog)).rejects.toThrow(
      'must not exist if versioning is enabled',
    );
    expect(await readFile(join(dir, 'out.txt', 'v1', 'out.txt'), 'utf8')).toBe('old');
  });
});
