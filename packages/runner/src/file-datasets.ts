/**
 * Datasets on the local filesystem: JSON, CSV, text and bytes. Every save is atomic (temporary
 * file in the same folder, then rename). Any of them can be versioned (`version` option; see
 * `dataset-versions.ts`).
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { type Options as CsvParseOptions, parse as parseCsv } from 'csv-parse/sync';
import { type Options as CsvStringifyOptions, stringify as stringifyCsv } from 'csv-stringify/sync';
import { AbstractDataset } from './abstract-dataset.js';
import { writeFileAtomic } from './atomic-write.js';
import {
  checkVersionName,
  type DatasetVersion,
  entryKind,
  generateTimestamp,
  listVersions,
  versionedPath,
} from './dataset-versions.js';
import { DatasetError, VersionAlreadyExistsError, VersionNotFoundError } from './errors.js';

/**
 * Options shared by file datasets.
 *
 * @since 0.1.0
 */
export interface FileDatasetOptions {
  /** Path of the file (relative paths resolve against the working directory). */
  filepath: string;
  /**
   * Makes the dataset versioned (Kedro's `versioned: true`): each save writes a new
   * `<filepath>/<version>/<file name>` and never overwrites one; a load reads the newest version or
   * `version.load`. `{}` is versioned with the newest load and a generated save version.
   */
  version?: DatasetVersion;
  /** Free-form facts about the dataset (Kedro's `metadata`), kept as {@link AbstractDataset.metadata}. */
  metadata?: Readonly<Record<string, unknown>>;
}

/**
 * Base class of datasets stored in one local file: `exists` checks the file, `toString` shows the
 * path. Subclasses read with {@link AbstractFileDataset._readFile} and write with
 * {@link AbstractFileDataset._writeFile}, which take care of versions.
 * @since 0.1.0
 */
export abstract class AbstractFileDataset<TLoad = unknown, TSave = TLoad> extends AbstractDataset<
  TLoad,
  TSave
> {
  /** Path of the file (of the version folders, when versioned). */
  readonly filepath: string;
  /** The dataset's version settings; `undefined` when it is not versioned. */
  readonly version: DatasetVersion | undefined;
  #saveVersion: string | undefined;

  constructor(options: FileDatasetOptions) {
    super();
    if (typeof options?.filepath !== 'string' || options.filepath.length === 0) {
      throw new TypeError(`${new.target.name} needs a non-empty 'filepath' option`);
    }
    this.filepath = options.filepath;
    if (options.version !== undefined) {
      if (options.version === null || typeof options.version !== 'object') {
        throw new TypeError(
          `${new.target.name}: 'version' must be an object ({ load?, save? }), got ${JSON.stringify(options.version)}`,
        );
      }
      const what = `${new.target.name}(filepath=${options.filepath})`;
      if (options.version.load !== undefined) checkVersionName(options.version.load, what);
      if (options.version.save !== undefined) checkVersionName(options.version.save, what);
      this.version = Object.freeze({ load: options.version.load, save: options.version.save });
    }
    if (options.metadata !== undefined) this.metadata = options.metadata;
  }

  /** Whether each save writes a new version. */
  get versioned(): boolean {
    return this.version !== undefined;
  }

  /** The version this dataset saves as (the same for every save; generated on first use). */
  resolveSaveVersion(): string | undefined {
    if (this.version === undefined) return undefined;
    this.#saveVersion ??= this.version.save ?? generateTimestamp();
    return this.#saveVersion;
  }

  /**
   * The version a load reads now: the pinned one, or the newest on disk.
   *
   * @throws {VersionNotFoundError} when there is none (or the pinned one is missing).
   */
  async resolveLoadVersion(): Promise<string | undefined> {
    if (this.version === undefined) return undefined;
    const pinned = this.version.load;
    if (pinned !== undefined) {
      if ((await entryKind(versionedPath(this.filepath, pinned))) === 'file') return pinned;
      const found = await listVersions(this.filepath);
      throw new VersionNotFoundError(
        `Did not find version '${pinned}' of ${this}: ${versionedPath(this.filepath, pinned)} does not exist. ${describeVersions(found)}`,
      );
    }
    const found = await listVersions(this.filepath);
    const newest = found[0];
    if (newest === undefined) {
      const plain = (await entryKind(this.filepath)) === 'file' ? ` ${this.#plainFileHint()}` : '';
      throw new VersionNotFoundError(`Did not find any versions for ${this}.${plain}`);
    }
    return newest;
  }

  /** The path a load reads: `filepath`, or the version's file when versioned. */
  protected async _loadPath(): Promise<string> {
    const version = await this.resolveLoadVersion();
    return version === undefined ? this.filepath : versionedPath(this.filepath, version);
  }

  /** Reads the file to load (the current version's when versioned). */
  protected async _readFile(): Promise<Buffer>;
  protected async _readFile(encoding: BufferEncoding): Promise<string>;
  protected async _readFile(encoding?: BufferEncoding): Promise<Buffer | string> {
    const path = await this._loadPath();
    return encoding === undefined ? readFile(path) : readFile(path, encoding);
  }

  /**
   * Writes `data` atomically: to `filepath`, or when versioned to a new version's file, which must
   * not exist yet (a version is never overwritten).
   *
   * @throws {VersionAlreadyExistsError} when the save version exists already.
   */
  protected async _writeFile(data: string | Uint8Array): Promise<void> {
    const version = this.resolveSaveVersion();
    if (version === undefined) {
      await writeFileAtomic(this.filepath, data);
      return;
    }
    if ((await entryKind(this.filepath)) === 'file') {
      throw new DatasetError(
        'ERR_DATASET_VERSIONED_PATH',
        `Cannot save a version of ${this}: ${this.#plainFileHint()}`,
      );
    }
    const path = versionedPath(this.filepath, version);
    const exists = () =>
      new VersionAlreadyExistsError(
        `Save path '${path}' for ${this} must not exist if versioning is enabled.`,
      );
    if ((await entryKind(path)) !== undefined) throw exists();
    try {
      await writeFileAtomic(path, data, { exclusive: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw exists();
      throw error;
    }
  }

  protected override async _exists(): Promise<boolean> {
    let path: string;
    try {
      path = await this._loadPath();
    } catch (error) {
      if (VersionNotFoundError.is(error)) return false;
      throw error;
    }
    return (await entryKind(path)) === 'file';
  }

  protected override _describe(): Record<string, unknown> {
    if (this.version === undefined) return { filepath: this.filepath };
    return {
      filepath: this.filepath,
      version: `Version(load=${this.version.load ?? 'newest'}, save=${this.#saveVersion ?? this.version.save ?? 'new'})`,
    };
  }

  #plainFileHint(): string {
    const example = versionedPath(this.filepath, generateTimestamp());
    return `${this.filepath} is a plain file, but versioned data lives in ${example} (one folder per version). Move the file into such a folder, or make the dataset unversioned.`;
  }
}

function describeVersions(found: readonly string[]): string {
  if (found.length === 0) return 'There are no versions.';
  const shown = found.slice(0, 10);
  const more = found.length > shown.length ? `, … (${found.length} in all)` : '';
  return `Versions found, newest first: ${shown.join(', ')}${more}.`;
}

/**
 * @internal A `loadArgs` / `saveArgs` key a dataset does not know (a `TypeError`, as for any bad
 * constructor argument); the catalog turns it into a `DatasetConfigError` naming the key.
 */
export class UnknownArgsError extends TypeError {
  constructor(
    message: string,
    readonly option: 'loadArgs' | 'saveArgs',
    readonly keys: readonly string[],
  ) {
    super(message);
    this.name = 'TypeError';
  }
}

/** Throws an {@link UnknownArgsError} naming the keys of `args` that are not in `allowed`. */
function checkArgs(
  dataset: string,
  option: 'loadArgs' | 'saveArgs',
  args: unknown,
  allowed: ReadonlySet<string>,
): void {
  if (args === undefined) return;
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    throw new TypeError(`${dataset}: '${option}' must be an object, got ${JSON.stringify(args)}`);
  }
  const unknown = Object.keys(args).filter((k) => !allowed.has(k));
  if (unknown.length > 0) {
    const list = allowed.size === 0 ? 'it takes none' : `known: ${[...allowed].sort().join(', ')}`;
    throw new UnknownArgsError(
      `${dataset} does not know ${option} ${unknown.map((k) => `'${k}'`).join(', ')} (${list})`,
      option,
      unknown,
    );
  }
}

/**
 * Options of {@link JSONDataset}.
 *
 * @since 0.1.0
 */
export interface JSONDatasetOptions extends FileDatasetOptions {
  /** `JSON.stringify` indentation; default 2. */
  saveArgs?: { indent?: number | string };
}

const JSON_SAVE_ARGS: ReadonlySet<string> = new Set(['indent']);

/**
 * A JSON file: loads `JSON.parse(text)`, saves `JSON.stringify(data, null, indent)`.
 *
 * @since 0.1.0
 */
export class JSONDataset<T = unknown> extends AbstractFileDataset<T> {
  readonly #indent: number | string;

  constructor(options: JSONDatasetOptions) {
    super(options);
    checkArgs('JSONDataset', 'loadArgs', (options as { loadArgs?: object }).loadArgs, new Set());
    checkArgs('JSONDataset', 'saveArgs', options.saveArgs, JSON_SAVE_ARGS);
    this.#indent = options.saveArgs?.indent ?? 2;
  }

  protected async _load(): Promise<T> {
    return JSON.parse(await this._readFile('utf8')) as T;
  }

  protected async _save(data: T): Promise<void> {
    const text = JSON.stringify(data, null, this.#indent);
    if (text === undefined) throw new TypeError(`value of type ${typeof data} has no JSON representation`);
    await this._writeFile(`${text}\n`);
  }
}

/**
 * Options of {@link CSVDataset}.
 *
 * @since 0.1.0
 */
export interface CSVDatasetOptions extends FileDatasetOptions {
  /**
   * csv-parse options (snake_case or camelCase); default `{ columns: true }` (an array of records
   * keyed by the header). `sep` (pandas' name) is taken as `delimiter`.
   */
  loadArgs?: CsvParseOptions & { sep?: string };
  /**
   * csv-stringify options; default `{ header: true }`. `sep` is taken as `delimiter`, and
   * `index: false` (pandas' usual setting) is accepted: records have no index column.
   */
  saveArgs?: CsvStringifyOptions & { sep?: string; index?: false };
}

/** csv-parse's options, snake_case (camelCase spellings are accepted too). */
const CSV_LOAD_ARGS: ReadonlySet<string> = new Set([
  'auto_parse',
  'auto_parse_date',
  'bom',
  'cast',
  'cast_date',
  'columns',
  'comment',
  'comment_no_infix',
  'delimiter',
  'encoding',
  'escape',
  'from',
  'from_line',
  'group_columns_by_name',
  'ignore_last_delimiters',
  'info',
  'ltrim',
  'max_record_size',
  'objname',
  'on_record',
  'on_skip',
  'quote',
  'raw',
  'record_delimiter',
  'relax_column_count',
  'relax_column_count_less',
  'relax_column_count_more',
  'relax_quotes',
  'rtrim',
  'skip_empty_lines',
  'skip_records_with_empty_values',
  'skip_records_with_error',
  'to',
  'to_line',
  'trim',
  'sep',
]);

/** csv-stringify's options, snake_case. */
const CSV_SAVE_ARGS: ReadonlySet<string> = new Set([
  'bom',
  'cast',
  'columns',
  'delimiter',
  'eof',
  'escape',
  'escape_formulas',
  'header',
  'header_as_comment',
  'quote',
  'quote_record_delimiter',
  'quoted',
  'quoted_empty',
  'quoted_match',
  'quoted_string',
  'record_delimiter',
  'sep',
  'index',
]);

/** `{ fooBar: 1 }` → `{ foo_bar: 1 }`, and pandas' `sep` → `delimiter`. */
function csvOptions(
  dataset: string,
  option: 'loadArgs' | 'saveArgs',
  args: object | undefined,
  allowed: ReadonlySet<string>,
): Record<string, unknown> {
  if (args === undefined) return {};
  const snake: Record<string, unknown> = {};
  if (args !== null && typeof args === 'object' && !Array.isArray(args)) {
    for (const [key, value] of Object.entries(args)) {
      snake[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
    }
  }
  checkArgs(dataset, option, args === null || typeof args !== 'object' ? args : snake, allowed);
  if ('sep' in snake) {
    if ('delimiter' in snake) {
      throw new TypeError(`${dataset}: ${option} has both 'sep' and 'delimiter'; keep one`);
    }
    snake.delimiter = snake.sep;
    delete snake.sep;
  }
  if ('index' in snake) {
    if (snake.index !== false) {
      throw new TypeError(
        `${dataset}: saveArgs 'index: ${JSON.stringify(snake.index)}' is not supported: records have no index column (only 'index: false' is accepted)`,
      );
    }
    delete snake.index;
  }
  return snake;
}

/**
 * A CSV file (csv-parse / csv-stringify). By default loads an array of records keyed by the header
 * row (values are strings unless `loadArgs.cast` says otherwise) and saves an array of records or
 * rows with a header. Unknown `loadArgs` / `saveArgs` keys are an error.
 * @since 0.1.0
 */
export class CSVDataset<T = Record<string, string>[]> extends AbstractFileDataset<T> {
  readonly #loadArgs: CsvParseOptions;
  readonly #saveArgs: CsvStringifyOptions;

  constructor(options: CSVDatasetOptions) {
    super(options);
    this.#loadArgs = {
      columns: true,
      ...csvOptions('CSVDataset', 'loadArgs', options.loadArgs, CSV_LOAD_ARGS),
    };
    this.#saveArgs = {
      header: true,
      ...csvOptions('CSVDataset', 'saveArgs', options.saveArgs, CSV_SAVE_ARGS),
    };
  }

  protected async _load(): Promise<T> {
    return parseCsv(await this._readFile('utf8'), this.#loadArgs) as T;
  }

  protected async _save(data: T): Promise<void> {
    if (!Array.isArray(data))
      throw new TypeError(`CSVDataset saves an array of records or rows, got ${typeof data}`);
    await this._writeFile(stringifyCsv(data, this.#saveArgs));
  }
}

/**
 * Options of {@link TextDataset}.
 *
 * @since 0.1.0
 */
export interface TextDatasetOptions extends FileDatasetOptions {
  /** Text encoding; default `'utf8'`. */
  encoding?: BufferEncoding;
}

/**
 * A text file: loads and saves a string.
 *
 * @since 0.1.0
 */
export class TextDataset extends AbstractFileDataset<string> {
  readonly #encoding: BufferEncoding;

  constructor(options: TextDatasetOptions) {
    super(options);
    this.#encoding = options.encoding ?? 'utf8';
    if (!Buffer.isEncoding(this.#encoding)) {
      throw new TypeError(`TextDataset: unknown encoding ${JSON.stringify(this.#encoding)}`);
    }
  }

  protected async _load(): Promise<string> {
    return this._readFile(this.#encoding);
  }

  protected async _save(data: string): Promise<void> {
    if (typeof data !== 'string') throw new TypeError(`TextDataset saves a string, got ${typeof data}`);
    await this._writeFile(Buffer.from(data, this.#encoding));
  }
}

/**
 * A binary file: loads a `Buffer` (a `Uint8Array`), saves any `Uint8Array`.
 *
 * @since 0.1.0
 */
export class BytesDataset extends AbstractFileDataset<Uint8Array> {
  protected async _load(): Promise<Uint8Array> {
    return this._readFile();
  }

  protected async _save(data: Uint8Array): Promise<void> {
    if (!(data instanceof Uint8Array)) throw new TypeError('BytesDataset saves a Uint8Array (or Buffer)');
    await this._writeFile(data);
  }
}
