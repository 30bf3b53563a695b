/**
 * The project's errors: one base class with a stable string `code` (and ES2022 `cause`), and a
 * class per kind of problem. Messages name the dataset, row, column or model at fault.
 *
 * @module
 */

/** Base class of the project's errors. */
export class SpaceflightsError extends Error {
  /** Stable, machine-readable error code. */
  readonly code: string;

  constructor(message: string, code = 'SPACEFLIGHTS_ERROR', options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Input data does not have the shape a node expects (names the dataset, row and column). */
export class DataError extends SpaceflightsError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'SPACEFLIGHTS_DATA', options);
  }
}

/** A model cannot be fitted (too few rows, a singular system, bad options); names the model. */
export class ModelFitError extends SpaceflightsError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'SPACEFLIGHTS_MODEL_FIT', options);
  }
}
