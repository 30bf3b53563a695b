/**
 * A second real Prefect server, started by this file with basic auth
 * (PREFECT_SERVER_API_AUTH_STRING), then stopped in the middle of a flow run.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { flow, getRunLogger, PrefectApiError, PrefectApiSink, PrefectClient, task } from '../src/index.js';
import { MemorySink } from '../src/logging.js';
import { captureApiProblems } from '../src/testing.js';
import { type PrefectServer, startPrefectServer } from './support/prefect-server.js';

const enabled = inject('prefectApiUrl') !== null;

describe.skipIf(!enabled)('a Prefect server with basic auth', () => {
  let server: PrefectServer;
  beforeAll(async () => {
    server = await startPrefectServer({ env: { PREFECT_SERVER_API_AUTH_STRING: 'admin:pass' } });
  }, 240_000);
  afterAll(async () => {
    await server?.stop();
  }, 30_000);

  it('answers 401 without credentials, serves /health unauthenticated, accepts Basic auth', async () => {
    const anonymous = new PrefectClient({ apiUrl: server.apiUrl, env: {} });
    expect(await anonymous.health()).toBe(true);
    const error = await anonymous.createFlow('secret').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrefectApiError);
    expect((error as PrefectApiError).status).toBe(401);
    const wrong = new PrefectClient({ apiUrl: server.apiUrl, authString: 'admin:wrong' });
    expect(((await wrong.createFlow('secret').catch((e: unknown) => e)) as PrefectApiError).status).toBe(401);
    const authed = new PrefectClient({
      env: { PREFECT_API_URL: server.apiUrl, PREFECT_API_AUTH_STRING: 'admin:pass' },
    });
    expect((await authed.createFlow('secret')).name).toBe('secret');
  });

  it('a flow reports and ships logs through basic auth; then the server stops mid-run and the flow still finishes', async () => {
    const client = new PrefectClient({
      apiUrl: server.apiUrl,
      authString: 'admin:pass',
      retryBaseDelayMs: 20,
      maxRetries: 2,
    });
    const sink = new PrefectApiSink({ client, batchIntervalMs: 100 });
    const memory = new MemorySink();
    const printed: string[] = [];
    const restore = captureApiProblems((t) => printed.push(t));
    try {
      const before = task(() => getRunLogger().info('before the outage'), { name: 'before' });
      const stopServer = task(
        async () => {
          await sink.flush();
          await server.stop();
          getRunLogger().info('during the outage');
        },
        { name: 'stop_server' },
      );
      const after = task(() => getRunLogger().info('after the outage'), { name: 'after' });
      let flowRunId = '';
      const result = await flow(
        async () => {
          flowRunId = getRunLogger().flowRunId as string;
          await before();
          const checkClient = new PrefectClient({ apiUrl: server.apiUrl, authString: 'admin:pass' });
          const run = await checkClient.readFlowRun(flowRunId);
          expect(run.state_type).toBe('RUNNING');
          await sink.flush();
          const logs = await checkClient.readAllLogs({ flowRunId });
          expect(logs.some((l) => l.message === 'before the outage')).toBe(true);
          await stopServer();
          await after();
          return 'finished';
        },
        { name: 'outage', client, sinks: [sink, memory] },
      )();
      expect(result).toBe('finished');
      await sink.close({ timeoutMs: 5000 });
      expect(memory.find('after the outage')).toHaveLength(1);
      expect(printed).toHaveLength(1);
      expect(printed[0]).toMatch(/^--- Error logging to API ---\n/);
    } finally {
      restore();
    }
  }, 60_000);
});
