/**
 * How the command line prints a thrown value's stack. Its `Name: message` and message-only forms
 * are `describeErrorWithName` and `describeError` of `@weft/runner/extend`.
 *
 * @module
 */

/** The stack of an error, led by `Name: message` when the stack does not hold the message. */
export function errorStack(error: unknown): string {
  if (error instanceof Error) {
    const stack = error.stack ?? `${error.name}: ${error.message}`;
    return stack.includes(error.message) ? stack : `${error.name}: ${error.message}\n${stack}`;
  }
  return String(error);
}
