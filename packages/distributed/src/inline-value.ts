/**
 * Small values that travel inline in Redis (a job's inputs, its results): as JSON text when JSON
 * keeps them exactly (plain objects and arrays of finite numbers, strings, booleans and null), which
 * is the cheapest to write and read for the small values of small nodes; otherwise as V8's
 * serialization (what structured clone keeps: Maps, Dates, typed arrays, `undefined`, …) in base64.
 * The first character says which: `j` or `v`.
 *
 * @module
 */
import { decodeValue, encodeValue } from './shared-storage.js';

/** Walks at most this many values to decide whether JSON keeps a value exactly. */
const MAX_WALK = 2000;

function jsonExact(value: unknown, budget: { left: number }): boolean {
  if (--budget.left < 0) return false;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !jsonExact(value[i], budget)) return false;
        }
        return Object.keys(value).length === value.length;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      if (Object.getOwnPropertySymbols(value).length > 0) return false;
      for (const key of Object.getOwnPropertyNames(value)) {
        const d = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
        if (!d.enumerable || d.get !== undefined || d.set !== undefined) return false;
        if (!jsonExact(d.value, budget)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** Whether JSON keeps `value` exactly (a parse of its JSON text equals it). */
export function jsonKeepsExactly(value: unknown): boolean {
  return jsonExact(value, { left: MAX_WALK });
}

/** A value's inline text: `j` + JSON, or `v` + base64 of its V8 serialization. Throws what V8 throws. */
export function encodeInline(value: unknown): string {
  if (jsonExact(value, { left: MAX_WALK })) return `j${JSON.stringify(value)}`;
  return `v${encodeValue(value).toString('base64')}`;
}

/** Reverses {@link encodeInline}. */
export function decodeInline(text: string): unknown {
  if (text.startsWith('j')) return JSON.parse(text.slice(1));
  if (text.startsWith('v')) return decodeValue(Buffer.from(text.slice(1), 'base64'));
  throw new TypeError(`not an inline value (it starts with ${JSON.stringify(text.slice(0, 1))})`);
}
