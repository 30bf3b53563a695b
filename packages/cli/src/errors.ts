/**
 * Errors of @weft/cli: one base class ({@link CliError}) with a string `code` and the exit status
 * the command ends with. Messages say what to type or which file and line to fix.
 *
 * @module
 */

import { defineErrorMarker } from '@weft/contextvars/error-marker';

/** Where in a configuration file something is (1-based line and column). */
export interface SourceLocation {
  /** Path of the file, as shown to the user (relative to the project when inside it). */
  readonly file: string;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
}

/** `conf/base/catalog.yml:12:3` (or without column / line). */
export function formatLocation(location: SourceLocation): string {
  let text = location.file;
  if (location.line !== undefined) {
    text += `:${location.line}`;
    if (location.column !== undefined) text += `:${location.column}`;
  }
  return text;
}

/** Codes carried by errors of this package. */
export type CliErrorCode =
  /** {@link UsageError}: the command line is wrong. Exit 2. */
  | 'ERR_CLI_USAGE'
  /** {@link ConfigError}: the project's configuration is wrong. Exit 2. */
  | 'ERR_CLI_CONFIG'
  /** {@link ConfigError}: a pipeline's free inputs are neither in the catalog nor given. Exit 2. */
  | 'ERR_CLI_MISSING_INPUTS'
  /** `--prefect-required` and the Prefect server cannot be reached. Exit 2. */
  | 'ERR_CLI_PREFECT'
  /** `weft viz` cannot start the viewer or describe the project. Exit 2. */
  | 'ERR_CLI_VIZ';

/**
 * Base class of every error thrown by @weft/cli: `(code, message, options)`. Subclasses fix their
 * code (or the set of codes they may carry).
 *
 * Check identity with {@link CliError.is} (`ConfigError.is(error)`), not `instanceof`:
 * `instanceof` fails when two copies of the package are installed.
 */
export class CliError extends Error {
  /** A stable, machine-readable code such as `ERR_CLI_CONFIG`. */
  readonly code: CliErrorCode;
  /** The exit status `weft` ends with for this error: 2 (usage or configuration), 1 (the run failed). */
  readonly exitCode: number;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 2;
  }

  /**
   * Whether `value` is an error of this class (or one of its subclasses), made by any copy of
   * `@weft/cli`. Never throws.
   *
   * @example
   * ```ts
   * if (CliError.is(error)) process.exitCode = error.exitCode;
   * ```
   */
  static is<T extends abstract new (...args: never[]) => CliError>(
    this: T,
    value: unknown,
  ): value is InstanceType<T> {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `is` was called on (a subclass too)
    return isCliError(value, this.name);
  }
}
/** The cross-copy check behind `CliError.is`: a `Symbol.for('weft.cli.error')` marker on the prototype. */
const isCliError = defineErrorMarker(CliError, 'weft.cli.error');

/** The command line is wrong: an unknown flag or value, a name the project does not have. Exit 2. */
export class UsageError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CLI_USAGE', message, options);
  }
}

/**
 * The project's configuration is wrong: bad YAML, an unknown key or dataset type, a missing
 * credential or interpolation key, a registry that does not return pipelines. `location` says
 * where; the message starts with it. Exit 2.
 */
export class ConfigError extends CliError {
  /** Where the problem is, when it is in a file. */
  readonly location: SourceLocation | undefined;

  constructor(
    message: string,
    location?: SourceLocation,
    options?: { cause?: unknown; code?: 'ERR_CLI_CONFIG' | 'ERR_CLI_MISSING_INPUTS' },
  ) {
    super(
      options?.code ?? 'ERR_CLI_CONFIG',
      location === undefined ? message : `${formatLocation(location)}: ${message}`,
      options,
    );
    this.location = location;
  }
}
