import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AbstractDataset,
  BytesDataset,
  CSVDataset,
  DataCatalog,
  DatasetAlreadyExistsError,
  DatasetError,
  DatasetNotFoundError,
  JSONDataset,
  MemoryDataset,
  TextDataset,
} from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-catalog-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('MemoryDataset', () => {
  it('refuses to load before anything was saved, with Kedro wording', async () => {
    await expect(new MemoryDataset().load()).rejects.toThrow(
      'Data for MemoryDataset has not been saved yet.',
    );
  });

  it('deep-copies plain data on save and load by default', async () => {
    const data = { a: [1, 2], m: new Map([['k', { v: 1 }]]) };
    const ds = new MemoryDataset(data);
    data.a.push(3);
    const loaded = (await ds.load()) as typeof data;
    expect(loaded.a).toEqual([1, 2]);
    loaded.a.push(99);
    expect(((await ds.load()) as typeof data).a).toEqual([1, 2]);
    expect(((await ds.load()) as typeof data).m.get('k')).toEqual({ v: 1 });
  });

  it('assigns class instances by default (their private state cannot be cloned) and copies shallowly in copy mode', async () => {
    class Model {
      #w = 1;
      weight() {
        return this.#w;
      }
    }
    const model = new Model();
    expect(await new MemoryDataset(model).load()).toBe(model);
    const nested = { inner: { x: 1 } };
    const shallow = (await new MemoryDataset(nested, { copyMode: 'copy' }).load()) as typeof nested;
    expect(shallow).not.toBe(nested);
    expect(shallow.inner).toBe(nested.inner);
    const assigned = await new MemoryDataset(nested, { copyMode: 'assign' }).load();
    expect(assigned).toBe(nested);
    const deep = (await new MemoryDataset({ model }, { copyMode: 'deepcopy' }).load()) as { model: Model };
    expect(deep.model.weight()).toBe(1);
  });

  it('rejects unknown copy modes and saving undefined; release empties it', async () => {
    expect(() => new MemoryDataset(1, { copyMode: 'clone' as never })).toThrow(
      'Invalid copy mode: clone. Possible values are: deepcopy, copy, assign.',
    );
    const ds = new MemoryDataset(1);
    await expect(ds.save(undefined as never)).rejects.toThrow(
      "Saving 'undefined' to a 'Dataset' is not allowed",
    );
    expect(await ds.exists()).toBe(true);
    await ds.release();
    expect(await ds.exists()).toBe(false);
    expect(ds.ephemeral).toBe(true);
  });
});

describe('file datasets', () => {
  it('round-trips JSON, CSV, text and bytes, creating folders', async () => {
    const json = new JSONDataset({ filepath: join(dir, 'a/b/data.json') });
    expect(await json.exists()).toBe(false);
    await json.save({ x: [1, 2] });
    expect(await json.exists()).toBe(true);
    expect(await json.load()).toEqual({ x: [1, 2] });

    const csv = new CSVDataset({ filepath: join(dir, 'cars.csv') });
    await csv.save([
      { name: 'a', mpg: '21' },
      { name: 'b, c', mpg: '30' },
    ]);
    expect(await readFile(join(dir, 'cars.csv'), 'utf8')).toBe('name,mpg\na,21\n"b, c",30\n');
    expect(await csv.load()).toEqual([
      { name: 'a', mpg: '21' },
      { name: 'b, c', mpg: '30' },
    ]);
    const typed = new CSVDataset({ filepath: join(dir, 'cars.csv'), loadArgs: { cast: true } });
    expect(await typed.load()).toEqual([
      { name: 'a', mpg: 21 },
      { name: 'b, c', mpg: 30 },
    ]);

    const text = new TextDataset({ filepath: join(dir, 'note.txt') });
    await text.save('héllo');
    expect(await text.load()).toBe('héllo');

    const bytes = new BytesDataset({ filepath: join(dir, 'blob.bin') });
    await bytes.save(new Uint8Array([1, 2, 3]));
    expect([...(await bytes.load())]).toEqual([1, 2, 3]);
    expect(json.ephemeral).toBe(false);
  });

  it('wraps errors with Kedro wording naming the dataset', async () => {
    const json = new JSONDataset({ filepath: join(dir, 'missing.json') });
    await expect(json.load()).rejects.toThrow(
      new RegExp(
        `^Failed while loading data from dataset JSONDataset\\(filepath=${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/missing.json\\)\\.\\nError: ENOENT`,
      ),
    );
    await expect(new TextDataset({ filepath: join(dir, 't.txt') }).save(3 as never)).rejects.toThrow(
      DatasetError,
    );
  });

  it('leaves the old file intact and no temporary file when serialisation fails', async () => {
    const path = join(dir, 'data.json');
    const json = new JSONDataset({ filepath: path });
    await json.save({ version: 1 });
    await expect(json.save({ big: 10n } as never)).rejects.toThrow(
      /Failed while saving data to dataset JSONDataset/,
    );
    expect(await json.load()).toEqual({ version: 1 });
    expect(await readdir(dir)).toEqual(['data.json']);
  });

  it('never leaves a half-written file when the process is killed mid-write', async () => {
    const path = join(dir, 'big.txt');
    const old = 'old content\n';
    await writeFile(path, old);
    const moduleUrl = pathToFileURL(join(import.meta.dirname, '../src/file-datasets.ts')).href;
    // A child process writes a large file in a loop; we kill it while it writes.
    const script = `
      const { TextDataset } = await import(${JSON.stringify(moduleUrl)});
      const ds = new TextDataset({ filepath: ${JSON.stringify(path)} });
      const big = 'x'.repeat(32 * 1024 * 1024);
      process.stdout.write('ready\\n');
      for (;;) await ds.save(big);
    `;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@weft/source', '--input-type=module', '-e', script],
      {
        cwd: join(import.meta.dirname, '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const content = await readFile(path, 'utf8');
    expect(content === old || content.length === 32 * 1024 * 1024).toBe(true);
  });
});

describe('DataCatalog', () => {
  it('wraps raw values as memory datasets and loads, saves, checks and releases them', async () => {
    const catalog = new DataCatalog({ a: 1, b: new MemoryDataset() });
    expect(catalog.get('a')).toBeInstanceOf(MemoryDataset);
    expect(await catalog.load('a')).toBe(1);
    expect(await catalog.exists('b')).toBe(false);
    await catalog.save('b', 2);
    expect(await catalog.exists('b')).toBe(true);
    await catalog.release('b');
    expect(await catalog.exists('b')).toBe(false);
    expect(await catalog.exists('nothing')).toBe(false);
    expect(catalog.keys().sort()).toEqual(['a', 'b']);
  });

  it('names the dataset in errors (Kedro wording)', async () => {
    const catalog = new DataCatalog({ b: new MemoryDataset() });
    await expect(catalog.load('nope')).rejects.toThrow(DatasetNotFoundError);
    await expect(catalog.load('nope')).rejects.toThrow("Dataset 'nope' not found in the catalog");
    await expect(catalog.load('b')).rejects.toThrow('b: Data for MemoryDataset has not been saved yet.');
    await expect(catalog.confirm('b')).rejects.toThrow("Dataset 'b' does not have 'confirm' method");
    expect(() => catalog.add('b', 1)).toThrow(DatasetAlreadyExistsError);
    catalog.add('b', 5, { replace: true });
    expect(await catalog.load('b')).toBe(5);
  });

  it('calls confirm() on datasets that have it', async () => {
    class Confirmable extends MemoryDataset<number> {
      confirmed = 0;
      confirm() {
        this.confirmed++;
      }
    }
    const ds = new Confirmable(1);
    await new DataCatalog({ c: ds }).confirm('c');
    expect(ds.confirmed).toBe(1);
  });

  it('resolves factory patterns by specificity and registers the result', async () => {
    const catalog = new DataCatalog(
      {},
      {
        patterns: {
          '{default}': () => new MemoryDataset('catch-all'),
          '{name}_csv': { type: 'CSVDataset', filepath: join(dir, '{name}.csv') },
          '{namespace}.{name}_csv': { type: 'JSONDataset', filepath: join(dir, '{namespace}/{name}.json') },
        },
      },
    );
    catalog.set('cars_csv', new TextDataset({ filepath: join(dir, 'cars.txt') }));
    expect(catalog.listPatterns()).toEqual(['{namespace}.{name}_csv', '{name}_csv', '{default}']);
    expect(String(catalog.get('boats_csv'))).toBe(`CSVDataset(filepath=${join(dir, 'boats.csv')})`);
    expect(String(catalog.get('ns.boats_csv'))).toBe(`JSONDataset(filepath=${join(dir, 'ns/boats.json')})`);
    expect(catalog.get('cars_csv')).toBeInstanceOf(TextDataset);
    expect(await catalog.load('anything')).toBe('catch-all');
    expect(catalog.get('boats_csv')).toBe(catalog.get('boats_csv'));
    expect(catalog.has('planes_csv')).toBe(true);
  });

  it('orders patterns by characters outside braces, then placeholders, then name', () => {
    const f = () => new MemoryDataset();
    const catalog = new DataCatalog(
      {},
      { patterns: { '{a}_{b}': f, '{x}_y': f, 'b_{x}': f, '{a}{b}_{c}': f } },
    );
    expect(catalog.listPatterns()).toEqual(['b_{x}', '{x}_y', '{a}{b}_{c}', '{a}_{b}']);
  });

  it('rejects two catch-all patterns, non-patterns and placeholders missing from the pattern', () => {
    const f = () => new MemoryDataset();
    expect(() => new DataCatalog({}, { patterns: { cars: f } })).toThrow(
      "'cars' is not a dataset pattern (it has no {placeholder}); register it as a dataset instead.",
    );
    expect(() => new DataCatalog({}, { patterns: { '{a}': f, '{b}': f } })).toThrow(
      'Multiple catch-all patterns found in the catalog: {a}, {b}. Only one catch-all pattern is allowed, remove the extras.',
    );
    expect(
      () =>
        new DataCatalog(
          {},
          { patterns: { '{name}_csv': { type: 'CSVDataset', filepath: '{folder}/{name}.csv' } } },
        ),
    ).toThrow(
      "Incorrect dataset configuration provided. Keys used in the configuration {'{folder}'} should present in the dataset pattern name {name}_csv.",
    );
  });

  it('builds datasets from config lazily (fromConfig), custom classes included', async () => {
    let built = 0;
    class Counting extends AbstractDataset<string> {
      constructor(readonly options: { value: string }) {
        super();
        built++;
      }
      protected _load() {
        return this.options.value;
      }
      protected _save() {}
    }
    const catalog = DataCatalog.fromConfig(
      {
        greeting: { type: Counting, value: 'hi' },
        named: { type: 'Counting', value: 'named' },
        '{name}_json': { type: 'JSONDataset', filepath: join(dir, '{name}.json') },
      },
      { types: { Counting } },
    );
    expect(built).toBe(0);
    expect(await catalog.load('greeting')).toBe('hi');
    expect(await catalog.load('named')).toBe('named');
    expect(built).toBe(2);
    await catalog.save('x_json', [1]);
    expect(JSON.parse(await readFile(join(dir, 'x.json'), 'utf8'))).toEqual([1]);
    expect(() => DataCatalog.fromConfig({ bad: { type: 'ParquetDataset' } })).toThrow(
      /Class 'ParquetDataset' not found/,
    );
  });

  it('creates memory datasets for unknown names only with the runtime fallback', () => {
    const catalog = new DataCatalog();
    expect(catalog.get('x')).toBeUndefined();
    expect(catalog.get('x', { fallbackToRuntimePattern: true })).toBeInstanceOf(MemoryDataset);
    expect(catalog.keys()).toEqual(['x']);
  });
});
