/**
 * Vitest globalSetup of the prefect-bridge project: one real Prefect server for all test files,
 * its API URL provided as `inject('prefectApiUrl')` (`null` when skipped with
 * WEFT_SKIP_PREFECT_SERVER=1 outside CI).
 */
import type { TestProject } from 'vitest/node';
import { prefectServerSkip, startPrefectServer } from './prefect-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** API URL of the shared Prefect test server, or null when the server tests are skipped. */
    prefectApiUrl: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const skip = prefectServerSkip();
  if (skip !== undefined) {
    process.stderr.write(`[prefect-server] ${skip}\n`);
    project.provide('prefectApiUrl', null);
    return async () => {};
  }
  const server = await startPrefectServer();
  project.provide('prefectApiUrl', server.apiUrl);
  return async () => {
    await server.stop();
  };
}
