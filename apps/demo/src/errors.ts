/**
 * Errors raised by the demo. Every error extends {@link DemoError}, carries a stable string `code`
 * and keeps the underlying error (if any) as ES2022 `cause`.
 *
 * @module
 */

/** Base class of every error thrown by @weft/demo. */
export class DemoError extends Error {
  /** Stable, machine-readable error code. */
  readonly code: string;

  /**
   * @param message Human-readable message naming the thing at fault.
   * @param code Stable error code.
   * @param options Standard `ErrorOptions` (`cause`).
   */
  constructor(message: string, code = 'DEMO_ERROR', options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A command-line option has a value the demo cannot use (names the option). */
export class DemoUsageError extends DemoError {
  /** @param message Names the option and the accepted values. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'DEMO_USAGE', options);
  }
}

/** Input data does not have the shape a node expects (names the dataset, row and column). */
export class DemoDataError extends DemoError {
  /** @param message Names the dataset, row and column at fault. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'DEMO_DATA', options);
  }
}

/** A model cannot be fitted (too few rows, a singular system); names the model. */
export class ModelFitError extends DemoError {
  /** @param message Names the model and why it cannot be fitted. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'MODEL_FIT', options);
  }
}
