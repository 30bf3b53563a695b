/**
 * Errors raised by @weft/viz. Every error extends {@link VizError}, carries a stable string `code`
 * ({@link VizErrorCode}), and keeps the underlying error (if any) as ES2022 `cause`.
 *
 * @module
 */

import { defineErrorMarker } from '@weft/contextvars/error-marker';

/** Codes of {@link RunHistoryError}. */
export type RunHistoryErrorCode =
  /** A `RunHistory` option is invalid. */
  | 'RUN_HISTORY_CONFIG'
  /** A run id is not one the history makes. */
  | 'RUN_HISTORY_ID'
  /** The run history folder or a run file could not be read. */
  | 'RUN_HISTORY_READ'
  /** The run history folder or a run file could not be written. */
  | 'RUN_HISTORY_WRITE'
  /** A run file has no start event. */
  | 'RUN_HISTORY_CORRUPT'
  /** No run with that id in the history. */
  | 'RUN_NOT_FOUND';

/** Codes carried by errors of this package. */
export type VizErrorCode =
  | RunHistoryErrorCode
  /** {@link VizConfigError}: an option of the recorder, the report or the viewer is invalid. */
  | 'VIZ_CONFIG'
  /** The page assets of the package are missing (a broken install). */
  | 'VIZ_ASSETS'
  /** `renderReport` was not given a run record. */
  | 'VIZ_REPORT'
  /** The run report could not be written. */
  | 'VIZ_REPORT_WRITE';

/**
 * Base class of every error thrown by @weft/viz: `(code, message, options)`. Subclasses fix their
 * code (or the set of codes they may carry).
 *
 * Check identity with {@link VizError.is} (`RunHistoryError.is(error)`), not `instanceof`:
 * `instanceof` fails when two copies of the package are installed.
 */
export class VizError extends Error {
  /** Stable, machine-readable error code. */
  readonly code: VizErrorCode;

  /**
   * @param code Stable error code.
   * @param message Human-readable message naming the run, file or option at fault.
   * @param options Standard `ErrorOptions` (`cause`).
   */
  constructor(code: VizErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /**
   * Whether `value` is an error of this class (or one of its subclasses), made by any copy of
   * `@weft/viz`. Never throws.
   *
   * @example
   * ```ts
   * if (RunHistoryError.is(error) && error.code === 'RUN_NOT_FOUND') return notFound();
   * ```
   */
  static is<T extends abstract new (...args: never[]) => VizError>(
    this: T,
    value: unknown,
  ): value is InstanceType<T> {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `is` was called on (a subclass too)
    return isVizError(value, this.name);
  }
}
/** The cross-copy check behind `VizError.is`: a `Symbol.for('weft.viz.error')` marker on the prototype. */
const isVizError = defineErrorMarker(VizError, 'weft.viz.error');

/** A run history (`.weft/runs/`) could not be read or written, or a run in it does not exist. */
export class RunHistoryError extends VizError {
  declare readonly code: RunHistoryErrorCode;

  /**
   * @param code Which of the history's failures.
   * @param message Names the file or run at fault.
   * @param options Standard `ErrorOptions` (`cause`).
   */
  constructor(code: RunHistoryErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** An option of the recorder, the report or the viewer is invalid. */
export class VizConfigError extends VizError {
  /** @param message Names the option at fault. */
  constructor(message: string, options?: ErrorOptions) {
    super('VIZ_CONFIG', message, options);
  }
}
