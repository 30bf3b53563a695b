/**
 * The OpenTelemetry set-up module of `weft run --otel`, imported in every thread and process that
 * runs nodes: the `weft` process imports it (after {@link ./otel-tracing.ts} has put the endpoint
 * in the environment), `ParallelRunner`'s worker threads import it before their first task (it is
 * the propagator's set-up module), and the `weft-worker` processes of `--runner distributed` get
 * it as `--import`. Everywhere: Weft's context manager, the W3C propagators, and Weft's
 * propagator seam with OpenTelemetry's composed in. The `weft` process batches its spans to the
 * OTLP/HTTP endpoint; a worker thread forwards its spans to its main thread (piscina terminates
 * idle threads without notice); a worker process exports each span as it ends (it is stopped
 * with a signal, which leaves no time to flush a batch).
 *
 * @module
 */
import { isMainThread } from 'node:worker_threads';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { compositePropagator, declaredVariablesPropagator, setGlobalPropagator } from '@weft/contextvars';
import {
  openTelemetryPropagator,
  receiveWorkerSpans,
  registerContextManager,
  WorkerSpanForwarder,
} from '@weft/opentelemetry';
import { OTEL_ENV } from './otel-env.js';

const url = process.env[OTEL_ENV.url];
const service = process.env[OTEL_ENV.service] ?? 'weft';
const coordinator = process.env[OTEL_ENV.coordinator] === String(process.pid);

/** `ExportResultCode.SUCCESS` of `@opentelemetry/core`. */
const SUCCESS = 0;

let exportProblem: string | undefined;

/** Why spans could not be exported since the last call (and forgets it); undefined when all went out. */
export function takeExportProblem(): string | undefined {
  const problem = exportProblem;
  exportProblem = undefined;
  return problem;
}

/** The OTLP/HTTP exporter, remembering the last failure (the SDK only logs it). */
function exporter(): SpanExporter {
  const otlp = new OTLPTraceExporter({ url: url as string });
  return {
    export(spans, done) {
      otlp.export(spans, (result) => {
        if (result.code !== SUCCESS) {
          exportProblem = result.error?.message ?? 'the exporter failed';
        }
        done(result);
      });
    },
    shutdown: () => otlp.shutdown(),
    forceFlush: () => otlp.forceFlush(),
  };
}

/** The span processor of this thread. */
export const processor: SpanProcessor = !isMainThread
  ? (new WorkerSpanForwarder() as unknown as SpanProcessor)
  : url === undefined
    ? new SimpleSpanProcessor({
        export: (_spans, done) => done({ code: SUCCESS }),
        shutdown: async () => {},
      })
    : coordinator
      ? new BatchSpanProcessor(exporter(), { scheduledDelayMillis: 200 })
      : new SimpleSpanProcessor(exporter());

/** This thread's tracer provider (registered as the global one). */
export const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': service }),
  spanProcessors: [processor],
});
registerContextManager();
provider.register({ contextManager: null });
if (isMainThread) receiveWorkerSpans(processor);
setGlobalPropagator(compositePropagator(declaredVariablesPropagator, openTelemetryPropagator()), {
  setupModule: import.meta.url,
});
