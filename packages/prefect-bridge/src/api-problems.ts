/**
 * One report per Prefect server: when the API cannot be reached, the sink and the run tracker
 * say so once (not once per batch or per node), on stderr by default.
 *
 * @module
 */

/**
 * Header of the report, as Prefect's `APILogWorker` prints it.
 *
 * @since 0.1.0
 * @experimental
 */
export const API_ERROR_HEADER = '--- Error logging to API ---';

const reported = new Set<string>();
let writer: (text: string) => void = (text) => {
  process.stderr.write(text);
};

/**
 * Writes `--- Error logging to API ---` and `message` the first time a problem with `apiUrl` is
 * reported in this thread; later reports for the same URL are silent. Returns whether it printed.
 */
export function reportApiProblem(apiUrl: string, message: string): boolean {
  if (reported.has(apiUrl)) return false;
  reported.add(apiUrl);
  writer(`${API_ERROR_HEADER}\n${message}\n`);
  return true;
}

/**
 * Forgets that a problem with `apiUrl` was reported, so the next one prints again (called when the
 * server is back after an outage: each outage gets one report).
 */
export function forgetApiProblem(apiUrl: string): void {
  reported.delete(apiUrl);
}

/**
 * Redirects API problem reports (default: stderr) and forgets which servers were reported, so the
 * next problem prints again. Returns a function restoring the previous writer. Meant for tests.
 *
 * @since 0.1.0
 * @experimental
 */
export function captureApiProblems(write: (text: string) => void): () => void {
  const previous = writer;
  writer = write;
  reported.clear();
  return () => {
    writer = previous;
    reported.clear();
  };
}
