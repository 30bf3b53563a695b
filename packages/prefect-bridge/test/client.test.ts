import { afterEach, describe, expect, it } from 'vitest';
import {
  PrefectAbortError,
  PrefectApiError,
  PrefectClient,
  PrefectConfigError,
  PrefectConnectionError,
} from '../src/index.js';
import { freePort } from './support/prefect-server.js';
import { type ScriptedServer, startScriptedServer } from './support/scripted-server.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('PrefectClient configuration', () => {
  it('reads PREFECT_API_URL, PREFECT_API_KEY and PREFECT_API_AUTH_STRING', async () => {
    server = await startScriptedServer(() => ({ status: 200, body: true }));
    const env = { PREFECT_API_URL: `${server.url}/`, PREFECT_API_KEY: 'pnu_key' };
    const bearer = new PrefectClient({ env });
    expect(bearer.apiUrl).toBe(server.url);
    await bearer.health();
    expect(server.requests[0]?.headers.authorization).toBe('Bearer pnu_key');
    expect(server.requests[0]?.headers['x-prefect-api-version']).toBe('0.8.4');
    expect(server.requests[0]?.url).toBe('/api/health');

    // an auth string wins over an API key, as in Prefect
    const basic = new PrefectClient({ env: { ...env, PREFECT_API_AUTH_STRING: 'admin:pass' } });
    await basic.health();
    expect(server.requests[1]?.headers.authorization).toBe(
      `Basic ${Buffer.from('admin:pass').toString('base64')}`,
    );
  });

  it('explains a missing or invalid API URL', () => {
    expect(() => new PrefectClient({ env: {} })).toThrow(PrefectConfigError);
    expect(() => new PrefectClient({ env: {} })).toThrow(/set PREFECT_API_URL/);
    expect(() => new PrefectClient({ apiUrl: 'not a url' })).toThrow(/Invalid Prefect API URL "not a url"/);
    expect(() => new PrefectClient({ apiUrl: 'ftp://x/api' })).toThrow(/expected http:\/\/ or https:\/\//);
    expect(
      () =>
        new PrefectClient({
          env: { PREFECT_API_URL: 'http://x/api', PREFECT_CLIENT_RETRY_EXTRA_CODES: '500,abc' },
        }),
    ).toThrow(/"abc" in PREFECT_CLIENT_RETRY_EXTRA_CODES/);
    expect(
      () =>
        new PrefectClient({ env: { PREFECT_API_URL: 'http://x/api', PREFECT_API_REQUEST_TIMEOUT: '-3' } }),
    ).toThrow(/PREFECT_API_REQUEST_TIMEOUT="-3"/);
    expect(PrefectClient.isConfigured({ PREFECT_API_URL: ' ' })).toBe(false);
  });
});

describe('PrefectClient retries', () => {
  it('retries a 503 burst with backoff, then succeeds', async () => {
    server = await startScriptedServer((_req, i) =>
      i < 3 ? { status: 503, body: { detail: 'busy' } } : { status: 200, body: '3.9.1' },
    );
    const client = new PrefectClient({ apiUrl: server.url, retryBaseDelayMs: 20 });
    expect(await client.serverVersion()).toBe('3.9.1');
    expect(server.requests).toHaveLength(4);
    const gaps = server.requests.slice(1).map((r, i) => r.at - (server?.requests[i]?.at ?? 0));
    // waits of 20, 40, 80 ms ±20 % jitter: each at least 16 ms (a lower bound only: load makes them longer)
    expect(gaps.every((g) => g >= 15)).toBe(true);
  });

  it('retries 408, 429 and 502 too, honouring Retry-After', async () => {
    const statuses = [408, 429, 502];
    server = await startScriptedServer((_req, i) =>
      i < 3
        ? { status: statuses[i] as number, headers: { 'retry-after': '0' } }
        : { status: 200, body: true },
    );
    const client = new PrefectClient({ apiUrl: server.url, retryBaseDelayMs: 5000 });
    const started = Date.now();
    expect(await client.health()).toBe(true);
    expect(server.requests).toHaveLength(4);
    expect(Date.now() - started).toBeLessThan(4000); // Retry-After: 0 beat the 5 s base delay
  });

  it('gives up after maxRetries with an error naming the request and status', async () => {
    server = await startScriptedServer(() => ({ status: 503, body: { detail: 'down for maintenance' } }));
    const client = new PrefectClient({ apiUrl: server.url, retryBaseDelayMs: 1, maxRetries: 2 });
    const error = await client.createFlow('etl').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrefectApiError);
    expect((error as PrefectApiError).status).toBe(503);
    expect((error as Error).message).toBe(
      'Prefect API POST /flows/ failed with HTTP 503: {"detail":"down for maintenance"}',
    );
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry other errors, and honours PREFECT_CLIENT_RETRY_EXTRA_CODES', async () => {
    server = await startScriptedServer((_req, i) =>
      i % 2 === 0 ? { status: 500 } : { status: 200, body: true },
    );
    const plain = new PrefectClient({ apiUrl: server.url, retryBaseDelayMs: 1 });
    await expect(plain.health()).rejects.toThrow(/HTTP 500: \(empty body\)/);
    expect(server.requests).toHaveLength(1);
    await plain.health(); // request 2 succeeds
    const extra = new PrefectClient({
      env: { PREFECT_API_URL: server.url, PREFECT_CLIENT_RETRY_EXTRA_CODES: '500' },
      retryBaseDelayMs: 1,
    });
    expect(await extra.health()).toBe(true); // request 3 is a 500, retried as request 4
    expect(server.requests).toHaveLength(4);
  });

  it('fails fast when the server was never reached, without retrying', async () => {
    const port = await freePort();
    const client = new PrefectClient({ apiUrl: `http://127.0.0.1:${port}/api`, retryBaseDelayMs: 10_000 });
    const started = Date.now();
    const error = await client.health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrefectConnectionError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Could not reach the Prefect API at http://127.0.0.1:${port}/api/health \\(GET /health\\): .*ECONNREFUSED`,
      ),
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('retries a dropped connection once the server has been reached', async () => {
    server = await startScriptedServer((_req, i) => (i === 1 ? 'destroy' : { status: 200, body: true }));
    const client = new PrefectClient({ apiUrl: server.url, retryBaseDelayMs: 5 });
    expect(await client.health()).toBe(true);
    expect(await client.health()).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  it('times out a request that never answers', async () => {
    server = await startScriptedServer(() => 'hang');
    const client = new PrefectClient({ apiUrl: server.url, timeoutMs: 200, maxRetries: 0 });
    await expect(client.health()).rejects.toThrow(PrefectConnectionError);
  });

  it('stops at once when the caller aborts, even during a backoff wait', async () => {
    server = await startScriptedServer(() => ({ status: 503 }));
    const client = new PrefectClient({ apiUrl: server.url, retryBaseDelayMs: 60_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop now')), 100);
    const started = Date.now();
    await expect(client.health({ signal: controller.signal })).rejects.toThrow('stop now');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('PrefectClient set_state', () => {
  it('sleeps on WAIT and proposes again; returns REJECT; throws PrefectAbortError on ABORT', async () => {
    const replies = [
      {
        status: 200,
        body: { status: 'WAIT', state: null, details: { type: 'wait_details', delay_seconds: 0.05 } },
      },
      {
        status: 201,
        body: { status: 'ACCEPT', state: { type: 'RUNNING' }, details: { type: 'accept_details' } },
      },
      {
        status: 200,
        body: { status: 'REJECT', state: { type: 'COMPLETED' }, details: { type: 'reject_details' } },
      },
      {
        status: 200,
        body: {
          status: 'ABORT',
          state: null,
          details: {
            type: 'abort_details',
            reason: 'The enclosing flow must be running to begin task execution.',
          },
        },
      },
    ];
    server = await startScriptedServer((_req, i) => replies[i] ?? { status: 500 });
    const client = new PrefectClient({ apiUrl: server.url });
    const result = await client.setFlowRunState('f1', { type: 'RUNNING' });
    expect(result.status).toBe('ACCEPT');
    const [first, second] = server.requests.map((r) => JSON.parse(r.body));
    expect(first.state.type).toBe('RUNNING');
    expect(first.state.state_details.transition_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.state.state_details.transition_id).toBe(first.state.state_details.transition_id);
    expect(first.force).toBe(false);
    // REJECT is returned, not thrown: the current state comes back (as in Prefect's Python client)
    const rejected = await client.setTaskRunState('t1', { type: 'RUNNING' });
    expect(rejected).toMatchObject({ status: 'REJECT', state: { type: 'COMPLETED' } });
    const error = await client.setTaskRunState('t1', { type: 'RUNNING' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrefectAbortError);
    expect((error as Error).message).toBe(
      'Prefect aborted setting task run t1 to RUNNING: The enclosing flow must be running to begin task execution.',
    );
  });

  it('validates readLogs page size', async () => {
    const client = new PrefectClient({ apiUrl: 'http://127.0.0.1:9/api' });
    await expect(client.readLogs({ limit: 201 })).rejects.toThrow(
      'readLogs limit must be an integer from 1 to 200, got 201',
    );
    await expect(client.createFlow('')).rejects.toThrow('Flow name must not be empty');
  });
});
