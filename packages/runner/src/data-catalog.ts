/**
 * `DataCatalog`: the registry of named datasets a pipeline reads and writes (Kedro's `DataCatalog`).
 *
 * @module
 */
import { AbstractDataset } from './abstract-dataset.js';
import {
  type CompiledPattern,
  checkTemplate,
  compilePattern,
  fillTemplate,
  isPattern,
  matchPattern,
  sortPatterns,
} from './dataset-patterns.js';
import { DatasetAlreadyExistsError, DatasetError, DatasetNotFoundError } from './errors.js';
import { BytesDataset, CSVDataset, JSONDataset, TextDataset } from './file-datasets.js';
import { MemoryDataset } from './memory-dataset.js';

/** A dataset class whose constructor takes one options object (like the file datasets). */
// biome-ignore lint/suspicious/noExplicitAny: dataset options are class-specific
export type DatasetClass = new (options: any) => AbstractDataset;

/**
 * A dataset described by configuration (Kedro's catalog.yml entry): `type` is a class or the name
 * of a built-in (`MemoryDataset`, `JSONDataset`, `CSVDataset`, `TextDataset`, `BytesDataset`) or of
 * a type given in {@link DataCatalogOptions.types}; every other key is passed to the constructor
 * as one options object. In a pattern's config, `{placeholder}`s in strings are filled in.
 */
export interface DatasetConfig {
  type: string | DatasetClass;
  [option: string]: unknown;
}

/** Builds the dataset for a name matched by a pattern: `values` holds the captured placeholders. */
export type DatasetFactory = (values: Record<string, string>, name: string) => AbstractDataset;

/** Options of {@link DataCatalog}. */
export interface DataCatalogOptions {
  /** Dataset factory patterns, e.g. `{ '{name}_csv': { type: 'CSVDataset', filepath: 'data/{name}.csv' } }`. */
  patterns?: Readonly<Record<string, DatasetFactory | DatasetConfig>>;
  /** Extra type names usable in configs. */
  types?: Readonly<Record<string, DatasetClass>>;
}

/** Options of {@link DataCatalog.get}. */
export interface GetDatasetOptions {
  /** Create a MemoryDataset for a name that neither an entry nor a pattern provides (what runners do). */
  fallbackToRuntimePattern?: boolean;
}

const BUILT_IN_TYPES: Readonly<Record<string, (options: Record<string, unknown>) => AbstractDataset>> = {
  MemoryDataset: (o) => new MemoryDataset(o.data, { copyMode: o.copyMode as never }),
  JSONDataset: (o) => new JSONDataset(o as never),
  CSVDataset: (o) => new CSVDataset(o as never),
  TextDataset: (o) => new TextDataset(o as never),
  BytesDataset: (o) => new BytesDataset(o as never),
};

interface PatternEntry {
  readonly compiled: CompiledPattern;
  readonly build: DatasetFactory;
}

/**
 * Named datasets. Entries are datasets, raw values (wrapped in a {@link MemoryDataset}) or, through
 * {@link DataCatalog.fromConfig}, configs materialised on first use. Names no entry provides are
 * resolved through factory patterns, most specific first.
 *
 * @example
 * ```ts
 * const catalog = new DataCatalog(
 *   { cars: new CSVDataset({ filepath: 'data/cars.csv' }), 'params:ratio': 0.2 },
 *   { patterns: { '{name}_json': { type: 'JSONDataset', filepath: 'out/{name}.json' } } },
 * );
 * await catalog.save('report_json', { ok: true }); // out/report.json
 * ```
 */
export class DataCatalog {
  readonly #datasets = new Map<string, AbstractDataset>();
  readonly #lazy = new Map<string, () => AbstractDataset>();
  readonly #patterns: readonly PatternEntry[];
  readonly #types: Readonly<Record<string, DatasetClass>>;

  constructor(datasets: Readonly<Record<string, unknown>> = {}, options: DataCatalogOptions = {}) {
    this.#types = options.types ?? {};
    for (const [name, value] of Object.entries(datasets)) this.set(name, value);
    const entries: PatternEntry[] = Object.entries(options.patterns ?? {}).map(([pattern, spec]) =>
      this.#patternEntry(pattern, spec),
    );
    const order = sortPatterns(entries.map((e) => e.compiled));
    this.#patterns = order.map((c) => entries.find((e) => e.compiled === c) as PatternEntry);
  }

  /**
   * A catalog from configuration (Kedro's `DataCatalog.from_config`): keys with `{placeholders}`
   * are patterns, other keys are datasets built lazily on first use.
   */
  static fromConfig(
    config: Readonly<Record<string, DatasetConfig>>,
    options: Omit<DataCatalogOptions, 'patterns'> = {},
  ): DataCatalog {
    const patterns: Record<string, DatasetConfig> = {};
    const plain: [string, DatasetConfig][] = [];
    for (const [name, entry] of Object.entries(config)) {
      if (isPattern(name)) patterns[name] = entry;
      else plain.push([name, entry]);
    }
    const catalog = new DataCatalog({}, { ...options, patterns });
    for (const [name, entry] of plain) {
      catalog.#checkConfig(name, entry);
      catalog.#lazy.set(name, () => catalog.#build(name, entry));
    }
    return catalog;
  }

  /** Registered and lazy dataset names (not pattern matches). */
  keys(): string[] {
    return [...new Set([...this.#datasets.keys(), ...this.#lazy.keys()])];
  }

  /** The patterns, most specific first. */
  listPatterns(): string[] {
    return this.#patterns.map((p) => p.compiled.pattern);
  }

  /** Whether `name` is registered, lazy, or matched by a pattern (Kedro's `in`). */
  has(name: string): boolean {
    return this.#datasets.has(name) || this.#lazy.has(name) || this.#match(name) !== undefined;
  }

  /**
   * The dataset called `name`, materialising a lazy entry or a pattern match (and registering it);
   * `undefined` when nothing provides it, unless `fallbackToRuntimePattern` creates a MemoryDataset.
   */
  get(name: string, options?: GetDatasetOptions): AbstractDataset | undefined {
    const existing = this.#datasets.get(name);
    if (existing !== undefined) return existing;
    const lazy = this.#lazy.get(name);
    let created: AbstractDataset | undefined;
    if (lazy !== undefined) created = lazy();
    else {
      const m = this.#match(name);
      if (m !== undefined) created = m.entry.build(m.values, name);
      else if (options?.fallbackToRuntimePattern) created = new MemoryDataset();
    }
    if (created === undefined) return undefined;
    this.#lazy.delete(name);
    this.#datasets.set(name, created);
    return created;
  }

  /** The dataset called `name` (Kedro's `catalog[name]`). @throws {DatasetNotFoundError} */
  dataset(name: string): AbstractDataset {
    const ds = this.get(name);
    if (ds === undefined) throw notFound(name);
    return ds;
  }

  /** Registers `value` under `name`, replacing any previous entry; raw values become a MemoryDataset. */
  set(name: string, value: unknown): this {
    if (typeof name !== 'string' || name.length === 0) {
      throw new DatasetError(
        'ERR_DATASET_NAME',
        `Dataset names must be non-empty strings, got ${String(name)}`,
      );
    }
    this.#lazy.delete(name);
    this.#datasets.set(name, value instanceof AbstractDataset ? value : new MemoryDataset(value));
    return this;
  }

  /** Registers a dataset; unlike {@link set}, an existing name is an error unless `replace` is true. */
  add(name: string, value: unknown, options: { replace?: boolean } = {}): this {
    if (!options.replace && (this.#datasets.has(name) || this.#lazy.has(name))) {
      throw new DatasetAlreadyExistsError(
        'ERR_DATASET_EXISTS',
        `Dataset '${name}' has already been registered`,
      );
    }
    return this.set(name, value);
  }

  /** Loads `name`. Errors name the dataset (`"<name>: …"`). @throws {DatasetNotFoundError} */
  async load(name: string): Promise<unknown> {
    const ds = this.dataset(name);
    try {
      return await ds.load();
    } catch (error) {
      throw withName(name, error);
    }
  }

  /** Saves `data` to `name` (a pattern match is created; an unknown name is an error). */
  async save(name: string, data: unknown): Promise<void> {
    const ds = this.dataset(name);
    try {
      await ds.save(data);
    } catch (error) {
      throw withName(name, error);
    }
  }

  /** Whether data exists for `name`; `false` when nothing provides the name. */
  async exists(name: string): Promise<boolean> {
    const ds = this.get(name);
    if (ds === undefined) return false;
    try {
      return await ds.exists();
    } catch (error) {
      throw withName(name, error);
    }
  }

  /** Releases `name`'s cached data (a memory dataset is emptied). */
  async release(name: string): Promise<void> {
    const ds = this.dataset(name);
    try {
      await ds.release();
    } catch (error) {
      throw withName(name, error);
    }
  }

  /**
   * @internal `load()` for runners: synchronous when the dataset's `_load` is (and `load` is not
   * overridden), a promise otherwise.
   */
  _loadNow(name: string): unknown {
    const ds = this.dataset(name);
    if (ds.load !== BASE_LOAD)
      return ds.load().catch((error: unknown) => Promise.reject(withName(name, error)));
    try {
      const result = ds._loadNow();
      if (result instanceof Promise)
        return result.catch((error: unknown) => Promise.reject(withName(name, error)));
      return result;
    } catch (error) {
      throw withName(name, error);
    }
  }

  /** @internal `save()` for runners, synchronous when the dataset's `_save` is. */
  _saveNow(name: string, data: unknown): void | Promise<void> {
    const ds = this.dataset(name);
    if (ds.save !== BASE_SAVE)
      return ds.save(data).catch((error: unknown) => Promise.reject(withName(name, error)));
    try {
      const result = ds._saveNow(data);
      if (result instanceof Promise)
        return result.catch((error: unknown) => Promise.reject(withName(name, error)));
    } catch (error) {
      throw withName(name, error);
    }
  }

  /** @internal `release()` for runners, synchronous when the dataset's `_release` is. */
  _releaseNow(name: string): void | Promise<void> {
    const ds = this.dataset(name);
    if (ds.release !== BASE_RELEASE)
      return ds.release().catch((error: unknown) => Promise.reject(withName(name, error)));
    try {
      const result = ds._releaseNow();
      if (result instanceof Promise)
        return result.catch((error: unknown) => Promise.reject(withName(name, error)));
    } catch (error) {
      throw withName(name, error);
    }
  }

  /** Calls the dataset's `confirm()` method. @throws {DatasetError} when it has none. */
  async confirm(name: string): Promise<void> {
    const ds = this.dataset(name) as AbstractDataset & { confirm?: () => unknown };
    if (typeof ds.confirm !== 'function') {
      throw new DatasetError('ERR_DATASET_NO_CONFIRM', `Dataset '${name}' does not have 'confirm' method`);
    }
    await ds.confirm();
  }

  /** Registered names matching `nameRegex` whose dataset class name matches `typeRegex`. */
  filter(nameRegex?: RegExp | string, typeRegex?: RegExp | string): string[] {
    const nameRe = nameRegex === undefined ? undefined : new RegExp(nameRegex);
    const typeRe = typeRegex === undefined ? undefined : new RegExp(typeRegex);
    return this.keys().filter((name) => {
      if (nameRe !== undefined && !nameRe.test(name)) return false;
      if (typeRe === undefined) return true;
      const ds = this.get(name) as AbstractDataset;
      return typeRe.test(ds.constructor.name);
    });
  }

  /** `DataCatalog(a, b, c)`. */
  toString(): string {
    return `DataCatalog(${this.keys().join(', ')})`;
  }

  #match(name: string): { entry: PatternEntry; values: Record<string, string> } | undefined {
    if (this.#patterns.length === 0) return undefined;
    const m = matchPattern(
      this.#patterns.map((p) => p.compiled),
      name,
    );
    if (m === undefined) return undefined;
    return { entry: this.#patterns.find((p) => p.compiled === m.pattern) as PatternEntry, values: m.values };
  }

  #patternEntry(pattern: string, spec: DatasetFactory | DatasetConfig): PatternEntry {
    if (!isPattern(pattern)) {
      throw new DatasetError(
        'ERR_DATASET_PATTERNS',
        `'${pattern}' is not a dataset pattern (it has no {placeholder}); register it as a dataset instead.`,
      );
    }
    const compiled = compilePattern(pattern);
    if (typeof spec === 'function') {
      return {
        compiled,
        build: (values, name) => {
          const ds = spec(values, name);
          if (!(ds instanceof AbstractDataset)) {
            throw new DatasetError(
              'ERR_DATASET_FACTORY',
              `The factory of pattern '${pattern}' returned ${typeof ds} for dataset '${name}', not a dataset.`,
            );
          }
          return ds;
        },
      };
    }
    this.#checkConfig(pattern, spec);
    checkTemplate(compiled, spec);
    return { compiled, build: (values, name) => this.#build(name, fillTemplate(spec, values)) };
  }

  #checkConfig(name: string, config: DatasetConfig): void {
    const type = config?.type;
    if (typeof type === 'function') return;
    if (typeof type === 'string' && (Object.hasOwn(this.#types, type) || Object.hasOwn(BUILT_IN_TYPES, type)))
      return;
    throw new DatasetError(
      'ERR_DATASET_CONFIG',
      `An exception occurred when parsing config for dataset '${name}':\nClass '${String(type)}' not found; use a dataset class or one of ${[...Object.keys(BUILT_IN_TYPES), ...Object.keys(this.#types)].join(', ')}.`,
    );
  }

  #build(name: string, config: DatasetConfig): AbstractDataset {
    const { type, ...options } = config;
    try {
      if (typeof type === 'function') return new type(options);
      const custom = this.#types[type];
      if (custom !== undefined) return new custom(options);
      return (BUILT_IN_TYPES[type] as (o: Record<string, unknown>) => AbstractDataset)(options);
    } catch (error) {
      throw new DatasetError(
        'ERR_DATASET_CONFIG',
        `An exception occurred when parsing config for dataset '${name}':\n${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
}

const BASE_LOAD = AbstractDataset.prototype.load;
const BASE_SAVE = AbstractDataset.prototype.save;
const BASE_RELEASE = AbstractDataset.prototype.release;

function notFound(name: string): DatasetNotFoundError {
  return new DatasetNotFoundError('ERR_DATASET_NOT_FOUND', `Dataset '${name}' not found in the catalog`);
}

function withName(name: string, error: unknown): unknown {
  if (error instanceof DatasetError && !error.message.startsWith(`${name}: `)) {
    return new DatasetError(error.code, `${name}: ${error.message}`, { cause: error });
  }
  return error;
}
