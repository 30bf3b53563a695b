/**
 * Test support: a real Prefect 3 server for the distributed tests that check what reaches
 * Prefect, from the same pip-installed virtual environment as the bridge's tests (the repository's
 * gitignored `.cache/`). `WEFT_SKIP_PREFECT_SERVER=1` skips them outside CI, as there.
 */
import { fileURLToPath } from 'node:url';
import { PREFECT_VERSION, type PrefectServer, startPrefectServer } from '@weft/prefect-bridge/testing';

export type { PrefectServer };

const SKIP_VAR = 'WEFT_SKIP_PREFECT_SERVER';

/** True when the Prefect server tests are skipped (`WEFT_SKIP_PREFECT_SERVER=1`, never under CI). */
export const skipWithoutPrefect = (() => {
  const wanted = process.env[SKIP_VAR] === '1' || process.env[SKIP_VAR] === 'true';
  if (!wanted) return false;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`${SKIP_VAR} is set, but the Prefect server tests cannot be skipped when CI=true`);
  }
  console.warn(`\n[@weft/distributed] ${SKIP_VAR}=1: skipping the tests against a Prefect server.\n`);
  return true;
})();

/**
 * Starts a throwaway Prefect server on a free loopback port (installing Prefect on first use).
 * Its database waits up to two minutes for SQLite (Prefect's default is 10 s, after which it
 * answers 503): on a loaded machine a burst of task runs is slow to store, not unavailable.
 */
export function startPrefect(): Promise<PrefectServer> {
  const repo = fileURLToPath(new URL('../../../../', import.meta.url));
  return startPrefectServer({
    venvDir: `${repo}.cache/prefect-venv-${PREFECT_VERSION}`,
    env: {
      PREFECT_SERVER_DATABASE_TIMEOUT: '120',
      PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT: '120',
    },
    timeoutMs: 300_000,
    log: (line) => process.stderr.write(`[prefect-server] ${line}\n`),
    hint: `Outside CI you may skip the Prefect server tests with ${SKIP_VAR}=1.`,
  });
}
