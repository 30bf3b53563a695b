/**
 * Error classes of `@weft/release-check`. Every error extends {@link ReleaseCheckError} and carries
 * a stable string `code`; messages name the package, file or command at fault.
 *
 * @module
 */

/** Codes carried by errors of this package. */
export type ReleaseCheckErrorCode =
  | 'ERR_COMMAND_FAILED'
  | 'ERR_WORKSPACE_INVALID'
  | 'ERR_PACKED_PACKAGE_INVALID'
  | 'ERR_PUBLINT_FAILED'
  | 'ERR_CONSUMER_CHECK_FAILED'
  | 'ERR_USAGE'
  | 'ERR_REGISTRY_FAILED';

/** Base class of every error thrown by `@weft/release-check`. */
export class ReleaseCheckError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: ReleaseCheckErrorCode;

  constructor(code: ReleaseCheckErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A child process (pnpm, npm, node, tsc) exited non-zero, was killed, or ran past its time limit. */
export class CommandFailedError extends ReleaseCheckError {
  /** The command line, as it was run. */
  readonly command: string;
  /** Exit code, or `null` when the process was killed by a signal or the timeout. */
  readonly exitCode: number | null;
  /** Everything the process wrote to stdout. */
  readonly stdout: string;
  /** Everything the process wrote to stderr. */
  readonly stderr: string;

  constructor(
    command: string,
    cwd: string,
    exitCode: number | null,
    output: { stdout: string; stderr: string; reason: string },
    options?: ErrorOptions,
  ) {
    const tail = lastLines(`${output.stdout}\n${output.stderr}`, 40);
    super(
      'ERR_COMMAND_FAILED',
      `\`${command}\` (in ${cwd}) ${output.reason}${tail ? `; last output:\n${tail}` : ''}`,
      options,
    );
    this.command = command;
    this.exitCode = exitCode;
    this.stdout = output.stdout;
    this.stderr = output.stderr;
  }
}

/** The workspace is not what the release expects (no pnpm workspace root, no public packages, ...). */
export class WorkspaceError extends ReleaseCheckError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_WORKSPACE_INVALID', message, options);
  }
}

/** A packed tarball breaks a release rule; `problems` lists every broken rule, naming the field or file. */
export class PackedPackageError extends ReleaseCheckError {
  /** The package at fault. */
  readonly packageName: string;
  /** One line per broken rule. */
  readonly problems: readonly string[];

  constructor(packageName: string, problems: readonly string[]) {
    super(
      'ERR_PACKED_PACKAGE_INVALID',
      `the packed tarball of ${packageName} is not releasable:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.packageName = packageName;
    this.problems = problems;
  }
}

/** publint reported errors or warnings for a packed tarball; `messages` holds them, formatted. */
export class PublintError extends ReleaseCheckError {
  /** The package at fault. */
  readonly packageName: string;
  /** publint's findings, one formatted line each. */
  readonly messages: readonly string[];

  constructor(packageName: string, messages: readonly string[]) {
    super(
      'ERR_PUBLINT_FAILED',
      `publint rejects the packed tarball of ${packageName}:\n${messages.map((m) => `  - ${m}`).join('\n')}`,
    );
    this.packageName = packageName;
    this.messages = messages;
  }
}

/** The tarballs installed in a fresh consumer project do not behave like the packages they claim to be. */
export class ConsumerCheckError extends ReleaseCheckError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_CONSUMER_CHECK_FAILED', message, options);
  }
}

/** A command line the release-check CLI cannot act on: unknown option, missing value, stray argument. */
export class UsageError extends ReleaseCheckError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_USAGE', message, options);
  }
}

/** The throwaway registry of a release test could not start, or answered a request wrongly. */
export class RegistryError extends ReleaseCheckError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_REGISTRY_FAILED', message, options);
  }
}

function lastLines(text: string, count: number): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.slice(-count).join('\n');
}
