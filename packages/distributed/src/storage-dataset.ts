/**
 * `StorageDataset`: one value in one file, V8-serialized, on the runner's file-dataset base (atomic,
 * flushed saves; versions). Declare one to put a dataset between nodes of a `DistributedRunner`
 * on storage every machine reaches.
 *
 * @module
 */
import { AbstractFileDataset, type FileDatasetOptions } from '@weft/runner';
import { decodeValue, encodeValue, remove } from './shared-storage.js';

/** Options of {@link StorageDataset}. */
export interface StorageDatasetOptions extends FileDatasetOptions {
  /** Absolute path of the file (on storage every machine that reads or writes it can reach). */
  filepath: string;
  /**
   * Ephemeral datasets act like the memory datasets they replace: they count as missing for
   * `onlyMissingOutputs`, make the resume suggestion backtrack to their producer, and their file
   * is deleted once the last node that reads them has run. Default false; not with `version`.
   */
  ephemeral?: boolean;
}

/**
 * A value in a file, in V8's serialization format (what `structuredClone` keeps: plain data,
 * Maps, Sets, Dates, typed arrays, Buffers, errors; class instances load as plain objects). Saves
 * are atomic and flushed to disk, as for the runner's file datasets, so a reader never sees half a
 * file and a node re-run overwrites cleanly; `version` keeps every save, as there.
 *
 * @example
 * ```ts
 * const catalog = new DataCatalog({
 *   features: new StorageDataset({ filepath: '/mnt/shared/spaceflights/features.v8' }),
 * });
 * ```
 * @throws {TypeError} When `filepath` is missing or empty, or an ephemeral dataset is versioned.
 */
export class StorageDataset<T = unknown> extends AbstractFileDataset<T> {
  readonly #ephemeral: boolean;

  constructor(options: StorageDatasetOptions) {
    super(options);
    this.#ephemeral = options.ephemeral === true;
    if (this.#ephemeral && this.versioned) {
      throw new TypeError(`StorageDataset(filepath=${this.filepath}) cannot be both ephemeral and versioned`);
    }
  }

  override get ephemeral(): boolean {
    return this.#ephemeral;
  }

  protected async _load(): Promise<T> {
    return decodeValue(await this._readFile()) as T;
  }

  protected async _save(data: T): Promise<void> {
    await this._writeFile(encodeValue(data));
  }

  protected override async _release(): Promise<void> {
    if (this.#ephemeral) await remove(this.filepath);
  }

  protected override _describe(): Record<string, unknown> {
    return { ...super._describe(), ephemeral: this.#ephemeral || undefined };
  }
}
