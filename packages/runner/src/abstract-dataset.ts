/**
 * `AbstractDataset`: the base class of every dataset (Kedro's `kedro.io.AbstractDataset`).
 *
 * @module
 */
import { DatasetError, describeErrorWithName } from './errors.js';
import { isThenable } from './values.js';

/**
 * Base class of datasets. Extend it and implement `_load` and `_save` (sync or async); optionally
 * `_exists`, `_release`, `_describe`, and a public `confirm()` method. The public `load`, `save`,
 * `exists` and `release` wrap yours with Kedro's error wording: anything that is not a
 * `DatasetError` becomes one naming the dataset ("Failed while loading data from dataset …"), and
 * saving `undefined` is refused.
 *
 * @example
 * ```ts
 * class UpperTextDataset extends AbstractDataset<string> {
 *   constructor(private readonly inner: TextDataset) { super(); }
 *   protected async _load() { return (await this.inner.load()).toUpperCase(); }
 *   protected _save(data: string) { return this.inner.save(data); }
 * }
 * ```
 * @since 0.1.0
 */
export abstract class AbstractDataset<TLoad = unknown, TSave = TLoad> {
  /**
   * Free-form facts about the dataset for tools and plugins (Kedro's `metadata`; a catalog entry's
   * `metadata` key). Weft itself never reads it.
   */
  metadata: Readonly<Record<string, unknown>> | undefined;

  /**
   * Whether the data lives only as long as the process (Kedro's `_EPHEMERAL`): memory datasets.
   * Ephemeral datasets are never "missing" for `onlyMissingOutputs` and make the resume
   * suggestion backtrack to their producer.
   */
  get ephemeral(): boolean {
    return false;
  }

  /** Loads the data. */
  protected abstract _load(): TLoad | Promise<TLoad>;

  /** Saves the data. */
  protected abstract _save(data: TSave): void | Promise<void>;

  /** Whether data exists. Default: `false` (unknown counts as missing). */
  protected _exists(): boolean | Promise<boolean> {
    return false;
  }

  /** Frees cached data. Default: nothing. */
  protected _release(): void | Promise<void> {}

  /** Key facts shown in `toString()`, e.g. `{ filepath }`. */
  protected _describe(): Record<string, unknown> {
    return {};
  }

  /** Loads the data; errors become a {@link DatasetError} naming this dataset. */
  async load(): Promise<TLoad> {
    return this._loadNow();
  }

  /** Saves `data`; `undefined` is refused; errors become a {@link DatasetError} naming this dataset. */
  async save(data: TSave): Promise<void> {
    return this._saveNow(data);
  }

  /**
   * @internal `load()` without a promise when `_load` is synchronous (the runners' fast path; used
   * only when `load` is not overridden).
   */
  _loadNow(): TLoad | Promise<TLoad> {
    let result: TLoad | Promise<TLoad>;
    try {
      result = this._load();
    } catch (error) {
      throw this.#loadError(error);
    }
    if (isThenable(result))
      return Promise.resolve(result).catch((error: unknown) => Promise.reject(this.#loadError(error)));
    return result;
  }

  /** @internal `save()` without a promise when `_save` is synchronous. */
  _saveNow(data: TSave): void | Promise<void> {
    if (data === undefined) {
      throw new DatasetError(
        'ERR_DATASET_SAVE_UNDEFINED',
        "Saving 'undefined' to a 'Dataset' is not allowed",
      );
    }
    let result: void | Promise<void>;
    try {
      result = this._save(data);
    } catch (error) {
      throw this.#saveError(error);
    }
    if (isThenable(result))
      return Promise.resolve(result).catch((error: unknown) => Promise.reject(this.#saveError(error)));
  }

  /** @internal `release()` without a promise when `_release` is synchronous. */
  _releaseNow(): void | Promise<void> {
    let result: void | Promise<void>;
    try {
      result = this._release();
    } catch (error) {
      throw this.#releaseError(error);
    }
    if (isThenable(result))
      return Promise.resolve(result).catch((error: unknown) => Promise.reject(this.#releaseError(error)));
  }

  #loadError(error: unknown): unknown {
    if (DatasetError.is(error)) return error;
    return new DatasetError(
      'ERR_DATASET_LOAD',
      `Failed while loading data from dataset ${this}.\n${describeErrorWithName(error)}`,
      {
        cause: error,
      },
    );
  }

  #saveError(error: unknown): unknown {
    if (DatasetError.is(error)) return error;
    return new DatasetError(
      'ERR_DATASET_SAVE',
      `Failed while saving data to dataset ${this}.\n${describeErrorWithName(error)}`,
      {
        cause: error,
      },
    );
  }

  #releaseError(error: unknown): unknown {
    if (DatasetError.is(error)) return error;
    return new DatasetError(
      'ERR_DATASET_RELEASE',
      `Failed during release for dataset ${this}.\n${describeErrorWithName(error)}`,
      {
        cause: error,
      },
    );
  }

  /** Whether data exists; errors become a {@link DatasetError}. */
  async exists(): Promise<boolean> {
    try {
      return await this._exists();
    } catch (error) {
      if (DatasetError.is(error)) throw error;
      throw new DatasetError(
        'ERR_DATASET_EXISTS_CHECK',
        `Failed during exists check for dataset ${this}.\n${describeErrorWithName(error)}`,
        { cause: error },
      );
    }
  }

  /** Releases cached data; errors become a {@link DatasetError}. */
  async release(): Promise<void> {
    return this._releaseNow();
  }

  /** `ClassName(key=value, ...)`. */
  toString(): string {
    const parts = Object.entries(this._describe())
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    return `${this.constructor.name}(${parts.join(', ')})`;
  }
}
