/**
 * Datasets on the local filesystem: JSON, CSV, text and bytes. Every save is atomic (temporary
 * file in the same folder, then rename).
 *
 * @module
 */
import { readFile, stat } from 'node:fs/promises';
import { type Options as CsvParseOptions, parse as parseCsv } from 'csv-parse/sync';
import { type Options as CsvStringifyOptions, stringify as stringifyCsv } from 'csv-stringify/sync';
import { AbstractDataset } from './abstract-dataset.js';
import { writeFileAtomic } from './atomic-write.js';

/** Options shared by file datasets. */
export interface FileDatasetOptions {
  /** Path of the file (relative paths resolve against the working directory). */
  filepath: string;
}

/** Base class of datasets stored in one local file: `exists` checks the file, `toString` shows the path. */
export abstract class AbstractFileDataset<TLoad = unknown, TSave = TLoad> extends AbstractDataset<
  TLoad,
  TSave
> {
  /** Path of the file. */
  readonly filepath: string;

  constructor(options: FileDatasetOptions) {
    super();
    if (typeof options?.filepath !== 'string' || options.filepath.length === 0) {
      throw new TypeError(`${new.target.name} needs a non-empty 'filepath' option`);
    }
    this.filepath = options.filepath;
  }

  protected override async _exists(): Promise<boolean> {
    try {
      return (await stat(this.filepath)).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  protected override _describe(): Record<string, unknown> {
    return { filepath: this.filepath };
  }
}

/** Options of {@link JSONDataset}. */
export interface JSONDatasetOptions extends FileDatasetOptions {
  /** `JSON.stringify` indentation; default 2. */
  saveArgs?: { indent?: number | string };
}

/** A JSON file: loads `JSON.parse(text)`, saves `JSON.stringify(data, null, indent)`. */
export class JSONDataset<T = unknown> extends AbstractFileDataset<T> {
  readonly #indent: number | string;

  constructor(options: JSONDatasetOptions) {
    super(options);
    this.#indent = options.saveArgs?.indent ?? 2;
  }

  protected async _load(): Promise<T> {
    return JSON.parse(await readFile(this.filepath, 'utf8')) as T;
  }

  protected async _save(data: T): Promise<void> {
    const text = JSON.stringify(data, null, this.#indent);
    if (text === undefined) throw new TypeError(`value of type ${typeof data} has no JSON representation`);
    await writeFileAtomic(this.filepath, `${text}\n`);
  }
}

/** Options of {@link CSVDataset}. */
export interface CSVDatasetOptions extends FileDatasetOptions {
  /** csv-parse options; default `{ columns: true }` (an array of records keyed by the header). */
  loadArgs?: CsvParseOptions;
  /** csv-stringify options; default `{ header: true }`. */
  saveArgs?: CsvStringifyOptions;
}

/**
 * A CSV file (csv-parse / csv-stringify). By default loads an array of records keyed by the header
 * row (values are strings unless `loadArgs.cast` says otherwise) and saves an array of records or
 * rows with a header.
 */
export class CSVDataset<T = Record<string, string>[]> extends AbstractFileDataset<T> {
  readonly #loadArgs: CsvParseOptions;
  readonly #saveArgs: CsvStringifyOptions;

  constructor(options: CSVDatasetOptions) {
    super(options);
    this.#loadArgs = { columns: true, ...options.loadArgs };
    this.#saveArgs = { header: true, ...options.saveArgs };
  }

  protected async _load(): Promise<T> {
    return parseCsv(await readFile(this.filepath, 'utf8'), this.#loadArgs) as T;
  }

  protected async _save(data: T): Promise<void> {
    if (!Array.isArray(data))
      throw new TypeError(`CSVDataset saves an array of records or rows, got ${typeof data}`);
    await writeFileAtomic(this.filepath, stringifyCsv(data, this.#saveArgs));
  }
}

/** Options of {@link TextDataset}. */
export interface TextDatasetOptions extends FileDatasetOptions {
  /** Text encoding; default `'utf8'`. */
  encoding?: BufferEncoding;
}

/** A text file: loads and saves a string. */
export class TextDataset extends AbstractFileDataset<string> {
  readonly #encoding: BufferEncoding;

  constructor(options: TextDatasetOptions) {
    super(options);
    this.#encoding = options.encoding ?? 'utf8';
  }

  protected async _load(): Promise<string> {
    return readFile(this.filepath, this.#encoding);
  }

  protected async _save(data: string): Promise<void> {
    if (typeof data !== 'string') throw new TypeError(`TextDataset saves a string, got ${typeof data}`);
    await writeFileAtomic(this.filepath, Buffer.from(data, this.#encoding));
  }
}

/** A binary file: loads a `Buffer` (a `Uint8Array`), saves any `Uint8Array`. */
export class BytesDataset extends AbstractFileDataset<Uint8Array> {
  protected async _load(): Promise<Uint8Array> {
    return readFile(this.filepath);
  }

  protected async _save(data: Uint8Array): Promise<void> {
    if (!(data instanceof Uint8Array)) throw new TypeError('BytesDataset saves a Uint8Array (or Buffer)');
    await writeFileAtomic(this.filepath, data);
  }
}
