/**
 * Datasets of the runner suites that record what a runner does with them.
 *
 * @module
 */
import { AbstractDataset } from '../abstract-dataset.js';
import { MemoryDataset } from '../memory-dataset.js';

/**
 * Records `load <name>`, `save <name>` and `release <name>` into a shared log (Kedro's
 * `LoggingDataset`), holding its data in memory. Ephemeral unless `persistent`.
 *
 * @example
 * ```ts
 * const log: string[] = [];
 * const catalog = new DataCatalog({ a: new LoggingDataset(log, 'a', 1) });
 * ```
 * @experimental
 * @since 0.1.0
 */
export class LoggingDataset extends AbstractDataset {
  readonly #inner: MemoryDataset;
  constructor(
    readonly log: string[],
    readonly name: string,
    value?: unknown,
    readonly persistent = false,
  ) {
    super();
    this.#inner = new MemoryDataset(value);
  }
  override get ephemeral(): boolean {
    return !this.persistent;
  }
  protected _load(): unknown {
    this.log.push(`load ${this.name}`);
    return this.#inner.load();
  }
  protected _save(data: unknown): void | Promise<void> {
    this.log.push(`save ${this.name}`);
    return this.#inner.save(data);
  }
  protected override _release(): void {
    this.log.push(`release ${this.name}`);
  }
  protected override _exists(): boolean | Promise<boolean> {
    return this.#inner.exists();
  }
}

/**
 * An in-memory dataset that counts `confirm()` calls. Not a `MemoryDataset` (it holds one), so
 * runners that refuse `MemoryDataset`s between nodes in other processes take it, as they take
 * {@link LoggingDataset}.
 *
 * @experimental
 * @since 0.1.0
 */
export class ConfirmableDataset extends AbstractDataset {
  readonly #inner: MemoryDataset;
  confirmed = 0;
  constructor(value?: unknown) {
    super();
    this.#inner = new MemoryDataset(value);
  }
  override get ephemeral(): boolean {
    return true;
  }
  protected _load(): unknown {
    return this.#inner.load();
  }
  protected _save(data: unknown): void | Promise<void> {
    return this.#inner.save(data);
  }
  protected override _exists(): boolean | Promise<boolean> {
    return this.#inner.exists();
  }
  confirm(): void {
    this.confirmed++;
  }
}
