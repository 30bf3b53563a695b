/**
 * Errors of `@weft/create`: one base class with a string `code` and the exit status the command
 * ends with. Messages name the folder, name or option at fault and what to do.
 *
 * @module
 */

/** Base class of every error thrown by `@weft/create`. */
export class CreateError extends Error {
  /** A stable, machine-readable code such as `ERR_CREATE_FOLDER`. */
  readonly code: string;
  /** The exit status `create-weft` ends with: 2 (nothing was written), 1 (written, a later step failed). */
  readonly exitCode: number;

  constructor(code: string, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 2;
  }
}

/** What was asked cannot be done as asked: a bad name, a folder that is not empty, no folder. Exit 2. */
export class CreateUsageError extends CreateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CREATE_USAGE', message, options);
  }
}
