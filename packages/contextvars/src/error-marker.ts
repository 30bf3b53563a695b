/**
 * The cross-copy identity check behind every Weft package's `SomeError.is(value)`, in one place.
 * Published as `@weft/contextvars/error-marker` (every Weft package depends on `@weft/contextvars`).
 *
 * `instanceof` fails when two copies of a package are loaded in one process (two versions in one
 * `node_modules`, a bundled copy): each copy has its own classes. A package's base error therefore
 * carries a `Symbol.for` marker on its prototype, which every copy shares, and `is` matches the
 * class by name along the prototype chain below that base.
 *
 * @module
 * @since 0.1.0
 */

/**
 * Tells whether `value` is an error of the marked base class, or of a class named `className`
 * that extends it, made by any copy of the package. Never throws.
 */
export type ErrorMarkerCheck = (value: unknown, className: string) => boolean;

/**
 * Marks `base.prototype` with `Symbol.for(key)` (non-enumerable, so the marker stays out of the
 * error's own properties) and returns the check a static `is` calls with `this.name`.
 *
 * `key` names the package, e.g. `'weft.runner.error'`; every copy of the package must use the same
 * key, and two packages must not share one (their class names could collide).
 *
 * @example
 * ```ts
 * export class MyPackageError extends Error {
 *   constructor(readonly code: MyPackageErrorCode, message: string, options?: ErrorOptions) {
 *     super(message, options);
 *     this.name = new.target.name;
 *   }
 *   static is<T extends abstract new (...args: never[]) => MyPackageError>(this: T, value: unknown): value is InstanceType<T> {
 *     return isMyPackageError(value, this.name);
 *   }
 * }
 * const isMyPackageError = defineErrorMarker(MyPackageError, 'weft.my-package.error');
 * ```
 */
export function defineErrorMarker(
  base: abstract new (...args: never[]) => Error,
  key: string,
): ErrorMarkerCheck {
  const marker = Symbol.for(key);
  Object.defineProperty(base.prototype, marker, { value: true });
  return (value, className) => hasErrorMarker(value, marker, className);
}

/**
 * Whether `value` carries `marker` and a class named `className` in its prototype chain, at or
 * below the marked base class. Names rather than identities, so that classes of another copy
 * match. Never throws (a revoked proxy, a throwing getter: false).
 */
function hasErrorMarker(value: unknown, marker: symbol, className: string): boolean {
  try {
    if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[marker] !== true) {
      return false;
    }
    for (let proto = Object.getPrototypeOf(value); proto !== null && marker in proto; ) {
      const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
      if (typeof ctor === 'function' && ctor.name === className) return true;
      proto = Object.getPrototypeOf(proto);
    }
    return false;
  } catch {
    return false;
  }
}
