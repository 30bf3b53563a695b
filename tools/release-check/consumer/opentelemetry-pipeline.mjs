// Node functions of the @weft/opentelemetry consumer: what trace a node runs in.
import { threadId } from 'node:worker_threads';
import { context, trace } from '@opentelemetry/api';

export function traceOf(_x) {
  return { traceId: trace.getSpanContext(context.active())?.traceId ?? null, thread: threadId };
}
