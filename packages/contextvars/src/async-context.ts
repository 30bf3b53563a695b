/**
 * The TC39 AsyncContext flavour (proposal-async-context, stage 2), on the same store as
 * ContextVar: an `AsyncContext.Variable` is readable inside `Context.run`, a ContextVar is
 * captured by `AsyncContext.Snapshot`, and the executors carry both.
 *
 * Divergences on Node 20, by design of the host rather than of this package: generators see the
 * context of whoever calls `next()` (the proposal captures it at creation), and EventEmitter
 * listeners run in the context of `emit()`. Wrap listeners with {@link Snapshot.wrap}.
 *
 * @module
 */
import { currentContext } from './bindings.js';
import { contextWithMap } from './context.js';
import { ContextVar } from './context-var.js';
import type { PersistentMap } from './persistent-map.js';

/** Options of {@link Variable}. */
export interface VariableOptions<T> {
  /** Shown in `name`; converted with `String()`. Default `''`. */
  name?: unknown;
  /** Returned by `get()` outside any `run` of this variable. */
  defaultValue?: T;
}

/**
 * A value that is set for the extent of a call (`run`) and everything it schedules, never
 * visible to the caller or siblings. It has no `set`, by the proposal's design.
 */
export class Variable<T> {
  readonly #var: ContextVar<T | undefined>;

  constructor(options: VariableOptions<T> = {}) {
    const name = 'name' in options ? String(options.name) : '';
    this.#var = new ContextVar<T | undefined>(name, { default: options.defaultValue });
  }

  /** The name given at construction (`''` when none). */
  get name(): string {
    return this.#var.name;
  }

  /** The value in the current context, or the default value. */
  get(): T | undefined {
    return this.#var.get();
  }

  /** Runs `fn(...args)` (with `this` undefined) where this variable is `value`, and returns its result. */
  run<R, A extends unknown[]>(value: T, fn: (...args: A) => R, ...args: A): R {
    if (typeof fn !== 'function')
      throw new TypeError('AsyncContext.Variable#run: callback is not a function');
    return this.#var.run(value, () => fn(...args));
  }
}

/** A capture of every variable's value at construction time, to run code in later. Opaque. */
export class Snapshot {
  readonly #map: PersistentMap;

  constructor() {
    this.#map = currentContext()._map;
  }

  /** Runs `fn(...args)` (with `this` undefined) in the captured context and returns its result. */
  run<R, A extends unknown[]>(fn: (...args: A) => R, ...args: A): R {
    if (typeof fn !== 'function')
      throw new TypeError('AsyncContext.Snapshot#run: callback is not a function');
    // A fresh Context per run: sets made inside never alter the snapshot.
    return contextWithMap(this.#map).run(() => fn(...args));
  }

  /**
   * `fn` bound to the current context: the returned function forwards `this` and arguments and
   * always runs in the context captured now.
   */
  static wrap<F extends (this: never, ...args: never[]) => unknown>(fn: F): F {
    if (typeof fn !== 'function')
      throw new TypeError('AsyncContext.Snapshot.wrap: argument is not a function');
    const snapshot = new Snapshot();
    // A method definition: named after `fn`, forwards `this`, and is not a constructor.
    const wrapped = {
      [fn.name](this: unknown, ...args: unknown[]) {
        return snapshot.run(() => fn.apply(this as never, args as never));
      },
    }[fn.name] as unknown as F;
    Object.defineProperty(wrapped, 'length', { value: fn.length });
    return wrapped;
  }
}
