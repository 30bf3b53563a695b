import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AbstractDataset,
  CSVDataset,
  DataCatalog,
  DatasetConfigError,
  DatasetNotFoundError,
  JSONDataset,
  type MemoryDataset,
  MissingInputsError,
  node,
  pipeline,
  SequentialRunner,
} from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-catalog-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function configError(fn: () => unknown): DatasetConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetConfigError);
    return error as DatasetConfigError;
  }
  throw new Error('expected a DatasetConfigError');
}

describe('DataCatalog.fromConfig: Kedro keys', () => {
  it('passes load_args and save_args to CSVDataset, snake_case or camelCase', async () => {
    await writeFile(join(dir, 'in.csv'), 'a;b\n1;2\n');
    const catalog = DataCatalog.fromConfig({
      snake: { type: 'CSVDataset', filepath: join(dir, 'in.csv'), load_args: { delimiter: ';' } },
      camel: { type: 'CSVDataset', filepath: join(dir, 'in.csv'), loadArgs: { sep: ';' } },
      out: {
        type: 'pandas.CSVDataset',
        filepath: join(dir, 'out.csv'),
        save_args: { delimiter: '|', index: false },
      },
    });
    expect(await catalog.load('snake')).toEqual([{ a: '1', b: '2' }]);
    expect(await catalog.load('camel')).toEqual([{ a: '1', b: '2' }]);
    await catalog.save('out', [{ a: 1, b: 2 }]);
    expect(await readFile(join(dir, 'out.csv'), 'utf8')).toBe('a|b\n1|2\n');
  });

  it('passes save_args to JSONDataset', async () => {
    const catalog = DataCatalog.fromConfig({
      j: { type: 'json.JSONDataset', filepath: join(dir, 'j.json'), save_args: { indent: 0 } },
    });
    await catalog.save('j', { a: [1] });
    expect(await readFile(join(dir, 'j.json'), 'utf8')).toBe('{"a":[1]}\n');
  });

  it.each([
    [{ type: 'CSVDataset', filepath: 'x.csv', sep: ';' }, 'sep', "CSVDataset has no option 'sep'"],
    [{ type: 'CSVDataset', filepath: 'x.csv', load_args: { foo: 1 } }, 'load_args.foo', "loadArgs 'foo'"],
    [{ type: 'CSVDataset', filepath: 'x.csv', saveArgs: { bar: 1 } }, 'saveArgs.bar', "saveArgs 'bar'"],
    [
      { type: 'JSONDataset', filepath: 'x.json', load_args: {} },
      'load_args',
      "JSONDataset has no option 'load_args'",
    ],
    [
      { type: 'JSONDataset', filepath: 'x.json', save_args: { sort_keys: true } },
      'save_args.sort_keys',
      "'sort_keys'",
    ],
    [{ type: 'ParquetDataset', filepath: 'x.pq' }, 'type', "Class 'ParquetDataset' not found"],
    [{ filepath: 'x.pq' }, 'type', "No 'type' given"],
    [{ type: 'MemoryDataset', versioned: true }, 'versioned', 'MemoryDataset cannot be versioned'],
    [
      { type: 'CSVDataset', filepath: 'x.csv', versioned: 'yes' },
      'versioned',
      "'versioned' must be true or false",
    ],
    [
      { type: 'CSVDataset', filepath: 'x.csv', load_args: {}, loadArgs: {} },
      'loadArgs',
      "'load_args' and 'loadArgs'",
    ],
    [{ type: 'CSVDataset', filepath: 'x.csv', metadata: 3 }, 'metadata', "'metadata' must be a mapping"],
    [{ type: 'CSVDataset', filepath: 'x.csv', credentials: 'c' }, 'credentials', 'takes no credentials'],
  ])('refuses %j when the catalog is built, naming the entry and key %s', (entry, key, text) => {
    const e = configError(() => DataCatalog.fromConfig({ cars: entry as never }));
    expect(e.dataset).toBe('cars');
    expect(e.key).toBe(key);
    expect(e.message).toContain("An exception occurred when parsing config for dataset 'cars':");
    expect(e.message).toContain(text);
  });

  it('checks pattern entries too, naming the pattern', () => {
    const e = configError(() =>
      DataCatalog.fromConfig({
        '{name}_csv': { type: 'CSVDataset', filepath: '{name}.csv', load_args: { x: 1 } },
      }),
    );
    expect([e.dataset, e.key]).toEqual(['{name}_csv', 'load_args.x']);
    const t = configError(() =>
      DataCatalog.fromConfig({ '{name}_csv': { type: 'CSVDataset', filepath: '{folder}/{name}.csv' } }),
    );
    expect(t.dataset).toBe('{name}_csv');
    expect(t.message).toContain('Incorrect dataset configuration provided');
  });

  it('resolves credentials by name for custom types, and names a missing one with those defined', async () => {
    class Remote extends AbstractDataset<string> {
      constructor(readonly options: { url: string; credentials: { token: string } }) {
        super();
      }
      protected _load() {
        return `${this.options.url} as ${this.options.credentials.token}`;
      }
      protected _save() {}
    }
    const catalog = DataCatalog.fromConfig(
      { api: { type: 'Remote', url: 'https://example.invalid', credentials: 'api_creds' } },
      { types: { Remote }, credentials: { api_creds: { token: 't0k' } } },
    );
    expect(await catalog.load('api')).toBe('https://example.invalid as t0k');
    const e = configError(() =>
      DataCatalog.fromConfig(
        { api: { type: 'Remote', url: 'u', credentials: 'prod_creds' } },
        { types: { Remote }, credentials: { api_creds: {}, dev: {} } },
      ),
    );
    expect(e.key).toBe('credentials');
    expect(e.message).toContain("Unable to find credentials 'prod_creds'");
    expect(e.message).toContain('Credentials defined: api_creds, dev.');
  });

  it('keeps metadata on the dataset (built-in and custom)', () => {
    const catalog = DataCatalog.fromConfig({
      cars: {
        type: 'CSVDataset',
        filepath: 'cars.csv',
        metadata: { owner: 'ops', 'kedro-viz': { layer: 'raw' } },
      },
      mem: { type: 'MemoryDataset', copy_mode: 'assign', metadata: { a: 1 } },
    });
    expect(catalog.dataset('cars').metadata).toEqual({ owner: 'ops', 'kedro-viz': { layer: 'raw' } });
    expect(catalog.dataset('mem').metadata).toEqual({ a: 1 });
    expect((catalog.dataset('mem') as MemoryDataset).copyMode).toBe('assign');
  });

  it('refuses load versions for unknown or unversioned datasets', () => {
    expect(() =>
      DataCatalog.fromConfig({ a: { type: 'CSVDataset', filepath: 'a.csv' } }, { loadVersions: { b: 'v1' } }),
    ).toThrow(DatasetNotFoundError);
    const e = configError(() =>
      DataCatalog.fromConfig({ a: { type: 'CSVDataset', filepath: 'a.csv' } }, { loadVersions: { a: 'v1' } }),
    );
    expect([e.dataset, e.key]).toEqual(['a', 'versioned']);
    expect(e.message).toContain("add 'versioned: true'");
  });

  it('refuses a versioned custom type that ignores the version option', () => {
    class Plain extends AbstractDataset<number> {
      protected _load() {
        return 1;
      }
      protected _save() {}
    }
    const catalog = DataCatalog.fromConfig({ p: { type: Plain, versioned: true } });
    expect(() => catalog.dataset('p')).toThrow('does not support versioning');
  });

  it('builds the built-ins it checks', () => {
    const catalog = DataCatalog.fromConfig({
      j: { type: 'kedro_datasets.json.JSONDataset', filepath: 'j.json' },
      c: { type: 'CSVDataset', filepath: 'c.csv' },
    });
    expect(catalog.dataset('j')).toBeInstanceOf(JSONDataset);
    expect(catalog.dataset('c')).toBeInstanceOf(CSVDataset);
  });
});

describe('parameters', () => {
  function nested(params: unknown, _x: unknown) {
    return params;
  }

  it('addParameters registers parameters and params:<key> at every depth (Kedro session)', async () => {
    const catalog = new DataCatalog({}, { parameters: { model: { alpha: 0.1, layers: { n: 3 } }, seed: 7 } });
    expect(await catalog.load('params:model.alpha')).toBe(0.1);
    expect(await catalog.load('params:model.layers.n')).toBe(3);
    expect(await catalog.load('params:model.layers')).toEqual({ n: 3 });
    expect(await catalog.load('params:seed')).toBe(7);
    expect(await catalog.load('parameters')).toEqual({ model: { alpha: 0.1, layers: { n: 3 } }, seed: 7 });
  });

  it('runs a node reading a nested params:a.b from a catalog that registered only params:a (no MissingInputsError)', async () => {
    const p = pipeline([node(nested, ['params:model.alpha', 'x'], 'y', { name: 'read_alpha' })]);
    const out = await new SequentialRunner().run(
      p,
      new DataCatalog({ 'params:model': { alpha: 0.5 }, x: 1 }),
    );
    expect(out).toEqual({ y: 0.5 });
    const fromAll = await new SequentialRunner().run(
      p,
      new DataCatalog({ parameters: { model: { alpha: 2 } }, x: 1 }),
    );
    expect(fromAll).toEqual({ y: 2 });
  });

  it('names the nearest parameter and its keys when a nested key is missing', async () => {
    const p = pipeline([node(nested, ['params:model.alpah', 'x'], 'y', { name: 'read_alpha' })]);
    const error = await new SequentialRunner()
      .run(p, new DataCatalog({ 'params:model': { alpha: 0.5, beta: 1 }, x: 1 }))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(MissingInputsError);
    expect((error as Error).message).toBe(
      "Pipeline input(s) {'params:model.alpah'} not found in the DataCatalog\n  'params:model.alpah': params:model has no key 'alpah' (its keys: alpha, beta)",
    );
  });
});
