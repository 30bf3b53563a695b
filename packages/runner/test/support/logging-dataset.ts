import { AbstractDataset, MemoryDataset } from '../../src/index.js';

/** Records load, save and release events into a shared log (Kedro's LoggingDataset). */
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
  protected _load() {
    this.log.push(`load ${this.name}`);
    return this.#inner.load();
  }
  protected _save(data: unknown) {
    this.log.push(`save ${this.name}`);
    return this.#inner.save(data);
  }
  protected override _release() {
    this.log.push(`release ${this.name}`);
  }
  protected override _exists() {
    return this.#inner.exists();
  }
}

/** Counts confirm() calls. */
export class ConfirmableDataset extends MemoryDataset {
  confirmed = 0;
  confirm(): void {
    this.confirmed++;
  }
}
