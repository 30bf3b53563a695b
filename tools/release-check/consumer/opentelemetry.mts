// Typed consumer of the @weft/opentelemetry tarball, checked by tsc against the shipped .d.ts.
import type { ContextManager } from '@opentelemetry/api';
import { type ContextPropagator, compositePropagator, declaredVariablesPropagator } from '@weft/contextvars';
import {
  flushWorkerSpans,
  type OpenTelemetryHooks,
  type OpenTelemetryHooksOptions,
  openTelemetryHooks,
  openTelemetryPropagator,
  receiveWorkerSpans,
  registerContextManager,
  type SpanProcessorLike,
  WeftContextManager,
  WeftOpenTelemetryError,
  WorkerSpanForwarder,
  type WorkerSpanReceiver,
} from '@weft/opentelemetry';
import type { Hooks } from '@weft/runner';

const manager: ContextManager = registerContextManager(new WeftContextManager());
const propagator: ContextPropagator = compositePropagator(
  declaredVariablesPropagator,
  openTelemetryPropagator(),
);
const options: OpenTelemetryHooksOptions = { datasets: true, workerSpanTimeoutMs: 1000 };
const hooks: OpenTelemetryHooks = openTelemetryHooks(options);
const asHooks: Hooks[] = [hooks];
const forwarder: SpanProcessorLike = new WorkerSpanForwarder();
const receiver: WorkerSpanReceiver = receiveWorkerSpans(forwarder);
// @ts-expect-error the hooks take an options object
openTelemetryHooks('datasets');

async function flush(): Promise<void> {
  await flushWorkerSpans(100);
  await receiver.flush();
}

function describe(error: unknown): string {
  return error instanceof WeftOpenTelemetryError ? `${error.name} ${error.code}` : 'other';
}

export { asHooks, describe, flush, manager, propagator };
