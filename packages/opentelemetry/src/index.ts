/**
 * `@weft/opentelemetry`: OpenTelemetry traces that follow the work. A `ContextManager` on Weft's
 * one AsyncLocalStorage (an OpenTelemetry context and Weft's variables are one context), a
 * propagator that carries W3C trace context and baggage through Weft's propagator seam into
 * worker threads and `weft-worker` processes, runner hooks with a span per run and per node, and
 * spans from worker threads exported by the main thread.
 *
 * @packageDocumentation
 */
export { isWeftContextActive, registerContextManager, WeftContextManager } from './context-manager.js';
export { type OpenTelemetryErrorCode, WeftOpenTelemetryError } from './errors.js';
export { ATTR, OpenTelemetryHooks, type OpenTelemetryHooksOptions, openTelemetryHooks } from './hooks.js';
export { type OpenTelemetryPropagatorOptions, openTelemetryPropagator } from './propagator.js';
export {
  flushWorkerSpans,
  type ReadableSpanLike,
  receiveWorkerSpans,
  type SpanProcessorLike,
  type TimedEventLike,
  WorkerSpanForwarder,
  type WorkerSpanReceiver,
} from './worker-spans.js';
