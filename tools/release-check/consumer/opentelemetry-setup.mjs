// The set-up module of the @weft/opentelemetry consumer (main thread and worker threads): Weft's
// context manager, a hand-written trace-context propagator (the consumer installs no SDK), and
// Weft's propagator seam with OpenTelemetry's composed in.
import { propagation, trace } from '@opentelemetry/api';
import { compositePropagator, declaredVariablesPropagator, setGlobalPropagator } from '@weft/contextvars';
import { openTelemetryPropagator, registerContextManager } from '@weft/opentelemetry';

registerContextManager();
propagation.setGlobalPropagator({
  fields: () => ['traceparent'],
  inject(ctx, carrier, setter) {
    const span = trace.getSpanContext(ctx);
    if (span !== undefined) setter.set(carrier, 'traceparent', `00-${span.traceId}-${span.spanId}-01`);
  },
  extract(ctx, carrier, getter) {
    const [, traceId, spanId] = String(getter.get(carrier, 'traceparent') ?? '').split('-');
    if (traceId === undefined || spanId === undefined) return ctx;
    return trace.setSpanContext(ctx, { traceId, spanId, traceFlags: 1, isRemote: true });
  },
});
setGlobalPropagator(compositePropagator(declaredVariablesPropagator, openTelemetryPropagator()), {
  setupModule: import.meta.url,
});
