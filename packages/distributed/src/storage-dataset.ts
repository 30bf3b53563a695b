/**
 * `StorageDataset`: one value in one file, V8-serialized, written atomically. The
 * `DistributedRunner` keeps the datasets between nodes that the catalog does not define in such
 * files under its shared storage; declare one yourself to put a dataset anywhere.
 *
 * @module
 */
import { stat } from 'node:fs/promises';
import { AbstractDataset } from '@weft/runner';
import { readValue, remove, writeValue } from './shared-storage.js';

/** Options of {@link StorageDataset}. */
export interface StorageDatasetOptions {
  /** Absolute path of the file (on storage every machine that reads or writes it can reach). */
  filepath: string;
  /**
   * Ephemeral datasets act like the memory datasets they replace: they count as missing for
   * `onlyMissingOutputs`, make the resume suggestion backtrack to their producer, and their file
   * is deleted once the last node that reads them has run. Default false.
   */
  ephemeral?: boolean;
}

/**
 * A value in a file, in V8's serialization format (what `structuredClone` keeps: plain data,
 * Maps, Sets, Dates, typed arrays, Buffers, errors; class instances load as plain objects). Saves
 * are atomic, so a reader never sees half a file and a node re-run overwrites cleanly.
 *
 * @example
 * ```ts
 * const catalog = new DataCatalog({
 *   features: new StorageDataset({ filepath: '/mnt/shared/spaceflights/features.v8' }),
 * });
 * ```
 */
export class StorageDataset<T = unknown> extends AbstractDataset<T> {
  /** Path of the file. */
  readonly filepath: string;
  readonly #ephemeral: boolean;

  constructor(options: StorageDatasetOptions) {
    super();
    if (typeof options?.filepath !== 'string' || options.filepath.length === 0) {
      throw new TypeError("StorageDataset needs a non-empty 'filepath' option");
    }
    this.filepath = options.filepath;
    this.#ephemeral = options.ephemeral === true;
  }

  override get ephemeral(): boolean {
    return this.#ephemeral;
  }

  protected async _load(): Promise<T> {
    return (await readValue(this.filepath)) as T;
  }

  protected async _save(data: T): Promise<void> {
    await writeValue(this.filepath, data);
  }

  protected override async _exists(): Promise<boolean> {
    try {
      return (await stat(this.filepath)).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  protected override async _release(): Promise<void> {
    if (this.#ephemeral) await remove(this.filepath);
  }

  protected override _describe(): Record<string, unknown> {
    return { filepath: this.filepath, ephemeral: this.#ephemeral || undefined };
  }
}
