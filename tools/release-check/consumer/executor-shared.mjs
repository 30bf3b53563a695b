// Shared by executor.mjs and its worker tasks: the propagatable variable the tasks read.
import { ContextVar } from '@weft/contextvars';

export const traceId = new ContextVar('release-check.trace_id', { propagate: true });
