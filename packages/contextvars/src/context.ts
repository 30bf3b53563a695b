/**
 * `Context`: a mapping from ContextVar to value, the unit that is entered with `run`, copied in
 * O(1) and carried to wherever the work goes.
 *
 * @module
 */
import {
  assertContextVar,
  currentContext,
  leafVar,
  readLeaf,
  resolvedSize,
  setContextFactory,
} from './bindings.js';
import type { ContextVar } from './context-var.js';
import { ContextEnteredError } from './errors.js';
import { PersistentMap } from './persistent-map.js';
import { als, state } from './shared-state.js';

/**
 * A mapping of context variables to their values (PEP 567's `contextvars.Context`).
 *
 * A Context wraps an immutable map: {@link Context.copy} and {@link copyContext} are O(1) whatever
 * the number of variables. Entering it with {@link Context.run} makes it current: every
 * `ContextVar.set`/`reset` made inside lands in this object, including in timers, promise
 * callbacks and code after `await` that were scheduled from inside.
 *
 * Like Python's, the mapping view ignores variable defaults, and iteration order is unspecified.
 *
 * @example
 * ```ts
 * const ctx = copyContext();
 * ctx.run(() => requestId.set('r-1'));
 * ctx.get(requestId); // 'r-1'; the caller's context is untouched
 * ```
 */
export class Context implements Iterable<[ContextVar<unknown>, unknown]> {
  /** @internal The immutable map of bindings; replaced (never mutated) by set and reset. */
  _map: PersistentMap = PersistentMap.EMPTY;
  /** @internal Whether this context is entered (synchronously) right now. */
  _entered = false;

  /** Creates an empty context. */
  constructor() {
    // biome-ignore lint/complexity/noArguments: mirror Python's `Context()` rejecting arguments
    if (arguments.length > 0) throw new TypeError('Context() does not accept any arguments');
  }

  /**
   * Runs `fn(...args)` with this context entered and returns its result. Changes made by `fn`
   * stay in this context (also when `fn` throws); the caller's context is untouched.
   *
   * @throws {ContextEnteredError} when this context is already entered.
   */
  run<R, A extends unknown[]>(fn: (...args: A) => R, ...args: A): R {
    if (this._entered) {
      throw new ContextEnteredError('cannot enter context: the context is already entered');
    }
    this._entered = true;
    try {
      return als.run(this, fn, ...args);
    } finally {
      this._entered = false;
    }
  }

  /** A shallow copy: same bindings, evolving independently from now on. O(1). */
  copy(): Context {
    return contextWithMap(this._map);
  }

  /** The value of `variable` in this context, or `fallback` (default `undefined`). Ignores the variable's default. */
  get<T>(variable: ContextVar<T>): T | undefined;
  get<T, D>(variable: ContextVar<T>, fallback: D): T | D;
  get(variable: ContextVar<unknown>, fallback?: unknown): unknown {
    assertContextVar(variable);
    const leaf = this._map.lookup(variable._id);
    return leaf === undefined ? fallback : readLeaf(leaf, variable);
  }

  /** Whether `variable` is bound in this context (defaults do not count). */
  has(variable: ContextVar<unknown>): boolean {
    assertContextVar(variable);
    return this._map.lookup(variable._id) !== undefined;
  }

  /** Number of bound variables. */
  get size(): number {
    return resolvedSize(this._map);
  }

  /** The bound variables, in unspecified order. */
  *keys(): IterableIterator<ContextVar<unknown>> {
    for (const [variable] of this.entries()) yield variable;
  }

  /** The bound values, in unspecified order. */
  *values(): IterableIterator<unknown> {
    for (const [, value] of this.entries()) yield value;
  }

  /** `[variable, value]` pairs, in unspecified order. */
  *entries(): IterableIterator<[ContextVar<unknown>, unknown]> {
    for (const leaf of this._map.leaves()) {
      const variable = leafVar(leaf);
      if (variable !== undefined && variable._hidden !== true)
        yield [variable as ContextVar<unknown>, readLeaf(leaf, variable)];
    }
  }

  /** Same as {@link Context.entries}. */
  [Symbol.iterator](): IterableIterator<[ContextVar<unknown>, unknown]> {
    return this.entries();
  }

  /** `Context { name => value, ... }` in `console.log`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const parts = [...this.entries()].map(
      ([v, value]) => `${v.name} => ${JSON.stringify(value) ?? String(value)}`,
    );
    return `Context(${this.size}) { ${parts.join(', ')} }`;
  }
}

/** A Context sharing `map`. */
export function contextWithMap(map: PersistentMap): Context {
  const context = new Context();
  context._map = map;
  return context;
}

/**
 * A copy of the current context, O(1) (Python's `contextvars.copy_context()`). Run work in it to
 * isolate that work's `set` calls from the caller and from siblings:
 * `copyContext().run(fn)`.
 */
export function copyContext(): Context {
  return contextWithMap(currentContext()._map);
}

setContextFactory(contextWithMap);
state.root ??= new Context();
