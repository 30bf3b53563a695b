/**
 * Which variables of a context go where: allow/deny filters by name and by identity, checked
 * with the `Symbol.for` brand (so a variable from another physical copy of this package is a
 * variable like any other), and `filterContext` to restrict a context in this thread.
 *
 * @module
 */
import { isContextVar as branded, leafVar, type VarHandle } from './bindings.js';
import { type Context, contextWithMap } from './context.js';
import type { ContextVar } from './context-var.js';
import { ContextVarsError } from './errors.js';
import type { Placeholder } from './shared-state.js';

/** Which variables pass. Names and variables may be mixed; `deny` wins over `allow`. */
export interface ContextFilter {
  /** Only these pass (default: every variable). */
  allow?: Iterable<string | ContextVar<unknown>>;
  /** These never pass. */
  deny?: Iterable<string | ContextVar<unknown>>;
}

/** A {@link ContextFilter} checked and compiled once (see {@link compileContextFilter}). */
export interface CompiledContextFilter {
  /** Whether `variable` (or, for a value that arrived before its variable existed, its `name`) passes. */
  passes(variable: ContextVar<unknown> | undefined, name: string): boolean;
  /** Whether it is denied (named or listed in `deny`). */
  denies(variable: ContextVar<unknown> | undefined, name: string): boolean;
  /** True when nothing is filtered out (no allow list, an empty deny list). */
  readonly passesAll: boolean;
}

interface Lists {
  readonly names: Set<string>;
  readonly vars: Set<unknown>;
}

const PASS_ALL: CompiledContextFilter = Object.freeze({
  passes: () => true,
  denies: () => false,
  passesAll: true,
});

const compiled = new WeakMap<ContextFilter, CompiledContextFilter>();

/**
 * Whether `value` is a `ContextVar` of any copy of this package (a brand check through a
 * `Symbol.for` key, never `instanceof`).
 */
export function isContextVar(value: unknown): value is ContextVar<unknown> {
  return branded(value);
}

/** Thrown for a filter that is not `{ allow?, deny? }` of names and variables. */
function invalid(message: string): ContextVarsError {
  return new ContextVarsError('ERR_CONTEXT_FILTER_INVALID', message);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`;
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

function lists(list: unknown, key: string): Lists {
  if (
    list === null ||
    typeof list !== 'object' ||
    typeof (list as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function'
  ) {
    throw invalid(`contextFilter.${key} must be an iterable, got ${show(list)}`);
  }
  const names = new Set<string>();
  const vars = new Set<unknown>();
  for (const item of list as Iterable<unknown>) {
    if (typeof item === 'string') names.add(item);
    else if (isContextVar(item)) vars.add(item);
    else throw invalid(`contextFilter.${key} takes variable names and ContextVars, got ${show(item)}`);
  }
  return { names, vars };
}

/**
 * Checks `filter` and compiles it (once per filter object: later calls with the same object are
 * a lookup). `undefined` passes everything.
 *
 * @throws {ContextVarsError} `ERR_CONTEXT_FILTER_INVALID` when `filter` is not an object, or
 * `allow`/`deny` is not an iterable of names and ContextVars.
 */
export function compileContextFilter(filter: ContextFilter | undefined): CompiledContextFilter {
  if (filter === undefined) return PASS_ALL;
  if (filter === null || typeof filter !== 'object') {
    throw invalid(`contextFilter must be an object { allow?, deny? }, got ${show(filter)}`);
  }
  // Options objects that carry other settings (maxBytes, a propagator) but no filter: nothing to compile.
  if (filter.allow === undefined && filter.deny === undefined) return PASS_ALL;
  let result = compiled.get(filter);
  if (result !== undefined) return result;
  const allow = filter.allow === undefined ? undefined : lists(filter.allow, 'allow');
  const deny = filter.deny === undefined ? undefined : lists(filter.deny, 'deny');
  const denies = (variable: unknown, name: string): boolean =>
    deny !== undefined && (deny.names.has(name) || (variable !== undefined && deny.vars.has(variable)));
  result = Object.freeze({
    denies,
    passes: (variable: unknown, name: string): boolean => {
      if (denies(variable, name)) return false;
      return (
        allow === undefined || allow.names.has(name) || (variable !== undefined && allow.vars.has(variable))
      );
    },
    passesAll: allow === undefined && (deny === undefined || deny.names.size + deny.vars.size === 0),
  });
  compiled.set(filter, result);
  return result;
}

/**
 * `context` restricted to the variables that pass `filter` (O(1) when nothing is filtered out).
 * Hidden variables (a library's own bookkeeping, such as the OpenTelemetry context) are kept:
 * a filter chooses among the variables a context shows. The result is a new Context; `context`
 * is untouched.
 *
 * @throws {ContextVarsError} `ERR_CONTEXT_FILTER_INVALID` for a malformed filter.
 */
export function filterContext(context: Context, filter: ContextFilter | undefined): Context {
  const compiledFilter = compileContextFilter(filter);
  const map = context._map;
  if (compiledFilter.passesAll) return contextWithMap(map);
  let kept = map;
  map.forEach((leaf) => {
    const variable = leafVar(leaf) as (VarHandle & ContextVar<unknown>) | undefined;
    if (variable?._hidden === true) return;
    const name = variable?.name ?? (leaf.key as Placeholder).name;
    if (!compiledFilter.passes(variable, name)) kept = kept.delete(leaf.id);
  });
  return contextWithMap(kept);
}
