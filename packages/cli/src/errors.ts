/**
 * Errors of @weft/cli: one base class ({@link CliError}) with a string `code` and the exit status
 * the command ends with. Messages say what to type or which file and line to fix.
 *
 * @module
 */

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

/** Base class of every error thrown by @weft/cli. */
export class CliError extends Error {
  /** A stable, machine-readable code such as `ERR_CLI_CONFIG`. */
  readonly code: string;
  /** The exit status `weft` ends with for this error: 2 (usage or configuration), 1 (the run failed). */
  readonly exitCode: number;

  constructor(code: string, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 2;
  }
}

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

  constructor(message: string, location?: SourceLocation, options?: { cause?: unknown; code?: string }) {
    super(
      options?.code ?? 'ERR_CLI_CONFIG',
      location === undefined ? message : `${formatLocation(location)}: ${message}`,
      options,
    );
    this.location = location;
  }
}
