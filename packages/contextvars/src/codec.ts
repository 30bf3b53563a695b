/**
 * The JSON form of a variable's value: `Json` and a variable's `Codec`. Types only, in a module of
 * their own so that `context-var.ts` (which takes a codec) and `serialization.ts` (which uses it)
 * do not import each other.
 *
 * @module
 */

/** A JSON value: what survives `JSON.parse(JSON.stringify(x))` unchanged. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Encodes a variable's value to JSON and back, for values that are not JSON already. */
export interface Codec<T> {
  encode(value: T): Json;
  decode(json: Json): T;
}
