/**
 * Catalog entries as configuration (Kedro's `catalog.yml`): the keys Kedro knows (`type`,
 * `filepath`, `load_args`, `save_args`, `credentials`, `versioned`, `metadata`), in snake_case or
 * camelCase, checked when the catalog is built, so a wrong key is reported up front instead of
 * being ignored.
 *
 * @module
 */
import type { AbstractDataset } from './abstract-dataset.js';
import type { DatasetVersion } from './dataset-versions.js';
import { DatasetConfigError, describeError } from './errors.js';
import { BytesDataset, CSVDataset, JSONDataset, TextDataset, UnknownArgsError } from './file-datasets.js';
import { MemoryDataset } from './memory-dataset.js';

/**
 * A dataset class whose constructor takes one options object (like the file datasets).
 *
 * @since 0.1.0
 */
// biome-ignore lint/suspicious/noExplicitAny: dataset options are class-specific
export type DatasetClass = new (options: any) => AbstractDataset;

/**
 * A dataset described by configuration (Kedro's catalog.yml entry). `type` is a class, the name of
 * a built-in (`MemoryDataset`, `JSONDataset`, `CSVDataset`, `TextDataset`, `BytesDataset`; Kedro's
 * `pandas.CSVDataset`, `json.JSONDataset`, `text.TextDataset` are accepted for them) or of a type
 * given in `types`. Kedro's keys are understood in snake_case or camelCase: `filepath`,
 * `load_args`, `save_args`, `credentials` (a name in the credentials given to `fromConfig`, or an
 * object), `versioned` (boolean), `metadata` (kept on the dataset). Built-in types reject keys
 * they do not take; a class or custom type receives every key in camelCase, with `credentials`
 * resolved and `version` (`{ load, save }`) when versioned.
 * @since 0.1.0
 */
export interface DatasetConfig {
  type: string | DatasetClass;
  [option: string]: unknown;
}

interface BuiltInType {
  readonly create: (options: Record<string, unknown>) => AbstractDataset;
  /** Option keys (camelCase) besides the common ones. */
  readonly keys: readonly string[];
  /** Reads local files: no credentials, and versioning works. */
  readonly local: boolean;
}

/** The built-in types by name. */
export const BUILT_IN_TYPES: Readonly<Record<string, BuiltInType>> = {
  MemoryDataset: {
    create: (o) => new MemoryDataset(o.data, { copyMode: o.copyMode as never }),
    keys: ['data', 'copyMode'],
    local: false,
  },
  JSONDataset: { create: (o) => new JSONDataset(o as never), keys: ['filepath', 'saveArgs'], local: true },
  CSVDataset: {
    create: (o) => new CSVDataset(o as never),
    keys: ['filepath', 'loadArgs', 'saveArgs'],
    local: true,
  },
  TextDataset: { create: (o) => new TextDataset(o as never), keys: ['filepath', 'encoding'], local: true },
  BytesDataset: { create: (o) => new BytesDataset(o as never), keys: ['filepath'], local: true },
};

/** Kedro's type names accepted for the built-ins (`kedro_datasets.` may prefix them). */
const KEDRO_ALIASES: Readonly<Record<string, string>> = {
  'pandas.CSVDataset': 'CSVDataset',
  'json.JSONDataset': 'JSONDataset',
  'text.TextDataset': 'TextDataset',
  'io.MemoryDataset': 'MemoryDataset',
  'kedro.io.MemoryDataset': 'MemoryDataset',
};

const COMMON_KEYS = ['type', 'credentials', 'versioned', 'metadata'];

/** What building a dataset from an entry needs besides the entry. */
export interface ConfigContext {
  readonly types: Readonly<Record<string, DatasetClass>>;
  readonly credentials: Readonly<Record<string, unknown>> | undefined;
  /** The load version for the entry's dataset, and the catalog's save version. */
  readonly version: DatasetVersion;
}

/** An entry after checking: the class or built-in to build and its options (camelCase). */
export interface CheckedConfig {
  readonly build: (options: Record<string, unknown>) => AbstractDataset;
  readonly options: Readonly<Record<string, unknown>>;
  readonly versioned: boolean;
  readonly metadata: Readonly<Record<string, unknown>> | undefined;
  /** `false` for a class or custom type, whose options are its own business. */
  readonly builtIn: boolean;
  readonly typeName: string;
}

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function fail(dataset: string, key: string | undefined, message: string, cause?: unknown): never {
  throw new DatasetConfigError(
    'ERR_DATASET_CONFIG',
    `An exception occurred when parsing config for dataset '${dataset}':\n${message}`,
    cause === undefined ? { dataset, key } : { dataset, key, cause },
  );
}

/** The built-in type a type name means (a built-in name or a Kedro alias), if any. */
export function builtInTypeName(type: string): string | undefined {
  if (Object.hasOwn(BUILT_IN_TYPES, type)) return type;
  const bare = type.startsWith('kedro_datasets.') ? type.slice('kedro_datasets.'.length) : type;
  return KEDRO_ALIASES[bare];
}

/**
 * Checks one catalog entry (a dataset or a pattern) and resolves its type and keys.
 *
 * @throws {DatasetConfigError} naming the entry and the key at fault.
 */
export function checkDatasetConfig(name: string, entry: unknown, ctx: ConfigContext): CheckedConfig {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    fail(name, undefined, `The entry must be a mapping with a 'type', got ${JSON.stringify(entry)}.`);
  }
  const raw = entry as Record<string, unknown>;
  const type = raw.type;
  const options: Record<string, unknown> = {};
  const spelled = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    const k = camel(key);
    const other = spelled.get(k);
    if (other !== undefined) {
      fail(name, key, `'${other}' and '${key}' are the same key; keep one.`);
    }
    spelled.set(k, key);
    if (k !== 'type') options[k] = value;
  }
  let build: (o: Record<string, unknown>) => AbstractDataset;
  let builtIn: BuiltInType | undefined;
  let typeName: string;
  if (typeof type === 'function') {
    build = (o) => new (type as DatasetClass)(o);
    typeName = type.name;
  } else if (typeof type === 'string' && Object.hasOwn(ctx.types, type)) {
    const cls = ctx.types[type] as DatasetClass;
    build = (o) => new cls(o);
    typeName = type;
  } else if (typeof type === 'string' && builtInTypeName(type) !== undefined) {
    typeName = builtInTypeName(type) as string;
    builtIn = BUILT_IN_TYPES[typeName] as BuiltInType;
    build = builtIn.create;
  } else {
    const known = [...Object.keys(BUILT_IN_TYPES), ...Object.keys(ctx.types)].join(', ');
    fail(
      name,
      'type',
      type === undefined
        ? `No 'type' given; use a dataset class or one of ${known}.`
        : `Class '${String(type)}' not found; use a dataset class or one of ${known}.`,
    );
  }
  if (builtIn !== undefined) {
    const allowed = new Set([...COMMON_KEYS, ...builtIn.keys]);
    for (const k of Object.keys(options)) {
      if (!allowed.has(k)) {
        const keys = [...allowed].filter((x) => x !== 'type').map(snake);
        fail(
          name,
          spelled.get(k),
          `${typeName} has no option '${spelled.get(k)}' (its options: ${keys.join(', ')}).`,
        );
      }
    }
  }
  const versioned = options.versioned;
  delete options.versioned;
  if (versioned !== undefined && typeof versioned !== 'boolean') {
    fail(
      name,
      spelled.get('versioned'),
      `'versioned' must be true or false, got ${JSON.stringify(versioned)}.`,
    );
  }
  if (versioned === true && builtIn !== undefined && !builtIn.local) {
    fail(name, spelled.get('versioned'), `${typeName} cannot be versioned (it keeps no files).`);
  }
  if (versioned === true) options.version = ctx.version;
  const metadata = options.metadata;
  delete options.metadata;
  if (
    metadata !== undefined &&
    (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
  ) {
    fail(name, spelled.get('metadata'), `'metadata' must be a mapping, got ${JSON.stringify(metadata)}.`);
  }
  if (options.credentials !== undefined) {
    const key = spelled.get('credentials');
    if (builtIn?.local) {
      fail(name, key, `${typeName} reads local files and takes no credentials; remove 'credentials'.`);
    }
    options.credentials = resolveCredentials(name, key, options.credentials, ctx.credentials);
  }
  if (builtIn !== undefined) {
    // Built-ins are cheap and side-effect free to construct: try, so bad arguments show now.
    try {
      builtIn.create({ ...options, ...(metadata === undefined ? {} : { metadata }) });
    } catch (error) {
      if (error instanceof UnknownArgsError) {
        const spelling = spelled.get(error.option) ?? snake(error.option);
        fail(name, `${spelling}.${error.keys[0]}`, error.message, error);
      }
      fail(name, undefined, describeError(error), error);
    }
  }
  return {
    build,
    options,
    versioned: versioned === true,
    metadata: metadata as Record<string, unknown> | undefined,
    builtIn: builtIn !== undefined,
    typeName,
  };
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function resolveCredentials(
  dataset: string,
  key: string | undefined,
  value: unknown,
  credentials: Readonly<Record<string, unknown>> | undefined,
): unknown {
  if (typeof value !== 'string') {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value;
    fail(dataset, key, `'credentials' must be the name of an entry in the credentials, or a mapping.`);
  }
  if (credentials === undefined || !Object.hasOwn(credentials, value)) {
    const names = credentials === undefined ? [] : Object.keys(credentials).sort();
    fail(
      dataset,
      key,
      `Unable to find credentials '${value}': check your data catalog and credentials configuration. ${
        names.length === 0 ? 'No credentials are defined.' : `Credentials defined: ${names.join(', ')}.`
      }`,
    );
  }
  return credentials[value];
}
