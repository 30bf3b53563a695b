/**
 * The one seam where a context crosses a boundary (a worker thread, a process, the network), in
 * the spirit of OpenTelemetry's `TextMapPropagator`: a {@link ContextPropagator} injects a context
 * into a JSON-able {@link Carrier} on the sending side and extracts a context from one on the
 * receiving side. Propagators compose ({@link compositePropagator}); the default one,
 * {@link declaredVariablesPropagator}, carries the variables declared `propagate: true` (filters,
 * codecs, size caps: `serializeContext`). Every boundary Weft crosses goes through
 * {@link injectContext} and {@link extractContext}, with the propagator of the thread
 * ({@link setGlobalPropagator}): changing how context crosses is a change in one place.
 *
 * @module
 */
import { pathToFileURL } from 'node:url';
import { assertContextVar, currentContext } from './bindings.js';
import { Context, contextWithMap } from './context.js';
import { ContextVar } from './context-var.js';
import { ContextPropagationError, ContextSerializationError } from './errors.js';
import type { PersistentMap } from './persistent-map.js';
import { propagationState, type UnpropagatedNames } from './propagation-state.js';
import {
  deserializeContext,
  encodeContext,
  type Json,
  type SerializedContext,
  type SerializeOptions,
  type Unpropagated,
} from './serialization.js';

/**
 * What crosses a boundary: a plain object of JSON values, keyed by field name (each propagator
 * owns some fields). It survives `JSON.parse(JSON.stringify(carrier))` unchanged.
 */
export type Carrier = { [field: string]: Json };

/**
 * Options of an injection: which variables may leave (`allow`/`deny`, names or variables, `deny`
 * wins) and the size cap of the declared variables (`maxBytes`). Each propagator honours what
 * concerns it.
 */
export interface InjectOptions extends SerializeOptions {}

/**
 * Moves (part of) a context across a boundary, like OpenTelemetry's `TextMapPropagator`, with a
 * JSON carrier instead of string headers.
 *
 * @example
 * ```ts
 * const tenant = new ContextVar<string>('tenant'); // not propagate: true
 * export const tenantPropagator: ContextPropagator = {
 *   fields: () => ['x-tenant'],
 *   inject(context, carrier) {
 *     const value = context.get(tenant);
 *     if (value !== undefined) carrier['x-tenant'] = value;
 *   },
 *   extract(context, carrier) {
 *     const value = carrier['x-tenant'];
 *     return typeof value === 'string' ? contextWithValue(context, tenant, value) : context;
 *   },
 * };
 * setGlobalPropagator(compositePropagator(declaredVariablesPropagator, tenantPropagator));
 * ```
 */
export interface ContextPropagator {
  /** The carrier fields this propagator writes and reads. */
  fields(): readonly string[];
  /** Writes what this propagator carries of `context` into `carrier` (only its own fields). */
  inject(context: Context, carrier: Carrier, options?: InjectOptions): void;
  /**
   * A Context: `context` plus what this propagator reads from `carrier`. Must not change
   * `context` (return a copy), and should throw an error naming the field when one of its
   * fields is malformed.
   */
  extract(context: Context, carrier: Readonly<Carrier>): Context;
}

/** Options of {@link setGlobalPropagator}. */
export interface GlobalPropagatorOptions {
  /**
   * A module that, when imported in another thread or process, sets the same propagator up there
   * (it calls `setGlobalPropagator` at its top level; it may also start a tracer provider). An
   * absolute file path, or a `file:` URL (`import.meta.url` in that module). Worker threads of
   * `@weft/executor` (and so `ParallelRunner`) import it before extracting a task's context, and
   * `@weft/distributed` passes it to the `weft-worker` processes it starts (`--import`): a
   * propagator set once is honoured at every boundary.
   */
  setupModule?: string | URL;
}

function invalidPropagator(message: string): ContextPropagationError {
  return new ContextPropagationError('ERR_PROPAGATOR_INVALID', message);
}

function checkPropagator(value: unknown, where: string): ContextPropagator {
  const p = value as Partial<ContextPropagator> | null;
  if (
    p === null ||
    typeof p !== 'object' ||
    typeof p.inject !== 'function' ||
    typeof p.extract !== 'function' ||
    typeof p.fields !== 'function'
  ) {
    throw invalidPropagator(
      `${where}: expected a propagator { fields(), inject(), extract() }, got ${typeof value}`,
    );
  }
  return p as ContextPropagator;
}

function fieldsOf(propagator: ContextPropagator, where: string): readonly string[] {
  const fields = propagator.fields();
  if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string' && f !== '')) {
    throw invalidPropagator(`${where}: fields() must return an array of non-empty strings`);
  }
  return fields;
}

/** An own data property of a carrier, never one found on a prototype chain or through a getter. */
function field(carrier: Readonly<Carrier>, name: string): unknown {
  return Object.getOwnPropertyDescriptor(carrier, name)?.value;
}

/** A propagator made of others: each injects its fields in turn; extraction applies them in turn. */
class CompositePropagator implements ContextPropagator {
  readonly #parts: readonly ContextPropagator[];
  /** What each part's fields() returned last time, and the flat list made of them. */
  #lastParts: (readonly string[])[] = [];
  #lastFields: readonly string[] = [];

  constructor(parts: readonly ContextPropagator[]) {
    this.#parts = parts;
  }

  /** The propagators, in order. */
  get parts(): readonly ContextPropagator[] {
    return this.#parts;
  }

  /**
   * The fields of every part, asked each time (a part's fields may depend on what is registered);
   * the flat list is made again only when some part returns another array than last time.
   */
  fields(): readonly string[] {
    const parts = this.#parts;
    if (parts.length === 1) return (parts[0] as ContextPropagator).fields();
    const last = this.#lastParts;
    let same = last.length === parts.length;
    for (let i = 0; i < parts.length; i++) {
      const f = (parts[i] as ContextPropagator).fields();
      if (last[i] !== f) {
        last[i] = f;
        same = false;
      }
    }
    if (!same) {
      last.length = parts.length;
      this.#lastFields = Object.freeze(last.flat());
    }
    return this.#lastFields;
  }

  inject(context: Context, carrier: Carrier, options?: InjectOptions): void {
    for (const part of this.#parts) part.inject(context, carrier, options);
  }

  extract(context: Context, carrier: Readonly<Carrier>): Context {
    let result = context;
    for (const part of this.#parts) result = part.extract(result, carrier);
    return result;
  }
}

/**
 * A propagator that runs `propagators` in order (nested composites are flattened). Two of them
 * may not claim the same carrier field.
 *
 * @throws {ContextPropagationError} `ERR_PROPAGATOR_INVALID` for something that is not a
 * propagator, or a field claimed twice (naming it).
 */
export function compositePropagator(...propagators: ContextPropagator[]): ContextPropagator {
  const parts: ContextPropagator[] = [];
  const owner = new Map<string, number>();
  propagators.forEach((candidate, index) => {
    const checked = checkPropagator(candidate, `compositePropagator(): argument ${index}`);
    const flat = checked instanceof CompositePropagator ? checked.parts : [checked];
    for (const part of flat) {
      for (const name of fieldsOf(part, `compositePropagator(): argument ${index}`)) {
        if (owner.has(name)) {
          throw invalidPropagator(
            `compositePropagator(): carrier field '${name}' is claimed by arguments ${owner.get(name)} and ${index}`,
          );
        }
        owner.set(name, index);
      }
      parts.push(part);
    }
  });
  return new CompositePropagator(parts);
}

/** The carrier field of the declared variables (a `SerializedContext`). */
const CONTEXT_FIELD = 'context';
/** The carrier field listing variables the sender had bound that did not travel. */
const UNPROPAGATED_FIELD = 'unpropagated';
const DECLARED_FIELDS: readonly string[] = Object.freeze([CONTEXT_FIELD, UNPROPAGATED_FIELD]);

function carrierError(name: string, what: string, cause?: unknown): ContextPropagationError {
  return new ContextPropagationError(
    'ERR_CARRIER_INVALID',
    `carrier field '${name}' ${what}`,
    name,
    cause === undefined ? undefined : { cause },
  );
}

function nameList(value: unknown, key: string): Set<string> {
  if (value === undefined) return new Set();
  if (!Array.isArray(value) || !value.every((n) => typeof n === 'string')) {
    throw carrierError(UNPROPAGATED_FIELD, `has '${key}' that is not a list of variable names`);
  }
  return new Set(value as string[]);
}

function readUnpropagated(value: unknown): UnpropagatedNames {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw carrierError(UNPROPAGATED_FIELD, 'is not an object { local?, filtered? }');
  }
  return Object.freeze({
    local: nameList(Object.getOwnPropertyDescriptor(value, 'local')?.value, 'local'),
    filtered: nameList(Object.getOwnPropertyDescriptor(value, 'filtered')?.value, 'filtered'),
  });
}

function unpropagatedVar(): ContextVar<UnpropagatedNames> {
  propagationState.unpropagatedVar ??= new ContextVar<UnpropagatedNames>('@weft/contextvars:unpropagated', {
    hidden: true,
  });
  return propagationState.unpropagatedVar as ContextVar<UnpropagatedNames>;
}

/** `base` with the bindings of `extra` laid over it (O(1) when `base` is empty). */
function overlay(base: Context, extra: Context): Context {
  if (base._map.size === 0) return extra;
  let map = base._map;
  extra._map.forEach((leaf) => {
    map = map.set(leaf.id, leaf.key, leaf.value);
  });
  return contextWithMap(map);
}

/**
 * A new Context: `context`'s bindings with `variable` bound to `value`, made without entering
 * either (`context` is unchanged). O(1) whatever the number of variables. What a propagator's
 * `extract` returns when it adds a variable: the same result as
 * `const r = context.copy(); r.run(() => variable.set(value))`, without the cost of entering `r`.
 *
 * @example
 * ```ts
 * extract(context, carrier) {
 *   const t = carrier['x-tenant'];
 *   return typeof t === 'string' ? contextWithValue(context, tenant, t) : context;
 * }
 * ```
 * @throws {TypeError} when `context` is not a Context or `variable` not a ContextVar (of any
 * copy of this package).
 */
export function contextWithValue<T>(context: Context, variable: ContextVar<T>, value: T): Context {
  assertContextVar(variable);
  // Structural, like the store itself: a Context of another copy of this package is accepted.
  const map = (context as { _map?: Partial<PersistentMap> } | null)?._map;
  if (typeof map?.set !== 'function' || typeof map.lookup !== 'function') {
    throw new TypeError(`contextWithValue(): a Context was expected, got ${String(context)}`);
  }
  return contextWithMap((map as PersistentMap).set(variable._id, variable, value));
}

/**
 * The default propagator: the variables declared `propagate: true`, through the sender's
 * `allow`/`deny` filter and `maxBytes` cap, each encoded by its codec (`serializeContext`), in
 * carrier field `context`; and the names (never the values) of bound variables that did not
 * travel, in field `unpropagated`, so the receiver can say why such a variable reads as unset
 * (its `LookupError` says so, and reading its default warns once outside production). Denied
 * variables are never named; hidden ones neither.
 */
export const declaredVariablesPropagator: ContextPropagator = Object.freeze({
  fields: () => DECLARED_FIELDS,
  inject(context: Context, carrier: Carrier, options?: InjectOptions): void {
    const { serialized, unpropagated } = encodeContext(context, options, true);
    for (const _ in serialized.vars) {
      carrier[CONTEXT_FIELD] = serialized as unknown as Json;
      break;
    }
    if (unpropagated !== undefined) carrier[UNPROPAGATED_FIELD] = unpropagated as Unpropagated as Json;
  },
  extract(context: Context, carrier: Readonly<Carrier>): Context {
    let result = context;
    const serialized = field(carrier, CONTEXT_FIELD);
    if (serialized !== undefined) {
      try {
        result = overlay(result, deserializeContext(serialized as SerializedContext));
      } catch (error) {
        if (ContextSerializationError.is(error)) throw error;
        throw carrierError(
          CONTEXT_FIELD,
          `cannot be read: ${(error as Error)?.message ?? String(error)}`,
          error,
        );
      }
    }
    const names = field(carrier, UNPROPAGATED_FIELD);
    if (names !== undefined) result = contextWithValue(result, unpropagatedVar(), readUnpropagated(names));
    return result;
  },
});

/**
 * Sets the propagator of this thread (every package copy shares it) and returns the previous
 * one. Worker threads and processes have their own: give `setupModule` (a module that makes
 * this same call) so the workers Weft starts set it up too.
 *
 * @throws {ContextPropagationError} `ERR_PROPAGATOR_INVALID` for something that is not a
 * propagator, `ERR_PROPAGATION_SETUP` for a `setupModule` that is not an absolute path or URL.
 */
export function setGlobalPropagator(
  propagator: ContextPropagator,
  options: GlobalPropagatorOptions = {},
): ContextPropagator {
  const checked = checkPropagator(propagator, 'setGlobalPropagator()');
  fieldsOf(checked, 'setGlobalPropagator()');
  const setup = options.setupModule === undefined ? [] : [setupUrl(options.setupModule)];
  const previous = getGlobalPropagator();
  propagationState.propagator = checked;
  propagationState.setupModules = Object.freeze(setup);
  return previous;
}

function setupUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (typeof module === 'string') {
    if (module.startsWith('/')) return pathToFileURL(module).href;
    if (/^[a-z][a-z0-9+.-]*:/i.test(module)) return module;
  }
  throw new ContextPropagationError(
    'ERR_PROPAGATION_SETUP',
    `setGlobalPropagator(): setupModule must be an absolute path or a URL (import.meta.url), got ${JSON.stringify(module)}`,
  );
}

/** The propagator of this thread: the one set last, else {@link declaredVariablesPropagator}. */
export function getGlobalPropagator(): ContextPropagator {
  return (propagationState.propagator as ContextPropagator | undefined) ?? declaredVariablesPropagator;
}

/** Puts the default propagator back (no set-up modules). */
export function resetGlobalPropagator(): void {
  propagationState.propagator = undefined;
  propagationState.setupModules = Object.freeze([]);
}

/**
 * The modules that set this thread's propagator up elsewhere (see
 * {@link GlobalPropagatorOptions.setupModule}); empty for the default propagator. The same
 * array is returned until the propagator changes.
 */
export function propagationSetupModules(): readonly string[] {
  return propagationState.setupModules;
}

/**
 * The sending side of every boundary: a new carrier with what the thread's propagator (or
 * `options.propagator`) injects of `context` (default: the current context).
 *
 * @throws whatever the propagator throws: the default one a `ContextSerializationError` naming the
 * variable that cannot be encoded, or the context over `maxBytes`.
 */
export function injectContext(
  context?: Context,
  options?: InjectOptions & { propagator?: ContextPropagator },
): Carrier {
  const carrier: Carrier = {};
  const propagator = options?.propagator ?? getGlobalPropagator();
  propagator.inject(context ?? (currentContext() as Context), carrier, options);
  return carrier;
}

/** Options of {@link extractContext}. */
export interface ExtractOptions {
  /** The propagator to read with. Default: the thread's. */
  propagator?: ContextPropagator;
  /**
   * Told about each carrier field no propagator of this side reads (the sender has a propagator
   * this side lacks). Default: one process warning per field name and thread.
   */
  onUnreadField?: (field: string) => void;
}

function warnUnreadField(name: string): void {
  // One warning per field name, for at most 64 names: a stream of carriers with ever new field
  // names (a hostile or broken sender) neither floods the log nor grows this set without bound.
  if (propagationState.warnedFields.has(name) || propagationState.warnedFields.size >= 64) return;
  propagationState.warnedFields.add(name);
  process.emitWarning(
    `carrier field ${JSON.stringify(name)} is not read by any propagator here, so what it carries is lost: ` +
      'set the same propagator as the sender (setGlobalPropagator(p, { setupModule }) on the sender sets it up in ' +
      "the workers it starts; a weft-worker started by hand needs '--import <setup module>')",
    { code: 'WEFT_CARRIER_FIELD_UNREAD' },
  );
}

/**
 * The receiving side of every boundary: a new Context from a carrier, read by the thread's
 * propagator (or `options.propagator`). Fields no propagator reads are reported (see
 * {@link ExtractOptions.onUnreadField}); everything is read as own data properties.
 *
 * @throws {ContextPropagationError} `ERR_CARRIER_INVALID` when `carrier` is not an object or a
 * field is malformed; {@link ContextSerializationError} when the declared variables cannot be
 * decoded (naming the variable).
 */
export function extractContext(carrier: unknown, options?: ExtractOptions): Context {
  if (carrier === null || typeof carrier !== 'object' || Array.isArray(carrier)) {
    throw new ContextPropagationError(
      'ERR_CARRIER_INVALID',
      `a context carrier must be an object of fields, got ${Array.isArray(carrier) ? 'an array' : String(carrier)}`,
    );
  }
  const propagator = options?.propagator ?? getGlobalPropagator();
  const fields = propagator.fields();
  for (const name of Object.keys(carrier)) {
    if (!fields.includes(name)) (options?.onUnreadField ?? warnUnreadField)(name);
  }
  return propagator.extract(new Context(), carrier as Carrier);
}
