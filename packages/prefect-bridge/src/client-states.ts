/**
 * `POST /flow_runs/{id}/set_state` and `/task_runs/{id}/set_state`: a proposed state with a fresh
 * `transition_id`, `WAIT` honoured, `ABORT` thrown.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { OrchestrationResult, StateProposal } from './api-types.js';
import { type ClientTransport, type RequestOptions, sleep } from './client-transport.js';
import { PrefectAbortError, PrefectBridgeError } from './errors.js';

/**
 * Options of `set_state` calls.
 *
 * @since 0.1.0
 */
export interface SetStateOptions extends RequestOptions {
  /** Skip orchestration rules. Default false. */
  readonly force?: boolean;
  /** Total time to keep honouring `WAIT` answers before giving up. Default 60 000 ms. */
  readonly maxWaitMs?: number;
}

/** The body of a state (in `set_state`, or the initial state of a created run). */
export function stateBody(state: StateProposal): Record<string, unknown> {
  const out: Record<string, unknown> = { type: state.type };
  if (state.name !== undefined) out.name = state.name;
  if (state.message !== undefined) out.message = state.message;
  return out;
}

/**
 * Proposes `state` for the run `id` of `kind`: sleeps and proposes again on `WAIT`, returns
 * `ACCEPT`/`REJECT` results.
 *
 * @throws {PrefectAbortError} on `ABORT`; {@link PrefectBridgeError} `ORCHESTRATION_WAIT_TIMEOUT`
 * when the server keeps answering `WAIT` beyond `maxWaitMs`.
 */
export async function setRunState(
  transport: ClientTransport,
  kind: 'flow run' | 'task run',
  id: string,
  state: StateProposal,
  options: SetStateOptions = {},
): Promise<OrchestrationResult> {
  const path = `/${kind === 'flow run' ? 'flow_runs' : 'task_runs'}/${encodeURIComponent(id)}/set_state`;
  const body = {
    state: { ...stateBody(state), state_details: { transition_id: randomUUID() } },
    force: options.force ?? false,
  };
  const deadline = Date.now() + (options.maxWaitMs ?? 60_000);
  for (;;) {
    const result = await transport.request<OrchestrationResult>('POST', path, body, options);
    if (result.status === 'ABORT') {
      throw new PrefectAbortError(kind, id, state.type, result.details.reason ?? 'no reason given');
    }
    if (result.status !== 'WAIT') return result;
    const delayMs = Math.max(0, (result.details.delay_seconds ?? 1) * 1000);
    if (Date.now() + delayMs > deadline) {
      throw new PrefectBridgeError(
        'ORCHESTRATION_WAIT_TIMEOUT',
        `Prefect kept asking to wait before setting ${kind} ${id} to ${state.type}; gave up after ${options.maxWaitMs ?? 60_000} ms`,
      );
    }
    await sleep(delayMs, options.signal);
  }
}
