// Plain Node ESM consumer of the @weft/opentelemetry tarball: the OpenTelemetry context is Weft's
// context (WeftContextManager), and the trace context reaches a node in a ParallelRunner worker
// thread through Weft's propagator seam; the hooks give the run and node spans.
import './opentelemetry-setup.mjs';
import assert from 'node:assert/strict';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { ContextVar } from '@weft/contextvars';
import {
  isWeftContextActive,
  openTelemetryHooks,
  registerContextManager,
  WeftOpenTelemetryError,
} from '@weft/opentelemetry';
import { DataCatalog, node, ParallelRunner, pipeline } from '@weft/runner';
import { traceOf } from './opentelemetry-pipeline.mjs';

assert.equal(isWeftContextActive(), true);
const requestId = new ContextVar('consumer.requestId');
const traceId = '0af7651916cd43dd8448eb211c80319c';
const span = trace.wrapSpanContext({ traceId, spanId: 'b7ad6b7169203331', traceFlags: 1 });
const seen = requestId.run('r-1', () =>
  context.with(trace.setSpan(context.active(), span), () => [
    requestId.get(),
    trace.getActiveSpan() === span,
  ]),
);
assert.deepEqual(seen, ['r-1', true]);

const runner = new ParallelRunner({
  module: new URL('./opentelemetry-pipeline.mjs', import.meta.url),
  maxWorkers: 1,
});
const out = await context.with(trace.setSpan(context.active(), span), () =>
  runner.run(pipeline([node(traceOf, 'x', 'seen', { name: 'trace_of' })]), new DataCatalog({ x: 1 }), {
    hooks: [openTelemetryHooks()],
  }),
);
await runner.close();
assert.equal(out.seen.traceId, traceId);
assert.notEqual(out.seen.thread, 0);

// Another context manager holding the global is refused loudly.
context.disable();
context.setGlobalContextManager({
  active: () => ROOT_CONTEXT,
  with: (_c, fn, t, ...a) => fn.apply(t, a),
  bind: (_c, x) => x,
  enable() {
    return this;
  },
  disable() {
    return this;
  },
});
assert.throws(
  () => registerContextManager(),
  (error) => error instanceof WeftOpenTelemetryError && error.code === 'ERR_CONTEXT_MANAGER_TAKEN',
);
console.log('@weft/opentelemetry: ok');
