/**
 * Errors raised by @weft/viz. Every error extends {@link VizError}, carries a stable string `code`,
 * and keeps the underlying error (if any) as ES2022 `cause`.
 *
 * @module
 */

/** Base class of every error thrown by @weft/viz. */
export class VizError extends Error {
  /** Stable, machine-readable error code. */
  readonly code: string;

  /**
   * @param message Human-readable message naming the run, file or option at fault.
   * @param code Stable error code.
   * @param options Standard `ErrorOptions` (`cause`).
   */
  constructor(message: string, code = 'VIZ_ERROR', options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A run history (`.weft/runs/`) could not be read or written, or a run in it does not exist. */
export class RunHistoryError extends VizError {
  /** @param message Names the file or run at fault. */
  constructor(message: string, code = 'RUN_HISTORY', options?: ErrorOptions) {
    super(message, code, options);
  }
}

/** An option of the recorder, the report or the viewer is invalid. */
export class VizConfigError extends VizError {
  /** @param message Names the option at fault. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'VIZ_CONFIG', options);
  }
}
