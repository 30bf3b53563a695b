/**
 * Capturing the submitter's context for one task, at submit time: a Context for in-thread tasks,
 * a SerializedContext for worker threads.
 *
 * @internal
 * @module
 */
import {
  Context,
  type ContextFilter,
  ContextVarsError,
  compileContextFilter,
  copyContext,
  filterContext,
} from '@weft/contextvars';
import { InvalidArgumentError } from './errors.js';
import type { ExecutorOptions, SubmitOptions } from './executor.js';
import { checkBoolean, checkObject } from './validation.js';

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

/** Checks a filter once (contextvars compiles and caches it), naming the option on failure. */
function normalizeFilter(filter: ContextFilter, where: string): void {
  try {
    compileContextFilter(filter);
  } catch (error) {
    if (ContextVarsError.is(error) && error.code === 'ERR_CONTEXT_FILTER_INVALID') {
      throw new InvalidArgumentError(`${where}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * The Context an in-thread task runs in: a copy of the current one (O(1)), restricted to the
 * filter's variables when there is a filter, or an empty one when propagation is off. Filters
 * match variables by name or by identity (a brand check, so variables of any copy of
 * `@weft/contextvars` count).
 */
export function captureContext(policy: ContextPolicy): Context {
  if (!policy.propagate) return new Context();
  const current = copyContext();
  if (policy.filter === undefined) return current;
  return filterContext(current, policy.filter);
}
