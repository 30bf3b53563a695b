/**
 * WeftContextManager: an OpenTelemetry context and Weft's variables are one context; registering
 * fails loudly when another manager holds the global. The propagator through the seam, and the
 * hooks' span tree, checked with an in-memory exporter (no Jaeger needed).
 */
import { EventEmitter } from 'node:events';
import {
  type ContextManager,
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  trace,
} from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ContextVar, copyContext, extractContext, injectContext } from '@weft/contextvars';
import { DataCatalog, NodeFailedError, node, pipeline, SequentialRunner, ThreadRunner } from '@weft/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isWeftContextActive,
  openTelemetryHooks,
  openTelemetryPropagator,
  registerContextManager,
  type WeftContextManager,
  WeftOpenTelemetryError,
} from '../src/index.js';

const KEY = createContextKey('test.key');
const requestId = new ContextVar<string>('otel-test.requestId', { propagate: true });
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let manager: WeftContextManager;

beforeAll(() => {
  manager = registerContextManager();
  // W3C trace context and baggage propagators, OpenTelemetry's defaults.
  provider.register({ contextManager: null });
});
afterAll(async () => {
  await provider.shutdown();
  context.disable();
  trace.disable();
  propagation.disable();
});

describe('WeftContextManager', () => {
  it('is the registered manager: context.with and Weft variables share one context', async () => {
    expect(isWeftContextActive()).toBe(true);
    const ctx = ROOT_CONTEXT.setValue(KEY, 'v');
    const seen = await requestId.run('r-1', () =>
      context.with(ctx, async () => {
        await new Promise((r) => setTimeout(r, 1));
        return [context.active().getValue(KEY), requestId.get(), copyContext().get(requestId)];
      }),
    );
    expect(seen).toEqual(['v', 'r-1', 'r-1']);
    expect(context.active().getValue(KEY)).toBeUndefined();
  });

  it('with() leaks nothing to the caller and passes this and arguments', () => {
    const self = { n: 2 };
    const out = context.with(
      ROOT_CONTEXT.setValue(KEY, 'in'),
      function (this: typeof self, a: number) {
        requestId.set('set inside');
        return this.n * a;
      },
      self,
      21,
    );
    expect(out).toBe(42);
    expect(requestId.get('unset')).toBe('unset');
  });

  it('binds functions and EventEmitters to a context', () => {
    const ctx = ROOT_CONTEXT.setValue(KEY, 'bound');
    const fn = context.bind(ctx, function named(x: number) {
      return [context.active().getValue(KEY), x];
    });
    expect(fn(1)).toEqual(['bound', 1]);
    expect(fn.name).toBe('named');
    const emitter = context.bind(ctx, new EventEmitter());
    const seen: unknown[] = [];
    const listener = () => seen.push(context.active().getValue(KEY));
    emitter.on('x', listener);
    emitter.emit('x');
    emitter.off('x', listener);
    emitter.emit('x');
    expect(seen).toEqual(['bound']);
    expect(emitter.listenerCount('x')).toBe(0);
  });

  it('disable() stops taking part, enable() takes part again', () => {
    const ctx = ROOT_CONTEXT.setValue(KEY, 'x');
    manager.disable();
    try {
      expect(context.with(ctx, () => context.active().getValue(KEY))).toBeUndefined();
    } finally {
      manager.enable();
    }
    expect(context.with(ctx, () => context.active().getValue(KEY))).toBe('x');
  });

  it('registering fails loudly when another manager holds the global', () => {
    const other: ContextManager = {
      active: () => ROOT_CONTEXT,
      with: (_c, fn, thisArg, ...args) => fn.apply(thisArg, args),
      bind: (_c, target) => target,
      enable() {
        return this;
      },
      disable() {
        return this;
      },
    };
    context.disable();
    context.setGlobalContextManager(other);
    try {
      expect(isWeftContextActive()).toBe(false);
      expect(() => registerContextManager()).toThrow(WeftOpenTelemetryError);
      expect(() => registerContextManager()).toThrow(
        /Another OpenTelemetry context manager is registered already/,
      );
    } finally {
      context.disable();
      registerContextManager(manager);
    }
    expect(isWeftContextActive()).toBe(true);
  });
});

describe('openTelemetryPropagator', () => {
  const propagator = openTelemetryPropagator();

  it('carries the active span and baggage through the carrier', () => {
    const tracer = trace.getTracer('t');
    const baggage = propagation.createBaggage({ tenant: { value: 'acme' } });
    const { carrier, traceId, spanId } = context.with(propagation.setBaggage(context.active(), baggage), () =>
      tracer.startActiveSpan('parent', (span) => {
        span.end();
        return {
          carrier: injectContext(undefined, { propagator }),
          traceId: span.spanContext().traceId,
          spanId: span.spanContext().spanId,
        };
      }),
    );
    expect(carrier.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    expect(carrier.baggage).toBe('tenant=acme');
    const received = extractContext(JSON.parse(JSON.stringify(carrier)), { propagator });
    const seen = received.run(() => [
      trace.getSpanContext(context.active())?.traceId,
      trace.getSpanContext(context.active())?.isRemote,
      propagation.getActiveBaggage()?.getEntry('tenant')?.value,
    ]);
    expect(seen).toEqual([traceId, true, 'acme']);
  });

  it('never mixes up consecutive spans or headers (the last injection and extraction are reused)', () => {
    const tracer = trace.getTracer('t');
    const sent = ['a', 'b', 'a'].map((name) =>
      tracer.startActiveSpan(name, (span) => {
        span.end();
        return { spanId: span.spanContext().spanId, carrier: injectContext(undefined, { propagator }) };
      }),
    );
    expect(new Set(sent.map((s) => s.spanId)).size).toBe(3);
    for (const { spanId, carrier } of [...sent, ...sent.slice().reverse(), sent[0], sent[0]]) {
      expect(String(carrier?.traceparent).split('-')[2]).toBe(spanId);
      const received = extractContext(JSON.parse(JSON.stringify(carrier)), { propagator });
      expect(received.run(() => trace.getSpanContext(context.active())?.spanId)).toBe(spanId);
    }
  });

  it('sends nothing without an active trace or baggage', () => {
    expect(injectContext(undefined, { propagator })).toEqual({});
  });

  it('refuses a header that is not a string, naming it', () => {
    expect(() => extractContext({ traceparent: 5 }, { propagator })).toThrow(
      /carrier field 'traceparent' \(OpenTelemetry\) is 5, not a string/,
    );
  });
});

describe('openTelemetryHooks (in-memory exporter)', () => {
  function first(x: number) {
    return trace.getTracer('user').startActiveSpan('user span', (span) => {
      span.end();
      return x + 1;
    });
  }
  function fails(_x: number): number {
    throw new Error('failed on purpose');
  }

  it.each([
    ['SequentialRunner', () => new SequentialRunner()],
    ['ThreadRunner', () => new ThreadRunner()],
  ])(
    '%s: run span, node spans under it, user span under its node, error status on failure',
    async (_name, make) => {
      exporter.reset();
      const p = pipeline([
        node(first, 'x', 'y', { name: 'first' }),
        node(fails, 'y', 'z', { name: 'fails' }),
      ]);
      const error = await make()
        .run(p, new DataCatalog({ x: 1 }), { runId: 'r1', hooks: [openTelemetryHooks({ datasets: true })] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NodeFailedError);
      const spans = exporter.getFinishedSpans();
      const named = (n: string) => spans.find((s) => s.name === n);
      const run = named('weft pipeline');
      const firstNode = named('weft node first');
      const failed = named('weft node fails');
      const user = named('user span');
      const load = named('weft load x');
      expect(run?.attributes['weft.run.id']).toBe('r1');
      expect(firstNode?.parentSpanContext?.spanId).toBe(run?.spanContext().spanId);
      expect(failed?.parentSpanContext?.spanId).toBe(run?.spanContext().spanId);
      expect(user?.parentSpanContext?.spanId).toBe(firstNode?.spanContext().spanId);
      expect(load?.parentSpanContext?.spanId).toBe(firstNode?.spanContext().spanId);
      expect(firstNode?.attributes['weft.node.inputs']).toEqual(['x']);
      expect(firstNode?.attributes['weft.node.outputs']).toEqual(['y']);
      expect(failed?.status).toEqual({ code: 2, message: 'Error: failed on purpose' });
      expect(failed?.events.map((e) => e.name)).toEqual(['exception']);
      expect(run?.status.code).toBe(2);
      expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    },
  );
});
