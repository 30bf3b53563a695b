/**
 * Capturing the submitter's context for one task, at submit time: a Context for in-thread tasks,
 * a SerializedContext for worker threads.
 *
 * @internal
 * @module
 */
import { Context, type ContextFilter, ContextVar, copyContext } from '@weft/contextvars';
import { InvalidArgumentError } from './errors.js';
import type { ExecutorOptions, SubmitOptions } from './executor.js';
import { checkBoolean, checkObject, show } from './validation.js';

/** How one task gets its context. */
export interface ContextPolicy {
  readonly propagate: boolean;
  readonly filter: ContextFilter | undefined;
}

/** The executor-wide policy from its options. */
export function executorPolicy(options: ExecutorOptions, where: string): ContextPolicy {
  const propagate = checkBoolean(options.propagateContext, true, 'propagateContext', where);
  const filter = checkObject<ContextFilter>(options.contextFilter, 'contextFilter', where);
  if (filter !== undefined) normalizeFilter(filter, where);
  return { propagate, filter };
}

/** The policy of one task: the executor's, with the per-submit options replacing it field by field. */
export function submitPolicy(
  base: ContextPolicy,
  options: SubmitOptions | undefined,
  where: string,
): ContextPolicy {
  if (
    options === undefined ||
    (options.propagateContext === undefined && options.contextFilter === undefined)
  ) {
    return base;
  }
  const propagate = checkBoolean(options.propagateContext, base.propagate, 'propagateContext', where);
  const filter = checkObject<ContextFilter>(options.contextFilter, 'contextFilter', where) ?? base.filter;
  if (filter !== undefined) normalizeFilter(filter, where);
  return { propagate, filter };
}

interface NormalizedFilter {
  allowNames: Set<string> | undefined;
  allowVars: Set<ContextVar<unknown>> | undefined;
  denyNames: Set<string>;
  denyVars: Set<ContextVar<unknown>>;
}

const normalized = new WeakMap<ContextFilter, NormalizedFilter>();

function normalizeFilter(filter: ContextFilter, where: string): NormalizedFilter {
  const cached = normalized.get(filter);
  if (cached !== undefined) return cached;
  const split = (list: unknown, key: string): { names: Set<string>; vars: Set<ContextVar<unknown>> } => {
    const names = new Set<string>();
    const vars = new Set<ContextVar<unknown>>();
    if (list === null || typeof (list as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
      throw new InvalidArgumentError(`${where}: contextFilter.${key} must be an iterable, got ${show(list)}`);
    }
    for (const item of list as Iterable<unknown>) {
      if (typeof item === 'string') names.add(item);
      else if (item instanceof ContextVar) {
        vars.add(item);
      } else {
        throw new InvalidArgumentError(
          `${where}: contextFilter.${key} takes variable names and ContextVars, got ${show(item)}`,
        );
      }
    }
    return { names, vars };
  };
  const allow = filter.allow === undefined ? undefined : split(filter.allow, 'allow');
  const deny =
    filter.deny === undefined
      ? { names: new Set<string>(), vars: new Set<ContextVar<unknown>>() }
      : split(filter.deny, 'deny');
  const result: NormalizedFilter = {
    allowNames: allow?.names,
    allowVars: allow?.vars,
    denyNames: deny.names,
    denyVars: deny.vars,
  };
  normalized.set(filter, result);
  return result;
}

function passes(filter: NormalizedFilter, variable: ContextVar<unknown>): boolean {
  if (filter.denyVars.has(variable) || filter.denyNames.has(variable.name)) return false;
  if (filter.allowNames === undefined) return true;
  return filter.allowNames.has(variable.name) || (filter.allowVars as Set<ContextVar<unknown>>).has(variable);
}

/**
 * The Context an in-thread task runs in: a copy of the current one (O(1)), restricted to the
 * filter's variables when there is a filter, or an empty one when propagation is off.
 */
export function captureContext(policy: ContextPolicy): Context {
  if (!policy.propagate) return new Context();
  const current = copyContext();
  if (policy.filter === undefined) return current;
  const filter = normalizeFilter(policy.filter, 'submit()');
  const kept: Array<[ContextVar<unknown>, unknown]> = [];
  let dropped = false;
  for (const entry of current) {
    if (passes(filter, entry[0])) kept.push(entry);
    else dropped = true;
  }
  if (!dropped) return current;
  const result = new Context();
  result.run(() => {
    for (const [variable, value] of kept) variable.set(value);
  });
  return result;
}
