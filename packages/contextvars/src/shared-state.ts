/**
 * The one piece of process-wide (per-thread) state: the AsyncLocalStorage that holds the current
 * `Context`, the per-thread root context, the id counter and the registry of propagatable names.
 * It lives behind a `Symbol.for` key on `globalThis`, so two copies of the package loaded in one
 * thread share one store and interoperate.
 *
 * @internal
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ContextVarsError } from './errors.js';
import type { PersistentMap } from './persistent-map.js';

/** Structural view of a Context, readable by any copy of the package with the same layout. */
export interface ContextState {
  _map: PersistentMap;
  _entered: boolean;
}

/** A value that arrived (deserialized) for a name before any variable of that name existed. */
export interface Placeholder {
  readonly placeholder: true;
  readonly id: number;
  readonly name: string;
}

/** A variable as the registry and serializer see it. */
export interface RegisteredVar {
  readonly name: string;
  readonly _id: number;
}

interface SharedState {
  readonly layout: number;
  readonly als: AsyncLocalStorage<ContextState>;
  root: ContextState | undefined;
  nextId: number;
  /** Propagatable variables by name. */
  readonly registry: Map<string, RegisteredVar>;
  /** Names seen in deserialized contexts before their variable was created. */
  readonly placeholders: Map<string, Placeholder>;
}

/** Bumped whenever the shape of SharedState, ContextState or the map nodes changes. */
const LAYOUT = 1;
const KEY = Symbol.for('@weft/contextvars/state');

function createState(): SharedState {
  return {
    layout: LAYOUT,
    als: new AsyncLocalStorage<ContextState>(),
    root: undefined,
    nextId: 1,
    registry: new Map(),
    placeholders: new Map(),
  };
}

const holder = globalThis as { [KEY]?: SharedState };
const existing = holder[KEY];
if (existing !== undefined && existing.layout !== LAYOUT) {
  throw new ContextVarsError(
    'ERR_CONTEXTVARS_INCOMPATIBLE_COPIES',
    `two incompatible copies of @weft/contextvars are loaded (state layout ${existing.layout} and ${LAYOUT}); dedupe the dependency`,
  );
}

/** The state shared by every copy of the package in this thread. */
export const state: SharedState = existing ?? createState();
holder[KEY] = state;

/** The one AsyncLocalStorage of the library. */
export const als = state.als;

/** Allocates an id for a variable or placeholder (unsigned 32-bit, never reused). */
export function allocateId(): number {
  const id = state.nextId;
  if (id > 0xffffffff) {
    throw new ContextVarsError(
      'ERR_CONTEXTVAR_IDS_EXHAUSTED',
      'more than 2^32 context variables were created',
    );
  }
  state.nextId = id + 1;
  return id >>> 0;
}
