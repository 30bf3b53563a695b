/**
 * How the command line words a thrown value: the one place for the `Name: message`, message-only
 * and stack forms the commands print.
 *
 * @module
 */

/** `Name: message` for an error, the value as a string otherwise. */
export function errorSummary(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The message of an error, the value as a string otherwise. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The stack of an error, led by `Name: message` when the stack does not hold the message. */
export function errorStack(error: unknown): string {
  if (error instanceof Error) {
    const stack = error.stack ?? `${error.name}: ${error.message}`;
    return stack.includes(error.message) ? stack : `${error.name}: ${error.message}\n${stack}`;
  }
  return String(error);
}
