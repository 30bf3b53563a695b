/**
 * The OpenTelemetry set-up of `bench:otel`, in the main thread and (as the propagator's set-up
 * module) in the worker threads that get a task while it is the global propagator: Weft's context
 * manager, the SDK's tracer provider with a no-op exporter (spans are made, batched and dropped),
 * the W3C propagators, and Weft's propagator with OpenTelemetry's composed in.
 */
import { isMainThread } from 'node:worker_threads';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { compositePropagator, declaredVariablesPropagator, setGlobalPropagator } from '@weft/contextvars';
import { openTelemetryPropagator, registerContextManager } from '@weft/opentelemetry';

/** An exporter that drops everything (the SDK's cost without the network's). */
const noopExporter: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => {},
};

export const provider = new NodeTracerProvider({
  spanProcessors: [new BatchSpanProcessor(noopExporter)],
});
registerContextManager();
provider.register({ contextManager: null });

/** Weft's propagator with W3C trace context and baggage. */
export const otelPropagator = compositePropagator(declaredVariablesPropagator, openTelemetryPropagator());
setGlobalPropagator(otelPropagator, { setupModule: import.meta.url });
export const where = isMainThread ? 'main' : 'worker';
