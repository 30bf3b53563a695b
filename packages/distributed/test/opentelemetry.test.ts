import { randomUUID } from 'node:crypto';
import { context, propagation, trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { DataCatalog, node, pipeline } from '@weft/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceProbe } from './fixtures/nodes.js';
import { SLOW, skipWithoutRedis, startTestCluster, type TestCluster } from './support/cluster.js';

const OTEL_SETUP = new URL('./fixtures/otel-setup.ts', import.meta.url).href;

describe.skipIf(skipWithoutRedis)('OpenTelemetry trace context in the job', { timeout: SLOW }, () => {
  let cluster: TestCluster;
  let provider: NodeTracerProvider;
  beforeAll(async () => {
    provider = new NodeTracerProvider();
    provider.register();
    cluster = await startTestCluster({ worker: { stdio: 'pipe', imports: [OTEL_SETUP] } });
  }, SLOW);
  afterAll(async () => {
    await cluster?.close();
    await provider?.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  }, SLOW);

  const p = pipeline([node(traceProbe, 'x', 't', { name: 'trace_probe' })]);

  it('carries traceparent and baggage: the node on the worker is in the same trace and sees the baggage', async () => {
    const runId = `otel-${randomUUID()}`;
    const tracer = trace.getTracer('weft-test');
    const baggage = propagation.createBaggage({ tenant: { value: 'acme' } });
    let traceId = '';
    const out = await context.with(propagation.setBaggage(context.active(), baggage), () =>
      tracer.startActiveSpan('pipeline', async (span) => {
        traceId = span.spanContext().traceId;
        try {
          return await cluster.runner.run(p, new DataCatalog({ x: 1 }), { runId });
        } finally {
          span.end();
        }
      }),
    );
    const seen = out.t as ReturnType<typeof traceProbe>;
    expect(cluster.workers.map((w) => w.pid)).toContain(seen.pid);
    expect(seen.traceId).toBe(traceId);
    expect(seen.tenant).toBe('acme');
    const raw = await cluster.client.hget(`${cluster.prefix}:weft-nodes:${runId}__trace_probe`, 'data');
    const otel = JSON.parse(raw as string).nodes[0].ctx.otel;
    expect(otel.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
    expect(otel.baggage).toBe('tenant=acme');
  });

  it('sends no trace headers when no trace is active', async () => {
    const runId = `no-otel-${randomUUID()}`;
    const out = await cluster.runner.run(p, new DataCatalog({ x: 1 }), { runId });
    expect((out.t as ReturnType<typeof traceProbe>).traceId).toBeNull();
    const raw = await cluster.client.hget(`${cluster.prefix}:weft-nodes:${runId}__trace_probe`, 'data');
    expect(JSON.parse(raw as string).nodes[0].ctx.otel).toBeUndefined();
  });
});
