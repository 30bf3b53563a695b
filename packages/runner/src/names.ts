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

/**
 * `record[key] = value` as an own, enumerable data property, also when `key` is `'__proto__'`
 * (which plain assignment would take as the record's prototype, losing the value). Dataset names
 * are any strings, so records keyed by them are filled through this.
 */
export function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    record[key] = value;
  }
}
