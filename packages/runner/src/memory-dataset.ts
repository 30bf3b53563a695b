/**
 * `MemoryDataset`: data kept in memory (Kedro's `MemoryDataset`).
 *
 * @module
 */
import { AbstractDataset } from './abstract-dataset.js';
import { COPY_MODES, type CopyMode, copyData, inferCopyMode } from './copy-data.js';
import { DatasetError } from './errors.js';
import { typeName } from './values.js';

/**
 * Options of {@link MemoryDataset}.
 *
 * @since 0.1.0
 */
export interface MemoryDatasetOptions {
  /**
   * `deepcopy` (plain data copied recursively; class instances inside shared), `copy` (shallow) or
   * `assign` (same reference). Applied on save and on load. Default: inferred from the data,
   * `assign` for primitives and class instances, `deepcopy` for plain data.
   */
  copyMode?: CopyMode;
}

const EMPTY: unique symbol = Symbol('MemoryDataset.EMPTY');

/**
 * Keeps data in memory. Ephemeral: the runner releases it (empties it) once its last consumer has
 * run, unless it is a free input or output of the pipeline. Datasets a pipeline uses that are not in
 * the catalog are created as MemoryDatasets.
 *
 * @example
 * ```ts
 * const ds = new MemoryDataset({ a: 1 });           // deepcopy on save and load
 * const shared = new MemoryDataset(client, { copyMode: 'assign' });
 * ```
 * @since 0.1.0
 */
export class MemoryDataset<T = unknown> extends AbstractDataset<T> {
  #data: T | typeof EMPTY = EMPTY;
  readonly #copyMode: CopyMode | undefined;

  /** `data` (when given and not `undefined`) is saved right away. */
  constructor(data?: T, options: MemoryDatasetOptions = {}) {
    super();
    const mode = options.copyMode;
    if (mode !== undefined && !COPY_MODES.includes(mode)) {
      throw new DatasetError(
        'ERR_DATASET_COPY_MODE',
        `Invalid copy mode: ${String(mode)}. Possible values are: ${COPY_MODES.join(', ')}.`,
      );
    }
    this.#copyMode = mode;
    if (data !== undefined) this.#data = copyData(data, mode ?? inferCopyMode(data));
  }

  /** @internal The data without a copy, or `missing` when empty (the catalog reads nested parameters). */
  _peek<M>(missing: M): T | M {
    return this.#data === EMPTY ? missing : this.#data;
  }

  override get ephemeral(): boolean {
    return true;
  }

  /** The configured copy mode, or `undefined` when it is inferred per value. */
  get copyMode(): CopyMode | undefined {
    return this.#copyMode;
  }

  protected _load(): T {
    const data = this.#data;
    if (data === EMPTY) {
      throw new DatasetError('ERR_DATASET_EMPTY', 'Data for MemoryDataset has not been saved yet.');
    }
    return copyData(data, this.#copyMode ?? inferCopyMode(data));
  }

  protected _save(data: T): void {
    this.#data = copyData(data, this.#copyMode ?? inferCopyMode(data));
  }

  protected override _exists(): boolean {
    return this.#data !== EMPTY;
  }

  protected override _release(): void {
    this.#data = EMPTY;
  }

  protected override _describe(): Record<string, unknown> {
    return {
      data: this.#data === EMPTY ? undefined : `<${typeName(this.#data)}>`,
      copyMode: this.#copyMode,
    };
  }
}
