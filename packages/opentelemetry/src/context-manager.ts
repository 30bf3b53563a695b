/**
 * `WeftContextManager`: OpenTelemetry's `ContextManager` on Weft's one AsyncLocalStorage. The
 * active OpenTelemetry context is a (hidden) variable of the current Weft `Context`, so it follows
 * the work exactly as Weft's variables do: through `await`, into each node's own context copy,
 * across threads and processes through the propagator seam, and never leaks between nodes.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { type ContextManager, context, type Context as OtelContext, ROOT_CONTEXT } from '@opentelemetry/api';
import { WeftOpenTelemetryError } from './errors.js';
import { otelContextVar } from './otel-context-var.js';

// biome-ignore lint/suspicious/noExplicitAny: listeners and bound functions take anything
type AnyFunction = (...args: any[]) => any;

const PROBE_KEY = Symbol.for('@weft/opentelemetry:probe');
const PROBING_KEY = Symbol.for('@weft/opentelemetry:probing/v1');
const probingHolder = globalThis as { [PROBING_KEY]?: { context: OtelContext | undefined } };
/**
 * Set only for the duration of {@link isWeftContextActive}'s synchronous call to `context.active()`
 * (shared by every copy of this package).
 */
const probing = probingHolder[PROBING_KEY] ?? { context: undefined };
probingHolder[PROBING_KEY] = probing;
const PROBE = ROOT_CONTEXT.setValue(PROBE_KEY, true);

/** Methods of an EventEmitter that add a listener. */
const ADDERS = ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const;
/** Methods that remove one. */
const REMOVERS = ['off', 'removeListener'] as const;

const PATCHED = Symbol('@weft/opentelemetry:bound-emitter');

/** Per emitter: event → original listener → listeners bound in its place. */
type ListenerMap = Map<string | symbol, WeakMap<AnyFunction, AnyFunction[]>>;

/**
 * OpenTelemetry's `ContextManager` on Weft's AsyncLocalStorage (`@weft/contextvars`): `active()`
 * reads the OpenTelemetry context from the current Weft `Context`; `with(ctx, fn)` runs `fn` in a
 * copy of the current Weft context where `ctx` is the OpenTelemetry context (Weft's variables
 * stay as they are); `bind` binds functions and EventEmitters. One store for both, so a span
 * made active by `context.with` or `startActiveSpan` follows Weft's rules, and a Weft runner's
 * node contexts carry the node's span.
 *
 * Register it once per thread and process: {@link registerContextManager}, or
 * `provider.register({ contextManager: new WeftContextManager() })`.
 *
 * @example
 * ```ts
 * registerContextManager(); // throws when another manager holds the global
 * trace.getTracer('app').startActiveSpan('work', (span) => {
 *   requestId.get(); // Weft's variables are visible as ever
 *   span.end();
 * });
 * ```
 */
export class WeftContextManager implements ContextManager {
  #enabled = true;

  /** The active OpenTelemetry context (`ROOT_CONTEXT` when none, or when disabled). */
  active(): OtelContext {
    if (!this.#enabled) return ROOT_CONTEXT;
    return probing.context ?? otelContextVar.get();
  }

  /**
   * Runs `fn` (with `thisArg` and `args`) with `ctx` active, in a copy of the current Weft context:
   * nothing `fn` sets leaks to the caller.
   */
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: OtelContext,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    if (!this.#enabled) return fn.apply(thisArg, args);
    if (thisArg === undefined) return otelContextVar.run(ctx, fn, ...args);
    return otelContextVar.run(ctx, () => fn.apply(thisArg, args));
  }

  /**
   * `target` bound to `ctx`: a function that runs in it whenever it is called, or an EventEmitter
   * whose listeners (added from now on) run in it. Other values are returned as they are.
   */
  bind<T>(ctx: OtelContext, target: T): T {
    if (typeof target === 'function') return this.#bindFunction(ctx, target as unknown as AnyFunction) as T;
    if (target instanceof EventEmitter) this.#bindEmitter(ctx, target);
    return target;
  }

  /** Takes part again after {@link disable}. Returns this manager (OpenTelemetry's convention). */
  enable(): this {
    this.#enabled = true;
    return this;
  }

  /**
   * Stops taking part: `active()` gives `ROOT_CONTEXT` and `with` just calls. Weft's own variables
   * and store are untouched (they are not this manager's to disable).
   */
  disable(): this {
    this.#enabled = false;
    return this;
  }

  #bindFunction(ctx: OtelContext, target: AnyFunction): AnyFunction {
    const manager = this;
    const bound = function (this: unknown, ...args: unknown[]) {
      return manager.with(ctx, () => target.apply(this, args));
    };
    Object.defineProperty(bound, 'length', { value: target.length, configurable: true });
    Object.defineProperty(bound, 'name', { value: target.name, configurable: true });
    return bound;
  }

  #bindEmitter(ctx: OtelContext, emitter: EventEmitter): void {
    const patched = emitter as EventEmitter & { [PATCHED]?: ListenerMap };
    if (patched[PATCHED] !== undefined) return;
    const listeners: ListenerMap = new Map();
    patched[PATCHED] = listeners;
    for (const method of ADDERS) {
      const original = emitter[method] as AnyFunction;
      Object.defineProperty(emitter, method, {
        configurable: true,
        writable: true,
        value: (event: string | symbol, listener: AnyFunction) => {
          const bound = this.#bindFunction(ctx, listener);
          let byListener = listeners.get(event);
          if (byListener === undefined) {
            byListener = new WeakMap();
            listeners.set(event, byListener);
          }
          const list = byListener.get(listener) ?? [];
          list.push(bound);
          byListener.set(listener, list);
          return original.call(emitter, event, bound);
        },
      });
    }
    for (const method of REMOVERS) {
      const original = emitter[method] as AnyFunction;
      Object.defineProperty(emitter, method, {
        configurable: true,
        writable: true,
        value: (event: string | symbol, listener: AnyFunction) => {
          const list = listeners.get(event)?.get(listener);
          const bound = list?.pop();
          return original.call(emitter, event, bound ?? listener);
        },
      });
    }
    const removeAll = emitter.removeAllListeners as AnyFunction;
    Object.defineProperty(emitter, 'removeAllListeners', {
      configurable: true,
      writable: true,
      value: (...args: [event?: string | symbol]) => {
        if (args.length === 0) listeners.clear();
        else listeners.delete(args[0] as string | symbol);
        return removeAll.apply(emitter, args);
      },
    });
  }
}

/**
 * Makes `manager` (default: a new {@link WeftContextManager}) OpenTelemetry's global context
 * manager in this thread and returns it.
 *
 * @throws {WeftOpenTelemetryError} `ERR_CONTEXT_MANAGER_TAKEN` when another context manager is
 * registered already (`context.setGlobalContextManager` refused it): OpenTelemetry would keep
 * using that one, and spans would not follow Weft's context.
 */
export function registerContextManager(
  manager: WeftContextManager = new WeftContextManager(),
): WeftContextManager {
  if (!context.setGlobalContextManager(manager.enable())) {
    if (isWeftContextActive()) return manager;
    throw new WeftOpenTelemetryError(
      'ERR_CONTEXT_MANAGER_TAKEN',
      "Another OpenTelemetry context manager is registered already, so spans would not follow Weft's context. " +
        'Register WeftContextManager first, or in its place: provider.register({ contextManager: new WeftContextManager() }) ' +
        'or new NodeSDK({ contextManager: new WeftContextManager() }); call context.disable() to drop the other one.',
    );
  }
  return manager;
}

/**
 * Whether the registered OpenTelemetry context manager reads Weft's context (a
 * {@link WeftContextManager} of any copy of this package is registered and enabled).
 *
 * Asked at every crossing, so it enters nothing: while {@link probing} holds a probe context, an
 * enabled `WeftContextManager` answers `active()` with it, and no other manager can.
 */
export function isWeftContextActive(): boolean {
  probing.context = PROBE;
  try {
    return context.active() === PROBE;
  } finally {
    probing.context = undefined;
  }
}
