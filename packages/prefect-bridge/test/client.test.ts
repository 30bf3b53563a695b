import { afterEach, describe, expect, it } from 'vitest';
import { logCreateOf } from '../src/client-logs.js';
import {
  PrefectAbortError,
  PrefectApiError,
  PrefectClient,
  PrefectConfigError,
  PrefectConnectionError,
  PrefectUnavailableError,
} from '../src/index.js';
import { startSilentServer } from './support/fault-proxy.js';
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
    // after the 502 (a gateway error) the client checked that the server behind it answers
    expect(server.requests.map((r) => r.url)).toEqual([
      '/api/health',
      '/api/health',
      '/api/health',
      '/api/health',
      '/api/health',
    ]);
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

  it('retries a dropped connection when the server still answers GET /health', async () => {
    server = await startScriptedServer((_req, i) => (i === 1 ? 'destroy' : { status: 200, body: true }));
    const client = new PrefectClient({ apiUrl: server.url, retryBaseDelayMs: 5 });
    expect(await client.version()).toBe(true);
    expect(await client.version()).toBe(true); // dropped, health checked, retried
    expect(server.requests.map((r) => r.url)).toEqual([
      '/api/version',
      '/api/version',
      '/api/health',
      '/api/version',
    ]);
    expect(client.availability.available).toBe(true);
  });

  it('times out a request that never answers', async () => {
    server = await startScriptedServer(() => 'hang');
    const client = new PrefectClient({ apiUrl: server.url, timeoutMs: 200, maxRetries: 0 });
    await expect(client.health()).rejects.toThrow(PrefectConnectionError);
  });

  it('does not send again a request that got no answer in time (the server may still store it: duplicates)', async () => {
    server = await startScriptedServer(async (r) => {
      if (r.url === '/api/logs/') await new Promise((resolve) => setTimeout(resolve, 600));
      return { status: r.url === '/api/logs/' ? 201 : 200, body: r.url === '/api/health' ? true : undefined };
    });
    const client = new PrefectClient({ apiUrl: server.url, timeoutMs: 300, retryBaseDelayMs: 1 });
    expect(await client.health()).toBe(true);
    const log = {
      name: 'n',
      level: 20,
      message: 'once',
      timestamp: '2026-01-01T00:00:00.000000Z',
      flow_run_id: null,
      task_run_id: null,
    };
    await expect(client.createLogs([log])).rejects.toThrow(PrefectConnectionError);
    await new Promise((r) => setTimeout(r, 800));
    expect(server.requests.filter((r) => r.url === '/api/logs/')).toHaveLength(1);
    expect(client.availability.available).toBe(true); // /health answered: a slow request, not a dead server
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

  it('createLogs sends exactly the LogCreate fields, in the order the API sink sends them (other keys are a 422)', async () => {
    server = await startScriptedServer(() => ({ status: 201 }));
    const client = new PrefectClient({ apiUrl: server.url });
    const stored = {
      id: 'log-1',
      created: '2026-01-01T00:00:00.000000Z',
      task_run_id: 't1',
      flow_run_id: 'f1',
      timestamp: '2026-01-01T00:00:00.000001Z',
      message: 'hello',
      level: 20,
      name: 'weft.node',
      extra: { not: 'sent' },
    };
    const flowLevel = { ...stored, task_run_id: null, flow_run_id: null };
    await client.createLogs([stored, flowLevel]);
    const record = { name: 'weft.node', level: 20, message: 'hello', flowRunId: 'f1', taskRunId: 't1' };
    const sinkBody = JSON.stringify(logCreateOf(record, '2026-01-01T00:00:00.000001Z'));
    expect(server.requests[0]?.body).toBe(
      `[${sinkBody},{"name":"weft.node","level":20,"message":"hello","timestamp":"2026-01-01T00:00:00.000001Z","flow_run_id":null,"task_run_id":null}]`,
    );
    expect(sinkBody).toBe(
      '{"name":"weft.node","level":20,"message":"hello","timestamp":"2026-01-01T00:00:00.000001Z","flow_run_id":"f1","task_run_id":"t1"}',
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

describe('PrefectClient circuit breaker (a server that is gone does not hold every call)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  /** Runs `count` requests one after the other; returns their errors and the time taken. */
  async function sequential(client: PrefectClient, count: number) {
    const started = Date.now();
    const errors: unknown[] = [];
    for (let i = 0; i < count; i++) errors.push(await client.createFlow(`f${i}`).catch((e: unknown) => e));
    return { errors, ms: Date.now() - started };
  }

  it('once a request and GET /health both fail, later requests fail at once without touching the network', async () => {
    server = await startScriptedServer(() => 'destroy');
    const client = new PrefectClient({ apiUrl: server.url, retryBaseDelayMs: 1000, probeIntervalMs: 60_000 });
    const { errors, ms } = await sequential(client, 20);
    expect(errors[0]).toBeInstanceOf(PrefectConnectionError);
    expect(errors[0]).not.toBeInstanceOf(PrefectUnavailableError);
    const rest = errors.slice(1);
    expect(rest.every((e) => e instanceof PrefectUnavailableError)).toBe(true);
    expect((rest[0] as PrefectUnavailableError).code).toBe('API_UNAVAILABLE');
    expect((rest[0] as Error).message).toMatch(
      new RegExp(`^Prefect API at ${server.url} is unavailable since .*; POST /flows/ was not sent$`),
    );
    expect(server.requests.map((r) => r.url)).toEqual(['/api/flows/', '/api/health']);
    expect(client.availability).toMatchObject({
      available: false,
      reason: expect.stringMatching(/POST \/flows\//),
    });
    expect(ms).toBeLessThan(5000); // no backoff: 5 retries would wait 31 s
  });

  it('a server that accepts connections and never answers costs one timeout, not one per request', async () => {
    const silent = await startSilentServer();
    closers.push(silent.close);
    const client = new PrefectClient({ apiUrl: silent.apiUrl, timeoutMs: 300, probeIntervalMs: 60_000 });
    const { errors, ms } = await sequential(client, 20);
    expect(errors[0]).toBeInstanceOf(PrefectConnectionError);
    expect(errors.slice(1).every((e) => e instanceof PrefectUnavailableError)).toBe(true);
    // one request timeout plus one GET /health timeout (300 ms each); 20 timeouts with retries would be 36 s
    expect(ms).toBeLessThan(5000);
    expect(client.availability.reason).toMatch(/got no answer within 300 ms/);
  });

  it('a server that answers after the client timeout costs one timeout, not one per request', async () => {
    server = await startScriptedServer(async () => {
      await new Promise((r) => setTimeout(r, 700));
      return { status: 201, body: { id: 'late', name: 'late' } };
    });
    const client = new PrefectClient({ apiUrl: server.url, timeoutMs: 300, probeIntervalMs: 60_000 });
    const { errors, ms } = await sequential(client, 20);
    expect(errors[0]).toBeInstanceOf(PrefectConnectionError);
    expect(errors.slice(1).every((e) => e instanceof PrefectUnavailableError)).toBe(true);
    expect(ms).toBeLessThan(5000);
    expect(server.requests.map((r) => r.url)).toEqual(['/api/flows/', '/api/health']);
  });

  it('two requests in a row without an answer open the circuit even when GET /health answers', async () => {
    server = await startScriptedServer((r) =>
      r.url === '/api/health' ? { status: 200, body: true } : 'hang',
    );
    const client = new PrefectClient({
      apiUrl: server.url,
      timeoutMs: 300,
      maxRetries: 0,
      probeIntervalMs: 60_000,
    });
    const { errors, ms } = await sequential(client, 20);
    expect(errors.slice(0, 2).every((e) => e instanceof PrefectConnectionError)).toBe(true);
    expect(errors.slice(2).every((e) => e instanceof PrefectUnavailableError)).toBe(true);
    expect(ms).toBeLessThan(5000);
    expect(client.availability.reason).toMatch(/2 requests in a row got no answer in time/);
  });

  it('a request left unanswered checks GET /health meanwhile and is given up on when that fails too', async () => {
    const silent = await startSilentServer();
    closers.push(silent.close);
    const client = new PrefectClient({
      apiUrl: silent.apiUrl,
      timeoutMs: 120_000,
      stallProbeMs: 200,
      probeTimeoutMs: 300,
    });
    const started = Date.now();
    const error = await client.createFlow('stalled').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrefectUnavailableError);
    expect(Date.now() - started).toBeLessThan(5000); // not the 120 s request timeout
    expect(client.availability.reason).toMatch(
      /no answer within 200 ms; GET \/health got no answer within 300 ms/,
    );
  });

  it('a slow request keeps waiting while the server answers GET /health', async () => {
    server = await startScriptedServer(async (r) => {
      if (r.url !== '/api/health') await new Promise((resolve) => setTimeout(resolve, 800));
      return { status: 200, body: r.url === '/api/health' ? true : '0.8.4' };
    });
    const client = new PrefectClient({ apiUrl: server.url, stallProbeMs: 100, probeTimeoutMs: 500 });
    expect(await client.version()).toBe('0.8.4');
    expect(server.requests.map((r) => r.url)).toEqual(['/api/version', '/api/health']);
    expect(client.availability.available).toBe(true);
  });

  it('by default a slow answer is simply waited for (a server busy with a large batch is not taken for dead)', async () => {
    server = await startScriptedServer(async (r) => {
      await new Promise((resolve) => setTimeout(resolve, r.url === '/api/health' ? 5000 : 800));
      return { status: 200, body: '0.8.4' };
    });
    const client = new PrefectClient({ apiUrl: server.url, probeTimeoutMs: 100 });
    expect(await client.version()).toBe('0.8.4');
    expect(server.requests.map((r) => r.url)).toEqual(['/api/version']);
  });

  it('re-checks GET /health after probeIntervalMs (doubling) and lets requests through once the server is back', async () => {
    let down = true;
    server = await startScriptedServer((r) =>
      down ? 'destroy' : { status: 200, body: r.url === '/api/health' ? true : '0.8.4' },
    );
    const client = new PrefectClient({
      apiUrl: server.url,
      probeIntervalMs: 150,
      maxProbeIntervalMs: 10_000,
    });
    await expect(client.version()).rejects.toThrow(PrefectConnectionError); // request + health check
    await expect(client.version()).rejects.toThrow(PrefectUnavailableError); // at once
    expect(server.requests).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 200));
    await expect(client.version()).rejects.toThrow(PrefectUnavailableError); // re-check due: still down
    expect(server.requests.map((r) => r.url).slice(2)).toEqual(['/api/health']);
    const next = client.availability.nextCheckAt as number;
    expect(next - Date.now()).toBeGreaterThan(200); // the interval doubled to 300 ms
    down = false;
    await expect(client.version()).rejects.toThrow(PrefectUnavailableError); // not due yet: no request
    expect(server.requests).toHaveLength(3);
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now()) + 20));
    expect(await client.version()).toBe('0.8.4'); // health checked, then the request went through
    expect(server.requests.map((r) => r.url).slice(3)).toEqual(['/api/health', '/api/version']);
    expect(client.availability).toEqual({
      available: true,
      since: undefined,
      reason: undefined,
      nextCheckAt: undefined,
    });
  });
});
