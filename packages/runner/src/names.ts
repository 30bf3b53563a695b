/**
 * Dataset and node name helpers shared by node, pipeline and catalog.
 *
 * @module
 */

/** Node names, tags and namespace segments must match this (Kedro's rule). */
export const VALID_NAME = /^[\w.-]+$/;

/** `'cars@csv'` → `'cars'`: the dataset a transcoded name refers to. */
export function stripTranscoding(name: string): string {
  const at = name.indexOf('@');
  return at === -1 ? name : name.slice(0, at);
}

/** `'cars@csv'` → `'@csv'`, `'cars'` → `''`. */
export function transcodingSuffix(name: string): string {
  const at = name.indexOf('@');
  return at === -1 ? '' : name.slice(at);
}

/** Whether `name` is a parameter input (`params:x` or `parameters`), exempt from resume backtracking. */
export function isParameter(name: string): boolean {
  return name.startsWith('params:') || name === 'parameters';
}

/** Python-style list rendering used in messages: `['a', 'b']`. */
export function listRepr(names: Iterable<string>): string {
  return `[${[...names].map((n) => `'${n}'`).join(', ')}]`;
}

/** Python-style set rendering used in messages: `{'a', 'b'}`. */
export function setRepr(names: Iterable<string>): string {
  return `{${[...names].map((n) => `'${n}'`).join(', ')}}`;
}

/** Compare strings by code unit, like Python's `<` on `str`. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
