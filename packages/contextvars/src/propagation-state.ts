/**
 * Per-thread propagation state, behind a `Symbol.for` key so that two copies of the package in
 * one thread share it: the global propagator, its set-up modules, and what arrived about
 * variables that were set by the sender but did not travel.
 *
 * @internal
 * @module
 */

/** Names of variables the sender had bound that did not travel, as a receiver keeps them. */
export interface UnpropagatedNames {
  /** Not declared `propagate: true`. */
  readonly local: ReadonlySet<string>;
  /** Propagatable, left out by the sender's allow list. */
  readonly filtered: ReadonlySet<string>;
}

/** A variable as the propagation state sees it (structural, so any package copy fits). */
export interface StateVar<T> {
  get<D>(fallback: D): T | D;
}

export interface PropagationState {
  readonly version: 1;
  /** The global propagator (`undefined`: the default one). Typed loosely: copies share it. */
  propagator: unknown;
  /** Module URLs that set the global propagator up in a worker thread or process. */
  setupModules: readonly string[];
  /**
   * The hidden variable holding the {@link UnpropagatedNames} of a received context; created by
   * the first receive that carries such names (until then nothing is looked up on a miss).
   */
  unpropagatedVar: StateVar<UnpropagatedNames> | undefined;
  /** Variable names already warned about in this thread (one warning per name). */
  readonly warnedNames: Set<string>;
  /** Carrier fields already warned about as unread in this thread. */
  readonly warnedFields: Set<string>;
}

const KEY = Symbol.for('@weft/contextvars/propagation');
const holder = globalThis as { [KEY]?: PropagationState };

/** The propagation state shared by every copy of the package in this thread. */
export const propagationState: PropagationState = holder[KEY] ?? {
  version: 1,
  propagator: undefined,
  setupModules: [],
  unpropagatedVar: undefined,
  warnedNames: new Set(),
  warnedFields: new Set(),
};
holder[KEY] = propagationState;

/**
 * Why a variable named `name` reads as unset in a context received from elsewhere, when the
 * sender had it bound and it did not travel; `undefined` otherwise (or when nothing was ever
 * received with such names: then this costs one property read).
 */
export function unpropagatedHint(name: string): string | undefined {
  const variable = propagationState.unpropagatedVar;
  if (variable === undefined) return undefined;
  const names = variable.get(undefined);
  if (names === undefined) return undefined;
  if (names.local.has(name)) {
    return (
      `it was set where this work was submitted, but it is not propagated across threads and processes. ` +
      `Declare it with new ContextVar(${JSON.stringify(name)}, { propagate: true }) ` +
      `(and a codec when its value is not JSON) to send it along`
    );
  }
  if (names.filtered.has(name)) {
    return (
      'it was set where this work was submitted, but the context filter left it out: add it to ' +
      "contextFilter.allow (executor, submitWith or the run's options) to send it along"
    );
  }
  return undefined;
}

/**
 * Warns once per name in this thread (outside `NODE_ENV=production`) that a variable reads as its
 * default because it was not propagated.
 */
export function warnUnpropagated(name: string, hint: string): void {
  if (propagationState.warnedNames.has(name)) return;
  propagationState.warnedNames.add(name);
  if (process.env.NODE_ENV === 'production') return;
  process.emitWarning(`context variable ${JSON.stringify(name)} reads as its default here: ${hint}.`, {
    code: 'WEFT_CONTEXTVAR_NOT_PROPAGATED',
  });
}
