/**
 * `ContextVar` and `Token`: PEP 567 context variables.
 *
 * @module
 */
import { inspect } from 'node:util';
import { CONTEXT_VAR_BRAND, contextFromMap, currentContext, readLeaf } from './bindings.js';
import type { Codec } from './codec.js';
import { ContextSerializationError, LookupError, reasonOf, TokenError } from './errors.js';
import type { Leaf, PersistentMap } from './persistent-map.js';
import { propagationState, unpropagatedHint, warnUnpropagated } from './propagation-state.js';
import { adoptPlaceholderId, allocateId, type ContextState, state } from './shared-state.js';

/** Options of {@link ContextVar}. */
export interface ContextVarOptions<T> {
  /** Value returned by `get()` when the variable is unbound. Absent means "no default". */
  default?: T;
  /**
   * Whether the variable travels across thread, process and network boundaries
   * (`serializeContext`). Default `false`. The name of a propagatable variable must be unique.
   */
  propagate?: boolean;
  /** How the value is encoded to JSON and back when it travels. Default: the value must be JSON. */
  codec?: Codec<T>;
  /**
   * Leave the variable's bindings out of a Context's mapping view (`size`, `keys`, `values`,
   * `entries`, iteration, `console.log`); `get`, `set`, `run` and `ctx.get(variable)` work as
   * usual. For a library's own bookkeeping, which the code it runs should not see (the worker
   * executor tags each task's context with the task this way). Cannot be combined with
   * `propagate`. Default `false`.
   */
  hidden?: boolean;
}

const TOKEN_KEY = Symbol('Token');

/**
 * A context variable (PEP 567's `contextvars.ContextVar`). Its value lives in the current
 * {@link Context}: `set` binds it there, `get` reads it from there, and {@link ContextVar.run}
 * binds it for one call in a copy, so nothing leaks to the caller or to siblings.
 *
 * Create variables once, at module level.
 *
 * @example
 * ```ts
 * const requestId = new ContextVar<string>('requestId', { default: 'none', propagate: true });
 * requestId.run('r-42', async () => {
 *   await somethingSlow();
 *   requestId.get(); // 'r-42', also in timers and promise callbacks scheduled in here
 * });
 * ```
 */
export class ContextVar<T> {
  readonly #name: string;
  /** @internal Unique id, the key of this variable in every context map. */
  readonly _id: number;
  /** @internal */
  readonly _hasDefault: boolean;
  /** @internal */
  readonly _default: T | undefined;
  /** Whether this variable is carried by `serializeContext`. */
  readonly propagate: boolean;
  /** Codec used when the variable crosses a boundary. */
  readonly codec: Codec<T> | undefined;
  /** @internal Whether bindings are left out of a Context's mapping view. */
  readonly _hidden: boolean;
  // Last lookup, keyed by the (immutable) map it was made in: a repeated get is one comparison.
  private _cacheMap: PersistentMap | undefined = undefined;
  private _cacheLeaf: Leaf | undefined = undefined;

  constructor(name: string, options: ContextVarOptions<T> = {}) {
    if (typeof name !== 'string') throw new TypeError('context variable name must be a string');
    this.#name = name;
    this._hasDefault = Object.hasOwn(options, 'default');
    this._default = options.default;
    this.propagate = options.propagate === true;
    this.codec = options.codec;
    this._hidden = options.hidden === true;
    if (this._hidden) {
      if (this.propagate)
        throw new TypeError(`context variable '${name}': a hidden variable cannot propagate`);
      state.hiddenVars++;
    }
    this._id = this.propagate ? registerPropagatable(this) : allocateId();
  }

  /** The variable's name. */
  get name(): string {
    return this.#name;
  }

  /**
   * The value in the current context. Lookup order: the bound value, else `fallback` when given,
   * else the variable's default.
   *
   * @throws {LookupError} when unbound with neither fallback nor default.
   */
  get(): T;
  get<D>(fallback: D): T | D;
  get(fallback?: unknown): unknown {
    const map = currentContext()._map;
    let leaf: Leaf | undefined;
    if (map === this._cacheMap) {
      leaf = this._cacheLeaf;
    } else {
      leaf = map.lookup(this._id);
      this._cacheMap = map;
      this._cacheLeaf = leaf;
    }
    if (leaf !== undefined) return leaf.key === this ? leaf.value : readLeaf(leaf, this);
    // biome-ignore lint/complexity/noArguments: an explicit `undefined` fallback counts, as in Python
    if (arguments.length > 0) return fallback;
    // In a context received from elsewhere, say so when the sender had this variable bound.
    const hint = propagationState.unpropagatedVar === undefined ? undefined : unpropagatedHint(this.#name);
    if (this._hasDefault) {
      if (hint !== undefined) warnUnpropagated(this.#name, hint);
      return this._default;
    }
    throw new LookupError(this.#name, this.toString(), hint);
  }

  /**
   * Binds `value` in the current context and returns a {@link Token} to undo it. The binding
   * stays in the current context object; use {@link ContextVar.run} for a scoped binding.
   * `using _ = v.set(x)` restores the previous value at the end of the block.
   */
  set(value: T): Token<T> {
    const context = currentContext();
    const map = context._map;
    const leaf = map.lookup(this._id);
    const oldValue = leaf === undefined ? Token.MISSING : (readLeaf(leaf, this) as T);
    context._map = map.set(this._id, this, value);
    return new Token(TOKEN_KEY, this, context, oldValue);
  }

  /**
   * Restores the value the variable had before the `set` that created `token`.
   *
   * @throws {TokenError} when the token was used already, belongs to another variable, or was
   * created in another Context (a copy counts as another Context).
   */
  reset(token: Token<T>): void {
    if (!(token instanceof Token)) throw new TypeError(`expected an instance of Token, got ${String(token)}`);
    if (token._used) throw new TokenError('ERR_TOKEN_USED', `${token} has already been used once`);
    if (token.var !== this) {
      throw new TokenError('ERR_TOKEN_FOREIGN_VAR', `${token} was created by a different ContextVar`);
    }
    const context = currentContext();
    if (token._context !== context) {
      throw new TokenError('ERR_TOKEN_FOREIGN_CONTEXT', `${token} was created in a different Context`);
    }
    token._used = true;
    const { oldValue } = token;
    context._map =
      oldValue === Token.MISSING ? context._map.delete(this._id) : context._map.set(this._id, this, oldValue);
  }

  /**
   * Runs `fn(...args)` in a copy of the current context where this variable is `value`, and
   * returns its result. Nothing `fn` does (sets included) leaks to the caller or to siblings.
   */
  run<R, A extends unknown[]>(value: T, fn: (...args: A) => R, ...args: A): R {
    return contextFromMap(currentContext()._map.set(this._id, this, value)).run(fn, ...args);
  }

  /** @internal Decodes a value that was deserialized before this variable existed. */
  _decodeLate(json: unknown): unknown {
    return decodeValue(this, json);
  }

  /** `<ContextVar name='a'>`, or `<ContextVar name='a' default=1>`. */
  toString(): string {
    const shown = this._hasDefault
      ? ` default=${inspect(this._default, { depth: 1, breakLength: Infinity })}`
      : '';
    return `<ContextVar name=${inspect(this.#name)}${shown}>`;
  }

  /** Same as {@link ContextVar.toString}, for `console.log`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

Object.defineProperty(ContextVar.prototype, CONTEXT_VAR_BRAND, { value: true });

/**
 * The receipt of a {@link ContextVar.set}: pass it to `reset` (or let `using` dispose it) to
 * restore the previous value. Single use.
 */
export class Token<T> {
  /** `oldValue` of a token whose variable was unbound before the `set`. */
  static readonly MISSING: unique symbol = Symbol('Token.MISSING');

  /** The variable that created this token. */
  readonly var: ContextVar<T>;
  /** The value before the `set`, or {@link Token.MISSING}. */
  readonly oldValue: T | typeof Token.MISSING;
  /** @internal The Context object the token was created in. */
  readonly _context: ContextState;
  /** @internal */
  _used = false;

  /** @internal Tokens are created by `ContextVar.set` only. */
  constructor(
    key: typeof TOKEN_KEY,
    variable: ContextVar<T>,
    context: ContextState,
    oldValue: T | typeof Token.MISSING,
  ) {
    if (key !== TOKEN_KEY) throw new TypeError('Tokens can only be created by ContextVars');
    this.var = variable;
    this._context = context;
    this.oldValue = oldValue;
  }

  /** Whether the token was used by `reset`. */
  get used(): boolean {
    return this._used;
  }

  /** Resets the variable (so `using token = v.set(x)` restores the value at block end). */
  [Symbol.dispose](): void {
    this.var.reset(this);
  }

  /** `<Token var=<ContextVar name='a'>>`, with ` used` after reset. */
  toString(): string {
    return `<Token${this._used ? ' used' : ''} var=${this.var}>`;
  }

  /** Same as {@link Token.toString}, for `console.log`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function registerPropagatable(variable: ContextVar<unknown>): number {
  const name = variable.name;
  if (state.registry.has(name)) {
    throw new ContextSerializationError(
      'ERR_CONTEXTVAR_DUPLICATE_NAME',
      `a propagatable context variable named '${name}' already exists; propagatable names must be unique`,
      name,
    );
  }
  // A value for this name may have arrived before the variable: adopt its id to find it.
  const id = adoptPlaceholderId(name);
  state.registry.set(name, variable);
  return id;
}

/** Decodes `json` with the variable's codec, naming the variable on failure. */
export function decodeValue<T>(variable: ContextVar<T>, json: unknown): T {
  if (variable.codec === undefined) return json as T;
  try {
    return variable.codec.decode(json as never);
  } catch (error) {
    throw new ContextSerializationError(
      'ERR_CONTEXTVAR_UNDECODABLE',
      `cannot decode the value of context variable '${variable.name}': ${reasonOf(error)}`,
      variable.name,
      { cause: error },
    );
  }
}
