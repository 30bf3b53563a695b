/**
 * How a variable's binding is read out of a context map: the current context, the brand that
 * identifies a ContextVar across package copies, and late resolution of values that arrived
 * (deserialized) before their variable was defined.
 *
 * @internal
 * @module
 */
import type { Leaf, PersistentMap } from './persistent-map.js';
import { type ContextState, type Placeholder, state } from './shared-state.js';

/** Marks ContextVar instances (on the prototype), so every package copy recognises them. */
export const CONTEXT_VAR_BRAND: unique symbol = Symbol.for('@weft/contextvars/ContextVar') as never;

/** What the context machinery needs to know about a variable. */
export interface VarHandle {
  readonly name: string;
  readonly _id: number;
  /** Whether the variable's bindings are left out of a Context's mapping view. */
  readonly _hidden?: boolean;
  /** Decodes a JSON value that was deserialized before this variable existed. */
  _decodeLate(json: unknown): unknown;
}

/** A context that can run a function in itself: what {@link contextFromMap} returns. */
export interface RunnableContext extends ContextState {
  run<R, A extends unknown[]>(fn: (...args: A) => R, ...args: A): R;
}

let contextFactory: ((map: PersistentMap) => RunnableContext) | undefined;

/**
 * Registers how this copy of the package makes a Context from a map (`context.ts` does, when it
 * loads), so modules below `context.ts` (ContextVar) make Contexts without importing it.
 */
export function setContextFactory(factory: (map: PersistentMap) => RunnableContext): void {
  contextFactory = factory;
}

/** A Context of this package copy sharing `map`. */
export function contextFromMap(map: PersistentMap): RunnableContext {
  return (contextFactory as (map: PersistentMap) => RunnableContext)(map);
}

/** The Context current in this thread: the entered one, or the per-thread root context. */
export function currentContext(): ContextState {
  return state.als.getStore() ?? (state.root as ContextState);
}

/** Whether `value` is a ContextVar (of any copy of this package). */
export function isContextVar(value: unknown): value is VarHandle {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[CONTEXT_VAR_BRAND] === true
  );
}

/** Throws Python's TypeError for a mapping key that is not a ContextVar. */
export function assertContextVar(value: unknown): asserts value is VarHandle {
  if (!isContextVar(value)) throw new TypeError(`a ContextVar key was expected, got ${String(value)}`);
}

/** The value of `leaf` for `variable`, decoding (once) a value that arrived before the variable. */
export function readLeaf(leaf: Leaf, variable: VarHandle): unknown {
  if (leaf.key === variable) return leaf.value;
  const value = variable._decodeLate(leaf.value);
  leaf.key = variable;
  leaf.value = value;
  return value;
}

/** The variable a leaf belongs to, resolving placeholders; `undefined` while still unresolved. */
export function leafVar(leaf: Leaf): VarHandle | undefined {
  const key = leaf.key as Partial<Placeholder>;
  if (key.placeholder !== true) return leaf.key as VarHandle;
  const variable = state.registry.get(key.name as string) as VarHandle | undefined;
  return variable !== undefined && variable._id === leaf.id ? variable : undefined;
}

/** Number of resolved bindings in `map`, hidden variables left out. */
export function resolvedSize(map: PersistentMap): number {
  if (state.placeholders.size === 0 && state.hiddenVars === 0) return map.size;
  let size = 0;
  map.forEach((leaf) => {
    const variable = leafVar(leaf);
    if (variable !== undefined && variable._hidden !== true) size++;
  });
  return size;
}
