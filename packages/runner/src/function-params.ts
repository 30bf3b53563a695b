/**
 * Reads a function's declared parameters from its source, so that `node()` can check arity the
 * way Kedro binds a signature: too few inputs for the required parameters, or more inputs than
 * the function declares (without a rest parameter), is an error at construction.
 *
 * @module
 */

/** What a function declares: its parameter names (source text) and whether the last one is a rest parameter. */
export interface DeclaredParams {
  readonly names: readonly string[];
  readonly rest: boolean;
}

const BARE_ARROW = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/;

/**
 * The parameters `fn` declares, or `undefined` when its source cannot be read (native and bound
 * functions, or a shape this parser does not know).
 */
export function declaredParams(fn: (...args: never[]) => unknown): DeclaredParams | undefined {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return undefined;
  }
  if (source.includes('[native code]')) return undefined;
  const bare = BARE_ARROW.exec(source);
  if (bare !== null) return { names: [bare[1] as string], rest: false };
  const open = source.indexOf('(');
  if (open === -1) return undefined;
  const parts = splitTopLevel(source, open + 1);
  if (parts === undefined) return undefined;
  const names = parts.map((p) => p.trim()).filter((p) => p.length > 0);
  return { names, rest: names.length > 0 && (names[names.length - 1] as string).startsWith('...') };
}

/** Splits the parameter list starting at `start` (just after `(`) on top-level commas. */
function splitTopLevel(source: string, start: number): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = start; i < source.length; i++) {
    const ch = source[i] as string;
    if (ch === '/' && source[i + 1] === '/') {
      const end = source.indexOf('\n', i);
      if (end === -1) return undefined;
      i = end;
      continue;
    }
    if (ch === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end === -1) return undefined;
      i = end + 1;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      const end = skipString(source, i, ch);
      if (end === -1) return undefined;
      current += source.slice(i, end + 1);
      i = end;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
    else if (ch === ')') {
      if (depth === 0) {
        parts.push(current);
        return parts;
      }
      depth--;
    } else if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  return undefined;
}

function skipString(source: string, start: number, quote: string): number {
  for (let i = start + 1; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') i++;
    else if (ch === quote) return i;
  }
  return -1;
}
