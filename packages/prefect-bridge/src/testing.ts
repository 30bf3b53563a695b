/**
 * `@weft/prefect-bridge/testing`: start a real, throwaway Prefect server (pinned version,
 * pip-installed into a cached virtual environment) for integration tests and benchmarks, and
 * `captureApiProblems` to see what the bridge reports about a failing server.
 *
 * @packageDocumentation
 */
export { API_ERROR_HEADER, captureApiProblems } from './api-problems.js';
export { PrefectServerError } from './errors.js';
export {
  defaultVenvDir,
  ensurePrefectInstalled,
  freePort,
  PREFECT_VERSION,
  type PrefectInstallOptions,
  type PrefectServer,
  type PrefectServerOptions,
  startPrefectServer,
} from './prefect-test-server.js';
