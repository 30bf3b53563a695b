/**
 * The dataset the DistributedRunner keeps for data between jobs that the catalog does not define:
 * like the `MemoryDataset` it replaces (ephemeral, released after its last reader), but bounded:
 * a value whose V8 serialization is small stays in the coordinator's memory (as those bytes, so
 * every load is a fresh copy), a larger one goes to a file in the run's folder in shared storage.
 *
 * @module
 */
import { stat } from 'node:fs/promises';
import { AbstractDataset } from '@weft/runner';
import { decodeValue, encodeValue, readValue, remove, writeAtomic } from './shared-storage.js';

/** A dataset between jobs, kept by the runner for one run. */
export class RunDataset extends AbstractDataset {
  /** Where a large value is written. */
  readonly filepath: string;
  readonly #memoryBytes: number;
  #bytes: Buffer | undefined;
  #inFile = false;

  constructor(filepath: string, memoryBytes: number) {
    super();
    this.filepath = filepath;
    this.#memoryBytes = memoryBytes;
  }

  override get ephemeral(): boolean {
    return true;
  }

  protected _load(): unknown {
    if (this.#bytes !== undefined) return decodeValue(this.#bytes);
    return readValue(this.filepath);
  }

  protected _save(data: unknown): void | Promise<void> {
    const bytes = encodeValue(data);
    if (bytes.length <= this.#memoryBytes) {
      this.#bytes = bytes;
      if (this.#inFile) {
        this.#inFile = false;
        return remove(this.filepath);
      }
      return;
    }
    this.#bytes = undefined;
    return writeAtomic(this.filepath, bytes).then(() => {
      this.#inFile = true;
    });
  }

  protected override async _exists(): Promise<boolean> {
    if (this.#bytes !== undefined) return true;
    try {
      return (await stat(this.filepath)).isFile();
    } catch {
      return false;
    }
  }

  protected override _release(): void | Promise<void> {
    this.#bytes = undefined;
    if (this.#inFile) {
      this.#inFile = false;
      return remove(this.filepath);
    }
  }

  protected override _describe(): Record<string, unknown> {
    return { filepath: this.filepath, memoryBytes: this.#memoryBytes };
  }
}
