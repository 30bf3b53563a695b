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

/** A placeholder, held weakly, and what to clean up once it is collected. */
interface PlaceholderRecord {
  readonly name: string;
  readonly id: number;
  readonly ref: WeakRef<Placeholder>;
  /** Set when a variable of that name took the id: it is then never freed. */
  adopted: boolean;
}

interface SharedState {
  readonly layout: number;
  readonly als: AsyncLocalStorage<ContextState>;
  root: ContextState | undefined;
  nextId: number;
  /** Number of hidden variables created (while 0, a context's size is its map's size). */
  hiddenVars: number;
  /** Ids of placeholders that no context holds any more, free for reuse. */
  readonly freeIds: number[];
  /** Propagatable variables by name. */
  readonly registry: Map<string, RegisteredVar>;
  /**
   * Names seen in deserialized contexts before their variable was created, held weakly: a
   * placeholder lives as long as some context holds a value under it (the map's leaves reference
   * it), so a name resolves to a variable defined later for as long as a value for it exists,
   * and names that no context holds any more cost nothing.
   */
  placeholders: Map<string, PlaceholderRecord>;
  /** Largest size of `placeholders` since it was last rebuilt (a Map never shrinks by itself). */
  placeholdersPeak: number;
  /** Removes the entry of a collected placeholder and frees its id. */
  readonly finalizer: FinalizationRegistry<PlaceholderRecord>;
}

/** Bumped whenever the shape of SharedState, ContextState or the map nodes changes. */
const LAYOUT = 3;
const KEY = Symbol.for('@weft/contextvars/state');

/** How many freed placeholder ids are kept for reuse while plenty of fresh ids remain. */
const MAX_FREE_IDS = 1 << 16;
/** Below this size the placeholder map is never rebuilt. */
const SHRINK_FLOOR = 1024;

function createState(): SharedState {
  const created: SharedState = {
    layout: LAYOUT,
    als: new AsyncLocalStorage<ContextState>(),
    root: undefined,
    nextId: 1,
    hiddenVars: 0,
    freeIds: [],
    registry: new Map(),
    placeholders: new Map(),
    placeholdersPeak: 0,
    // No context holds a leaf keyed by this placeholder any more, so no map holds its id either.
    // (No unregister tokens: V8 keeps their table at its peak size.)
    finalizer: new FinalizationRegistry<PlaceholderRecord>((record) => {
      const placeholders = created.placeholders;
      if (placeholders.get(record.name) === record) placeholders.delete(record.name);
      // Free ids are kept for reuse up to a bound; past it they are only kept once ids run short.
      if (!record.adopted && (created.freeIds.length < MAX_FREE_IDS || created.nextId > 2 ** 31)) {
        created.freeIds.push(record.id);
      }
      // A burst of names leaves a Map sized for its peak: rebuild it once mostly empty.
      if (created.placeholdersPeak > SHRINK_FLOOR && placeholders.size * 4 < created.placeholdersPeak) {
        created.placeholders = new Map(placeholders);
        created.placeholdersPeak = placeholders.size;
      }
    }),
  };
  return created;
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

/**
 * Allocates an id for a variable or placeholder (unsigned 32-bit). Ids of variables are never
 * reused; those of collected placeholders are, since no map can hold them any more.
 */
export function allocateId(): number {
  const free = state.freeIds.pop();
  if (free !== undefined) return free;
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

/** The placeholder for `name`, created (and registered for cleanup) when there is none alive. */
export function placeholderFor(name: string): Placeholder {
  const existing = state.placeholders.get(name)?.ref.deref();
  if (existing !== undefined) return existing;
  const placeholder: Placeholder = { placeholder: true, id: allocateId(), name };
  const record: PlaceholderRecord = {
    name,
    id: placeholder.id,
    ref: new WeakRef(placeholder),
    adopted: false,
  };
  state.placeholders.set(name, record);
  if (state.placeholders.size > state.placeholdersPeak) state.placeholdersPeak = state.placeholders.size;
  state.finalizer.register(placeholder, record);
  return placeholder;
}

/**
 * The id a new propagatable variable named `name` takes: that of a live placeholder of that name
 * (so it finds the values that arrived before it), else a fresh one. The placeholder's id now
 * belongs to the variable: it is never freed.
 */
export function adoptPlaceholderId(name: string): number {
  const record = state.placeholders.get(name);
  state.placeholders.delete(name);
  const placeholder = record?.ref.deref();
  if (record === undefined || placeholder === undefined) return allocateId();
  record.adopted = true;
  return placeholder.id;
}
