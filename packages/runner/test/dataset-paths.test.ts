/**
 * A dataset factory placeholder filled from a dataset name can never take a file path out of the
 * pattern's folder, whatever the spelling of the name: through catalog.save, through a node's
 * output name, and through any string of the pattern's config. Kedro allows it; Weft refuses it
 * with an error naming the dataset, the pattern and the value, and writes nothing.
 */
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DataCatalog,
  DatasetError,
  JSONDataset,
  MemoryDataset,
  node,
  pipeline,
  SequentialRunner,
} from '../src/index.js';
import { identity } from './fixtures/nodes.js';

let root: string;
let data: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'weft-paths-'));
  data = join(root, 'data', 'nested');
  await mkdir(data, { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every file under `root`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

function catalogFor(folder: string): DataCatalog {
  return DataCatalog.fromConfig({
    '{name}_json': { type: 'JSONDataset', filepath: `${folder}/{name}.json` },
  });
}

const ESCAPES: readonly string[] = [
  '../../escaped',
  '..',
  'a/../../../escaped',
  '/tmp/escaped',
  '..\\..\\escaped',
  'a\\b',
  '%2e%2e%2fescaped',
  '%2E%2E/escaped',
  '..%2fescaped',
  '%252e%252e%252fescaped',
  'a\u0000b',
  'line\nbreak',
  '\uff0e\uff0e\uff0fescaped', // fullwidth dots and slash: '../escaped' after NFKC
  '\uff0e\uff0e/escaped',
  'C:/escaped',
  'c:escaped',
];

describe('dataset factory paths', () => {
  it.each(ESCAPES)('refuses the value %j through catalog.save, writing nothing', async (value) => {
    const catalog = catalogFor(data);
    const name = `${value}_json`;
    const err = await catalog.save(name, { x: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).code).toBe('ERR_DATASET_PATH');
    expect((err as Error).message).toContain(
      `Dataset '${name}' cannot be created from pattern '{name}_json'`,
    );
    expect((err as Error).message).toContain(`of {name}`);
    expect(await filesUnder(root)).toEqual([]);
    expect(catalog.has(name)).toBe(true); // the pattern matches; only building the dataset is refused
  });

  it('refuses a node output whose name would escape, before any node runs', async () => {
    const p = pipeline([
      node(identity, 'x', 'fine_json', { name: 'first' }),
      node(identity, 'fine_json', '../../escaped_json', { name: 'second' }),
    ]);
    const catalog = catalogFor(data);
    catalog.set('x', 1);
    const err = await new SequentialRunner().run(p, catalog).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(
      /^Dataset '\.\.\/\.\.\/escaped_json' cannot be created from pattern '\{name\}_json': 'filepath' would be ".*\/data\/nested\/\.\.\/\.\.\/escaped\.json", but the value "\.\.\/\.\.\/escaped" of \{name\} holds a '\.\.' segment\./,
    );
    expect(await filesUnder(root)).toEqual([]);
  });

  it('refuses a folder below the pattern folder that is a symbolic link out of it', async () => {
    const outside = join(root, 'outside');
    await mkdir(outside);
    await symlink(outside, join(data, 'link'));
    const catalog = catalogFor(data);
    const err = await catalog.save('link/secret_json', 1).catch((e: unknown) => e);
    expect((err as DatasetError).code).toBe('ERR_DATASET_PATH');
    expect((err as Error).message).toContain(
      `folder ${JSON.stringify(join(data, 'link'))} is a symbolic link that leads out of it`,
    );
    expect(await filesUnder(outside)).toEqual([]);
  });

  it('checks placeholders in folder position', async () => {
    const catalog = DataCatalog.fromConfig({
      '{layer}__{name}': { type: 'JSONDataset', filepath: `${data}/{layer}/{name}.json` },
    });
    const err = await catalog.save('..__cars', 1).catch((e: unknown) => e);
    expect((err as DatasetError).code).toBe('ERR_DATASET_PATH');
    expect((err as Error).message).toContain('the value ".." of {layer} holds a \'..\' segment');
    await catalog.save('raw__cars', [1]);
    expect(await filesUnder(root)).toEqual(['data/nested/raw/cars.json']);
  });

  it('checks every string of the config, not only the file path', () => {
    class Table extends MemoryDataset {
      constructor(readonly options: { table: string }) {
        super();
      }
    }
    const catalog = new DataCatalog(
      {},
      { patterns: { '{name}_table': { type: Table, table: 'tables/{name}' } } },
    );
    expect(() => catalog.get('../x_table')).toThrow(`'table' would be "tables/../x"`);
    expect((catalog.get('cars_table') as Table).options.table).toBe('tables/cars');
  });

  it('lets values reach subfolders, and names with dots, colons and spaces, inside the folder', async () => {
    const catalog = catalogFor(data);
    for (const name of ['sub/deeper/cars', 'a..b', '.hidden', 'params:x', 'with space', 'caf\u00e9']) {
      await catalog.save(`${name}_json`, name);
    }
    expect(await filesUnder(join(root, 'data'))).toEqual(
      [
        'nested/sub/deeper/cars.json',
        'nested/a..b.json',
        'nested/.hidden.json',
        'nested/params:x.json',
        'nested/with space.json',
        'nested/caf\u00e9.json',
      ].sort(),
    );
    expect(await new JSONDataset({ filepath: join(data, 'sub/deeper/cars.json') }).load()).toBe(
      'sub/deeper/cars',
    );
  });

  it('fills a placeholder named like an Object.prototype member only from its own value', async () => {
    const catalog = new DataCatalog(
      {},
      { patterns: { '{constructor}_json': { type: 'JSONDataset', filepath: `${data}/{constructor}.json` } } },
    );
    await catalog.save('cars_json', 1);
    expect(await filesUnder(data)).toEqual(['cars.json']);
  });
});
