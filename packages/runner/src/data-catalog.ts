/**
 * `DataCatalog`: the registry of named datasets a pipeline reads and writes (Kedro's `DataCatalog`).
 *
 * @module
 */
import { AbstractDataset } from './abstract-dataset.js';
import {
  type CheckedConfig,
  checkDatasetConfig,
  type DatasetClass,
  type DatasetConfig,
} from './dataset-config.js';
import {
  type CompiledPattern,
  checkTemplate,
  compilePattern,
  fillTemplateSafely,
  isPattern,
  matchPattern,
  sortPatterns,
} from './dataset-patterns.js';
import { checkVersionName, generateTimestamp } from './dataset-versions.js';
import {
  DatasetAlreadyExistsError,
  DatasetConfigError,
  DatasetError,
  DatasetNotFoundError,
  describeError,
  VersionAlreadyExistsError,
  VersionNotFoundError,
} from './errors.js';
import { AbstractFileDataset } from './file-datasets.js';
import { MemoryDataset } from './memory-dataset.js';

export type { DatasetClass, DatasetConfig };

/**
 * Builds the dataset for a name matched by a pattern: `values` holds the captured placeholders.
 *
 * @since 0.1.0
 */
export type DatasetFactory = (values: Record<string, string>, name: string) => AbstractDataset;

/**
 * Options of {@link DataCatalog}.
 *
 * @since 0.1.0
 */
export interface DataCatalogOptions {
  /** Dataset factory patterns, e.g. `{ '{name}_csv': { type: 'CSVDataset', filepath: 'data/{name}.csv' } }`. */
  patterns?: Readonly<Record<string, DatasetFactory | DatasetConfig>>;
  /** Extra type names usable in configs. */
  types?: Readonly<Record<string, DatasetClass>>;
  /**
   * Parameters (Kedro's `parameters.yml`): registered as `parameters` (the whole object) and as
   * `params:<key>` for every key at every depth (`params:model`, `params:model.alpha`), as Kedro's
   * session does.
   */
  parameters?: Readonly<Record<string, unknown>>;
}

/**
 * Options of {@link DataCatalog.fromConfig}.
 *
 * @since 0.1.0
 */
export interface CatalogConfigOptions extends Omit<DataCatalogOptions, 'patterns'> {
  /** Credentials by name (Kedro's `credentials.yml`); an entry's `credentials: name` picks one. */
  credentials?: Readonly<Record<string, unknown>>;
  /** Load versions of versioned datasets: dataset name → version (Kedro's `--load-versions`). */
  loadVersions?: Readonly<Record<string, string>>;
  /** The version every versioned dataset saves as; default a timestamp taken now (one per catalog). */
  saveVersion?: string;
}

/**
 * Options of {@link DataCatalog.get}.
 *
 * @since 0.1.0
 */
export interface GetDatasetOptions {
  /** Create a MemoryDataset for a name that neither an entry nor a pattern provides (what runners do). */
  fallbackToRuntimePattern?: boolean;
}

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
 * @since 0.1.0
 */
export class DataCatalog {
  readonly #datasets = new Map<string, AbstractDataset>();
  readonly #lazy = new Map<string, () => AbstractDataset>();
  readonly #patterns: readonly PatternEntry[];
  readonly #types: Readonly<Record<string, DatasetClass>>;
  #saveVersion: string | undefined;

  constructor(datasets: Readonly<Record<string, unknown>> = {}, options: DataCatalogOptions = {}) {
    this.#types = options.types ?? {};
    if (options.parameters !== undefined) this.addParameters(options.parameters);
    for (const [name, value] of Object.entries(datasets)) this.set(name, value);
    const entries: PatternEntry[] = Object.entries(options.patterns ?? {}).map(([pattern, spec]) =>
      this.#patternEntry(pattern, spec),
    );
    const order = sortPatterns(entries.map((e) => e.compiled));
    this.#patterns = order.map((c) => entries.find((e) => e.compiled === c) as PatternEntry);
  }

  /**
   * A catalog from configuration (Kedro's `DataCatalog.from_config`): keys with `{placeholders}`
   * are patterns, other keys are datasets built lazily on first use. Every entry is checked now
   * (type, keys, `load_args` / `save_args` of built-in types, credentials, versioning), so a bad
   * entry fails here, naming the entry and the key. Versioned datasets all save as one version
   * ({@link DataCatalog.saveVersion}).
   *
   * @example
   * ```ts
   * const catalog = DataCatalog.fromConfig(
   *   { cars: { type: 'CSVDataset', filepath: 'data/cars.csv', load_args: { delimiter: ';' }, versioned: true } },
   *   { loadVersions: { cars: '2026-12-01T09.00.00.000Z' } },
   * );
   * ```
   * @throws {DatasetConfigError} for a bad entry (`dataset` and `key` say where).
   * @throws {DatasetNotFoundError} when `loadVersions` names a dataset the config does not provide.
   */
  static fromConfig(
    config: Readonly<Record<string, DatasetConfig>>,
    options: CatalogConfigOptions = {},
  ): DataCatalog {
    const { credentials, loadVersions = {}, saveVersion, ...catalogOptions } = options;
    const save =
      saveVersion === undefined ? generateTimestamp() : checkVersionName(saveVersion, 'saveVersion');
    const types = catalogOptions.types ?? {};
    const patterns: Record<string, DatasetFactory> = {};
    const plain: [string, CheckedConfig][] = [];
    const checked = new Map<string, CheckedConfig>();
    for (const [name, entry] of Object.entries(config)) {
      const load = Object.hasOwn(loadVersions, name) ? loadVersions[name] : undefined;
      const c = checkDatasetConfig(name, entry, {
        types,
        credentials,
        version: { load, save },
      });
      checked.set(name, c);
      if (isPattern(name)) {
        const compiled = compilePattern(name);
        checkPatternTemplate(compiled, c.options);
        patterns[name] = (values, dsName) => {
          const dsLoad = Object.hasOwn(loadVersions, dsName) ? loadVersions[dsName] : undefined;
          const options = fillTemplateSafely(compiled, c.options, values, dsName) as Record<string, unknown>;
          if (c.versioned) options.version = { load: dsLoad, save };
          return buildChecked(dsName, { ...c, options });
        };
      } else plain.push([name, c]);
    }
    const catalog = new DataCatalog({}, { ...catalogOptions, patterns });
    catalog.#saveVersion = save;
    for (const [name, c] of plain) catalog.#lazy.set(name, () => buildChecked(name, c));
    for (const [name, version] of Object.entries(loadVersions)) {
      let entry = checked.get(name);
      if (entry === undefined) {
        const m = catalog.#match(name);
        if (m !== undefined) entry = checked.get(m.entry.compiled.pattern);
      }
      if (entry === undefined) {
        throw new DatasetNotFoundError(
          'ERR_DATASET_LOAD_VERSIONS',
          `'loadVersions' keys ['${name}'] are not found in the catalog.`,
        );
      }
      checkVersionName(version, `dataset '${name}'`);
      if (!entry.versioned) {
        throw new DatasetConfigError(
          'ERR_DATASET_LOAD_VERSIONS',
          `A load version was given for dataset '${name}', which is not versioned: add 'versioned: true' to its catalog entry.`,
          { dataset: name, key: 'versioned' },
        );
      }
    }
    return catalog;
  }

  /**
   * The version versioned datasets of this catalog save as (set by {@link DataCatalog.fromConfig});
   * `undefined` for a catalog built otherwise.
   */
  get saveVersion(): string | undefined {
    return this.#saveVersion;
  }

  /**
   * Registers parameters as Kedro's session does: `parameters` holds the whole object, and every
   * key at every depth becomes `params:<dotted key>` (`params:model`, `params:model.alpha`).
   * Existing entries of those names are replaced.
   *
   * @example
   * ```ts
   * catalog.addParameters({ model: { alpha: 0.1 } });
   * await catalog.load('params:model.alpha'); // 0.1
   * ```
   */
  addParameters(parameters: Readonly<Record<string, unknown>>): this {
    if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) {
      throw new DatasetError(
        'ERR_DATASET_PARAMETERS',
        `Parameters must be an object of names to values, got ${JSON.stringify(parameters)}.`,
      );
    }
    this.set('parameters', parameters);
    const walk = (prefix: string, value: unknown) => {
      this.set(`params:${prefix}`, value);
      if (isPlainObject(value)) {
        for (const [k, v] of Object.entries(value)) walk(`${prefix}.${k}`, v);
      }
    };
    for (const [k, v] of Object.entries(parameters)) walk(k, v);
    return this;
  }

  /** Registered and lazy dataset names (not pattern matches). */
  keys(): string[] {
    return [...new Set([...this.#datasets.keys(), ...this.#lazy.keys()])];
  }

  /** The patterns, most specific first. */
  listPatterns(): string[] {
    return this.#patterns.map((p) => p.compiled.pattern);
  }

  /**
   * Whether `name` is registered, lazy, or matched by a pattern (Kedro's `in`). A nested parameter
   * `params:a.b` is there when a registered `params:a` (or `parameters`) holds key `b`.
   */
  has(name: string): boolean {
    return (
      this.#datasets.has(name) ||
      this.#lazy.has(name) ||
      this.#match(name) !== undefined ||
      this.#nestedParameter(name) !== NO_PARAM
    );
  }

  /**
   * Why a parameter input is missing, in words (for error messages): the nearest registered
   * ancestor (`params:model`) and the keys it has; `undefined` when `name` is not a parameter or
   * no ancestor is registered.
   */
  describeMissingParameter(name: string): string | undefined {
    if (!name.startsWith('params:')) return undefined;
    const path = name.slice('params:'.length).split('.');
    for (let i = path.length - 1; i >= 0; i--) {
      const base = i === 0 ? 'parameters' : `params:${path.slice(0, i).join('.')}`;
      const value = this.#memoryValue(base);
      if (value === NO_PARAM) continue;
      let node: unknown = value;
      let j = i;
      for (; j < path.length && isPlainObject(node) && Object.hasOwn(node, path[j] as string); j++) {
        node = (node as Record<string, unknown>)[path[j] as string];
      }
      const where = j === 0 ? 'parameters' : `params:${path.slice(0, j).join('.')}`;
      if (!isPlainObject(node))
        return `${where} is ${JSON.stringify(node)}, not a mapping with key '${path[j]}'`;
      const keys = Object.keys(node).sort();
      return `${where} has no key '${path[j]}' (${keys.length === 0 ? 'it is empty' : `its keys: ${keys.join(', ')}`})`;
    }
    return undefined;
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
      else {
        const param = this.#nestedParameter(name);
        if (param !== NO_PARAM) created = new MemoryDataset(param);
        else if (options?.fallbackToRuntimePattern) created = new MemoryDataset();
      }
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
      throw new DatasetAlreadyExistsError(`Dataset '${name}' has already been registered`);
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

  /** The value of `params:a.b.c` read from the nearest registered ancestor (or `parameters`). */
  #nestedParameter(name: string): unknown {
    if (!name.startsWith('params:') || this.#datasets.has(name) || this.#lazy.has(name)) return NO_PARAM;
    const path = name.slice('params:'.length).split('.');
    for (let i = path.length - 1; i >= 0; i--) {
      const base = i === 0 ? 'parameters' : `params:${path.slice(0, i).join('.')}`;
      let value = this.#memoryValue(base);
      if (value === NO_PARAM) continue;
      for (let j = i; j < path.length; j++) {
        if (!isPlainObject(value) || !Object.hasOwn(value, path[j] as string)) return NO_PARAM;
        value = (value as Record<string, unknown>)[path[j] as string];
      }
      return value;
    }
    return NO_PARAM;
  }

  /** The data of a registered memory dataset (read without copying), or {@link NO_PARAM}. */
  #memoryValue(name: string): unknown {
    const ds = this.#datasets.get(name);
    if (!(ds instanceof MemoryDataset)) return NO_PARAM;
    return ds._peek(NO_PARAM);
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
    const checked = checkDatasetConfig(pattern, spec, {
      types: this.#types,
      credentials: undefined,
      version: {},
    });
    checkPatternTemplate(compiled, checked.options);
    return {
      compiled,
      build: (values, name) =>
        buildChecked(name, {
          ...checked,
          options: fillTemplateSafely(compiled, checked.options, values, name),
        }),
    };
  }
}

const BASE_LOAD = AbstractDataset.prototype.load;
const BASE_SAVE = AbstractDataset.prototype.save;
const BASE_RELEASE = AbstractDataset.prototype.release;

/** Marks "no such parameter" (a parameter's value may be `undefined` or `null`). */
const NO_PARAM: unique symbol = Symbol('DataCatalog.NO_PARAM');

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** {@link checkTemplate}, its error as a {@link DatasetConfigError} naming the pattern. */
function checkPatternTemplate(compiled: CompiledPattern, options: unknown): void {
  try {
    checkTemplate(compiled, options);
  } catch (error) {
    if (!DatasetError.is(error)) throw error;
    throw new DatasetConfigError(error.code, error.message, {
      dataset: compiled.pattern,
      cause: error,
    });
  }
}

/** Builds a checked entry's dataset; constructor errors name the dataset. */
function buildChecked(name: string, c: CheckedConfig): AbstractDataset {
  let ds: AbstractDataset;
  try {
    ds = c.build({ ...c.options });
  } catch (error) {
    throw new DatasetConfigError(
      'ERR_DATASET_CONFIG',
      `An exception occurred when parsing config for dataset '${name}':\n${describeError(error)}`,
      { dataset: name, cause: error },
    );
  }
  if (!(ds instanceof AbstractDataset)) {
    throw new DatasetConfigError(
      'ERR_DATASET_CONFIG',
      `An exception occurred when parsing config for dataset '${name}':\n${c.typeName} did not construct a dataset (an AbstractDataset).`,
      { dataset: name, key: 'type' },
    );
  }
  if (
    c.versioned &&
    !(ds instanceof AbstractFileDataset) &&
    (ds as { version?: unknown }).version === undefined
  ) {
    throw new DatasetConfigError(
      'ERR_DATASET_CONFIG',
      `An exception occurred when parsing config for dataset '${name}':\n${c.typeName} does not support versioning (it ignored the 'version' option); remove 'versioned: true'.`,
      { dataset: name, key: 'versioned' },
    );
  }
  if (c.metadata !== undefined && ds.metadata === undefined) ds.metadata = c.metadata;
  return ds;
}

function notFound(name: string): DatasetNotFoundError {
  return new DatasetNotFoundError('ERR_DATASET_NOT_FOUND', `Dataset '${name}' not found in the catalog`);
}

function withName(name: string, error: unknown): unknown {
  if (DatasetError.is(error) && !error.message.startsWith(`${name}: `)) {
    return prefixed(error, `${name}: ${error.message}`);
  }
  return error;
}

/** A dataset error of the same class (this copy's classes; else `DatasetError`) with `message`. */
function prefixed(error: DatasetError, message: string): DatasetError {
  const options = { cause: error };
  switch (error.constructor) {
    case DatasetNotFoundError:
      return new DatasetNotFoundError((error as DatasetNotFoundError).code, message, options);
    case DatasetAlreadyExistsError:
      return new DatasetAlreadyExistsError(message, options);
    case VersionNotFoundError:
      return new VersionNotFoundError(message, options);
    case VersionAlreadyExistsError:
      return new VersionAlreadyExistsError(message, options);
    default:
      return new DatasetError(error.code, message, options);
  }
}
