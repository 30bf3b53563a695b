/**
 * Test support: the project's settings for the throwaway Prefect server of
 * `@weft/prefect-bridge/testing` — the virtual environment under the repository's gitignored
 * `.cache/`, and the `WEFT_SKIP_PREFECT_SERVER=1` escape hatch (refused under `CI=true`).
 */
import { fileURLToPath } from 'node:url';
import {
  freePort,
  PREFECT_VERSION,
  type PrefectServer,
  type PrefectServerOptions,
  startPrefectServer as start,
} from '../../src/testing.js';

export { freePort, PREFECT_VERSION, type PrefectServer };

/** Repository root (this file is packages/prefect-bridge/test/support/prefect-server.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The virtual environment the tests (and `pnpm bench:prefect`) install Prefect into. */
export const VENV_DIR = `${REPO_ROOT}.cache/prefect-venv-${PREFECT_VERSION}`;

const SKIP_VAR = 'WEFT_SKIP_PREFECT_SERVER';

/** Why the server tests are skipped (`WEFT_SKIP_PREFECT_SERVER=1`), or undefined. Never under CI=true. */
export function prefectServerSkip(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const wanted = env[SKIP_VAR] === '1' || env[SKIP_VAR] === 'true';
  if (!wanted) return undefined;
  if (env.CI === 'true' || env.CI === '1') {
    throw new Error(`${SKIP_VAR} is set, but the Prefect server tests cannot be skipped when CI=true`);
  }
  return `${SKIP_VAR}=${env[SKIP_VAR]}: Prefect server integration tests skipped`;
}

/** Starts a throwaway server with the project's venv, printing install progress. */
export function startPrefectServer(options: PrefectServerOptions = {}): Promise<PrefectServer> {
  return start({
    venvDir: VENV_DIR,
    log: (line) => process.stderr.write(`[prefect-server] ${line}\n`),
    hint: `Outside CI you may skip the Prefect server tests with ${SKIP_VAR}=1.`,
    ...options,
  });
}
