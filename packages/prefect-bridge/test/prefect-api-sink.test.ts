import { afterEach, describe, expect, it } from 'vitest';
import { MissingContextError, PrefectApiSink, PrefectClient, PrefectConfigError } from '../src/index.js';
import { flushLogs, type LogRecord } from '../src/logging.js';
import { TRUNCATION_SUFFIX } from '../src/prefect-api-sink.js';
import { freePort } from './support/prefect-server.js';
import { type ScriptedServer, startScriptedServer } from './support/scripted-server.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

let n = 0;
function record(partial: Partial<LogRecord> = {}): LogRecord {
  n++;
  return {
    name: 'prefect.task_runs',
    level: 20,
    message: `m${n}`,
    timestamp: 1_700_000_000_000_000 + n,
    flowRunId: '00000000-0000-4000-8000-000000000001',
    taskRunId: null,
    extra: { flow_run_name: 'x' },
    ...partial,
  };
}

const ok = () => ({ status: 201 });
const bodies = (s: ScriptedServer) =>
  s.requests
    .filter((r) => r.url === '/api/logs/')
    .map((r) => JSON.parse(r.body) as Record<string, unknown>[]);

describe('PrefectApiSink', () => {
  it('sends only the LogCreate fields, with strictly increasing ISO timestamps', async () => {
    server = await startScriptedServer(ok);
    const sink = new PrefectApiSink({ client: new PrefectClient({ apiUrl: server.url }) });
    sink.write(record({ timestamp: 1_700_000_000_000_500, extra: { node: 'n', send_to_api: true } }));
    sink.write(
      record({ timestamp: 1_700_000_000_000_500, taskRunId: '00000000-0000-4000-8000-000000000002' }),
    );
    sink.write(record({ timestamp: 1_700_000_000_000_100 })); // older stamp (e.g. from a worker thread)
    await sink.flush();
    const [batch] = bodies(server);
    expect(batch).toHaveLength(3);
    for (const log of batch ?? []) {
      expect(Object.keys(log).sort()).toEqual([
        'flow_run_id',
        'level',
        'message',
        'name',
        'task_run_id',
        'timestamp',
      ]);
    }
    const stamps = (batch ?? []).map((l) => l.timestamp as string);
    expect(stamps[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect([...stamps].sort()).toEqual(stamps);
    expect(new Set(stamps).size).toBe(3);
    expect(sink.stats).toMatchObject({ sent: 3, batches: 1, queued: 0, failed: 0 });
    await sink.close();
  });

  it('sends a partial batch after batchIntervalMs without a flush', async () => {
    server = await startScriptedServer(ok);
    const sink = new PrefectApiSink({
      client: new PrefectClient({ apiUrl: server.url }),
      batchIntervalMs: 50,
    });
    sink.write(record());
    sink.write(record());
    const deadline = Date.now() + 5000;
    while (sink.stats.sent < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(sink.stats.sent).toBe(2);
    expect(bodies(server)).toHaveLength(1);
    await sink.close();
  });

  it('splits batches by the byte budget, keeping FIFO order', async () => {
    server = await startScriptedServer(ok);
    const sink = new PrefectApiSink({
      client: new PrefectClient({ apiUrl: server.url }),
      maxBatchBytes: 2000,
      batchIntervalMs: 10_000,
    });
    const messages = Array.from({ length: 40 }, (_, i) => `${i}:${'x'.repeat(100)}`);
    for (const message of messages) sink.write(record({ message }));
    await sink.flush();
    const batches = bodies(server);
    expect(batches.length).toBeGreaterThan(2);
    for (const b of batches)
      expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThanOrEqual(2000 + 2 * b.length);
    expect(batches.flat().map((l) => l.message)).toEqual(messages);
    await sink.close();
  });

  it('keeps FIFO order across many small batches and queue compaction', async () => {
    server = await startScriptedServer(ok);
    const sink = new PrefectApiSink({
      client: new PrefectClient({ apiUrl: server.url }),
      maxBatchBytes: 20_000,
      batchIntervalMs: 10_000,
    });
    const messages = Array.from({ length: 3000 }, (_, i) => `n${i}`);
    messages.forEach((message, i) => {
      sink.write(record({ message }));
      if (i === 1500) void sink.flush(); // sending starts while records keep coming
    });
    await sink.flush();
    const batches = bodies(server);
    expect(batches.length).toBeGreaterThan(20);
    expect(batches.flat().map((l) => l.message)).toEqual(messages);
    expect(sink.stats).toMatchObject({ sent: 3000, queued: 0, failed: 0, dropped: 0 });
    await sink.close();
  });

  it('truncates an oversize message to fit maxLogBytes, ending in "... [truncated]"', async () => {
    server = await startScriptedServer(ok);
    const sink = new PrefectApiSink({ client: new PrefectClient({ apiUrl: server.url }), maxLogBytes: 1000 });
    sink.write(record({ message: 'é'.repeat(5000) }));
    sink.write(record({ message: 'small' }));
    // under the size estimate, but JSON escapes make it six times larger: truncated when serialized
    sink.write(record({ message: '\u0001'.repeat(600) }));
    await sink.flush();
    const [big, small, escaped] = bodies(server)[0] ?? [];
    expect(String(escaped?.message).endsWith(TRUNCATION_SUFFIX)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(escaped))).toBeLessThanOrEqual(1000);
    expect(String(big?.message).endsWith(TRUNCATION_SUFFIX)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(big))).toBeLessThanOrEqual(1000);
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(800);
    expect(small?.message).toBe('small');
    expect(sink.stats.truncated).toBe(2);
    await sink.close();
  });

  it('retries a 503 burst and delivers everything once', async () => {
    server = await startScriptedServer((_r, i) => (i < 3 ? { status: 503 } : { status: 201 }));
    const sink = new PrefectApiSink({
      client: new PrefectClient({ apiUrl: server.url, retryBaseDelayMs: 5 }),
    });
    for (let i = 0; i < 10; i++) sink.write(record());
    await sink.flush();
    expect(sink.stats).toMatchObject({ sent: 10, failed: 0 });
    expect(server.requests).toHaveLength(4);
    await sink.close();
  });

  it('bounds the queue: drops the oldest, counts them, reports once; close() gives up after timeoutMs', async () => {
    server = await startScriptedServer(() => 'hang');
    const reports: string[] = [];
    const sink = new PrefectApiSink({
      client: new PrefectClient({ apiUrl: server.url, timeoutMs: 60_000 }),
      maxQueue: 10,
      onError: (m) => reports.push(m),
    });
    sink.write(record({ message: 'first' }));
    void sink.flush(); // 'first' is now in flight and the server never answers
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 25; i++) sink.write(record({ message: `q${i}` }));
    expect(sink.stats).toMatchObject({ queued: 10, dropped: 15 });
    const started = Date.now();
    await sink.close({ timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(sink.stats).toMatchObject({ queued: 0, dropped: 25, sent: 0, failed: 1 });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/queue is full \(maxQueue 10\)/);
    sink.write(record());
    expect(sink.stats.dropped).toBe(26);
  });

  it('with the server down: flush resolves, the loss is counted and reported once, nothing rejects', async () => {
    const port = await freePort();
    const reports: string[] = [];
    const sink = new PrefectApiSink({
      client: new PrefectClient({ apiUrl: `http://127.0.0.1:${port}/api` }),
      onError: (m) => reports.push(m),
      maxBatchBytes: 500,
    });
    for (let i = 0; i < 20; i++) sink.write(record({ message: 'y'.repeat(100) }));
    await sink.flush();
    sink.write(record());
    await sink.close({ timeoutMs: 2000 });
    expect(sink.stats.failed).toBe(21);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(
      new RegExp(`could not be sent to http://127.0.0.1:${port}/api and were dropped: Could not reach`),
    );
  });

  it('applies whenMissingFlow to records without a flow or task run id', async () => {
    server = await startScriptedServer(ok);
    const client = new PrefectClient({ apiUrl: server.url });
    const warnings: string[] = [];
    const warn = new PrefectApiSink({ client, onWarning: (m) => warnings.push(m) });
    warn.write(record({ flowRunId: null }));
    warn.write(record({ flowRunId: null }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/attempted to send logs to the API without a flow run id/);
    const ignore = new PrefectApiSink({
      client,
      whenMissingFlow: 'ignore',
      onWarning: (m) => warnings.push(m),
    });
    ignore.write(record({ flowRunId: null }));
    expect(warnings).toHaveLength(1);
    const strict = new PrefectApiSink({ client, whenMissingFlow: 'error' });
    expect(() => strict.write(record({ flowRunId: null }))).toThrow(MissingContextError);
    // a task run id alone is enough (standalone task runs)
    strict.write(record({ flowRunId: null, taskRunId: '00000000-0000-4000-8000-000000000003' }));
    // send_to_api: false always opts out
    strict.write(record({ extra: { send_to_api: false } }));
    await Promise.all([warn.flush(), ignore.flush(), strict.flush()]);
    expect(bodies(server).flat()).toHaveLength(1);
    expect(warn.stats.skipped).toBe(2);
    expect(strict.stats.skipped).toBe(1);
    await Promise.all([warn.close(), ignore.close(), strict.close()]);
  });

  it('reads its defaults from PREFECT_LOGGING_TO_API_* and rejects bad values', () => {
    const env = {
      PREFECT_API_URL: 'http://127.0.0.1:9/api',
      PREFECT_LOGGING_TO_API_BATCH_INTERVAL: '0.5',
      PREFECT_LOGGING_TO_API_MAX_LOG_SIZE: '25000',
      PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW: 'ignore',
    };
    const sink = new PrefectApiSink({ env });
    expect(sink.batchIntervalMs).toBe(500);
    expect(sink.maxLogBytes).toBe(25_000);
    expect(sink.maxBatchBytes).toBe(3_975_000);
    expect(sink.whenMissingFlow).toBe('ignore');
    const defaults = new PrefectApiSink({ env: { PREFECT_API_URL: 'http://127.0.0.1:9/api' } });
    expect([
      defaults.batchIntervalMs,
      defaults.maxBatchBytes,
      defaults.maxLogBytes,
      defaults.maxQueue,
    ]).toEqual([2000, 3_000_000, 1_000_000, 10_000]);
    expect(() => new PrefectApiSink({ env, whenMissingFlow: 'loud' as never })).toThrow(PrefectConfigError);
    expect(() => new PrefectApiSink({ env, maxQueue: 0 })).toThrow(
      'PrefectApiSink option maxQueue must be a positive number, got 0',
    );
    expect(() => new PrefectApiSink({ env: {} })).toThrow(/PREFECT_API_URL/);
    void Promise.all([sink.close(), defaults.close()]);
  });

  it('counts per tracked flow run the records not sent, and those still waiting', async () => {
    let fail = true;
    server = await startScriptedServer(() => (fail ? { status: 500 } : 'hang'));
    const a = '00000000-0000-4000-8000-00000000000a';
    const b = '00000000-0000-4000-8000-00000000000b';
    const sink = new PrefectApiSink({
      client: new PrefectClient({ apiUrl: server.url, timeoutMs: 60_000 }),
      maxQueue: 4,
      onError: () => {},
    });
    sink.trackRun(a);
    sink.trackRun(a); // nested
    for (let i = 0; i < 3; i++) sink.write(record({ flowRunId: a }));
    sink.write(record({ flowRunId: b }));
    await sink.flush(); // HTTP 500: all four failed
    expect(sink.deliveryOf(a)).toEqual({ notSent: 3, waiting: 0 });
    expect(sink.deliveryOf(b)).toBeUndefined(); // not tracked
    fail = false; // the server now never answers
    for (let i = 0; i < 6; i++) sink.write(record({ flowRunId: a })); // 4 fit; the 2 oldest are dropped
    expect(sink.deliveryOf(a)).toEqual({ notSent: 5, waiting: 4 });
    void sink.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(sink.stats).toMatchObject({ queued: 0, inFlight: 4 });
    expect(sink.deliveryOf(a)).toEqual({ notSent: 5, waiting: 4 });
    sink.untrackRun(a);
    expect(sink.deliveryOf(a)).toBeDefined();
    sink.untrackRun(a);
    expect(sink.deliveryOf(a)).toBeUndefined();
    await sink.close({ timeoutMs: 100 });
  });

  it('flushLogs waits at most timeoutMs for a sink whose server does not answer, and says so', async () => {
    server = await startScriptedServer(() => 'hang');
    const sink = new PrefectApiSink({
      client: new PrefectClient({ apiUrl: server.url, timeoutMs: 60_000 }),
      onError: () => {},
    });
    sink.write(record());
    const started = Date.now();
    expect(await flushLogs({ sinks: [sink], timeoutMs: 300 })).toBe(false);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(sink.stats.inFlight).toBe(1); // still under way in the background, counted when it ends
    await sink.close({ timeoutMs: 100 });
  });

  it("keeps each record's emit time: another sink sending later records first does not push its stamps forward", async () => {
    server = await startScriptedServer(ok);
    const client = new PrefectClient({ apiUrl: server.url });
    const early = new PrefectApiSink({ client, batchIntervalMs: 10_000 });
    const late = new PrefectApiSink({ client, batchIntervalMs: 10_000 });
    early.write(record({ timestamp: 1_700_000_000_000_000, message: 'early' }));
    late.write(record({ timestamp: 1_700_000_005_000_000, message: 'late' }));
    await late.flush();
    await early.flush();
    const stamps = Object.fromEntries(
      bodies(server)
        .flat()
        .map((l) => [l.message, l.timestamp]),
    );
    expect(stamps).toEqual({ late: '2023-11-14T22:13:25.000000Z', early: '2023-11-14T22:13:20.000000Z' });
    await Promise.all([early.close(), late.close()]);
  });

  it('close() that times out with a batch in flight says so and counts it as failed', async () => {
    server = await startScriptedServer(() => 'hang');
    const reports: string[] = [];
    const sink = new PrefectApiSink({
      client: new PrefectClient({ apiUrl: server.url, timeoutMs: 60_000 }),
      onError: (m) => reports.push(m),
    });
    for (let i = 0; i < 3; i++) sink.write(record());
    void sink.flush();
    await new Promise((r) => setTimeout(r, 50));
    sink.write(record()); // queued behind the batch under way
    await sink.close({ timeoutMs: 100 });
    expect(sink.stats).toMatchObject({ queued: 0, inFlight: 0, dropped: 1, failed: 3, sent: 0 });
    expect(reports).toEqual([
      `PrefectApiSink.close() timed out after 100 ms: 1 queued log(s) were dropped and the 3 being sent were abandoned (counted as failed) (server ${server.url}).`,
    ]);
  });
});
