/**
 * Flows: `POST /flows/`, `GET /flows/{id}`, `GET /flows/name/{name}`.
 *
 * @module
 */
import type { Flow } from './api-types.js';
import type { ClientTransport, RequestOptions } from './client-transport.js';
import { PrefectApiError, PrefectBridgeError } from './errors.js';

/**
 * Body of `createFlow` besides the name.
 *
 * @since 0.1.0
 */
export interface FlowCreateInput {
  tags?: readonly string[];
  labels?: Record<string, unknown>;
}

/** `POST /flows/`: creates the flow, or returns the existing flow of that name. */
export async function createFlow(
  transport: ClientTransport,
  name: string,
  input: FlowCreateInput,
  options?: RequestOptions,
): Promise<Flow> {
  if (name === '') throw new PrefectBridgeError('INVALID_ARGUMENT', 'Flow name must not be empty');
  const body: Record<string, unknown> = { name };
  if (input.tags !== undefined) body.tags = input.tags;
  if (input.labels !== undefined) body.labels = input.labels;
  return transport.request<Flow>('POST', '/flows/', body, options);
}

/** `GET /flows/{id}`. */
export function readFlow(transport: ClientTransport, id: string, options?: RequestOptions): Promise<Flow> {
  return transport.request<Flow>('GET', `/flows/${encodeURIComponent(id)}`, undefined, options);
}

/** `GET /flows/name/{name}`; `undefined` when no flow has that name. */
export async function readFlowByName(
  transport: ClientTransport,
  name: string,
  options?: RequestOptions,
): Promise<Flow | undefined> {
  try {
    return await transport.request<Flow>(
      'GET',
      `/flows/name/${encodeURIComponent(name)}`,
      undefined,
      options,
    );
  } catch (error) {
    if (PrefectApiError.is(error) && error.status === 404) return undefined;
    throw error;
  }
}
