/**
 * Dataset factory patterns (`"{name}_csv"`): matching a dataset name against patterns, ordered by
 * Kedro's specificity rules.
 *
 * @module
 */
import { DatasetError } from './errors.js';
import { compareNames, setRepr } from './names.js';

/** A compiled pattern. */
export interface CompiledPattern {
  /** The pattern text, e.g. `'{namespace}.{name}_csv'`. */
  readonly pattern: string;
  /** Placeholder names in order of first appearance. */
  readonly placeholders: readonly string[];
  /** Characters outside braces (Kedro's first sort key). */
  readonly literalLength: number;
  /** A pattern with nothing outside its braces, e.g. `'{default}'`. */
  readonly catchAll: boolean;
  readonly regex: RegExp;
}

const PLACEHOLDER = /\{([A-Za-z_][\w]*)\}/g;

/** Compiles `pattern`; placeholders are `{identifier}`, each matching one or more characters. */
export function compilePattern(pattern: string): CompiledPattern {
  const placeholders: string[] = [];
  let source = '^';
  let last = 0;
  let literalLength = 0;
  for (const m of pattern.matchAll(PLACEHOLDER)) {
    const literal = pattern.slice(last, m.index);
    literalLength += literal.length;
    source += escapeRegex(literal);
    const name = m[1] as string;
    if (placeholders.includes(name)) source += `\\k<${name}>`;
    else {
      placeholders.push(name);
      source += `(?<${name}>.+?)`;
    }
    last = (m.index as number) + m[0].length;
  }
  const tail = pattern.slice(last);
  literalLength += tail.length;
  source += `${escapeRegex(tail)}$`;
  return {
    pattern,
    placeholders,
    literalLength,
    catchAll: literalLength === 0 && placeholders.length > 0,
    regex: new RegExp(source, 's'),
  };
}

/** Whether `name` is a pattern (contains a `{placeholder}`). */
export function isPattern(name: string): boolean {
  return /\{[A-Za-z_]\w*\}/.test(name);
}

/**
 * Sorts patterns by Kedro's specificity: more characters outside braces first, then more
 * placeholders, then alphabetically. At most one catch-all pattern is allowed.
 */
export function sortPatterns(patterns: readonly CompiledPattern[]): CompiledPattern[] {
  const catchAlls = patterns.filter((p) => p.catchAll);
  if (catchAlls.length > 1) {
    throw new DatasetError(
      'ERR_DATASET_PATTERNS',
      `Multiple catch-all patterns found in the catalog: ${catchAlls.map((p) => p.pattern).join(', ')}. Only one catch-all pattern is allowed, remove the extras.`,
    );
  }
  return [...patterns].sort(
    (a, b) =>
      b.literalLength - a.literalLength ||
      b.placeholders.length - a.placeholders.length ||
      compareNames(a.pattern, b.pattern),
  );
}

/** The first pattern (in the given order) matching `name`, with its captured values. */
export function matchPattern(
  patterns: readonly CompiledPattern[],
  name: string,
): { pattern: CompiledPattern; values: Record<string, string> } | undefined {
  for (const pattern of patterns) {
    const m = pattern.regex.exec(name);
    if (m !== null) return { pattern, values: { ...(m.groups as Record<string, string>) } };
  }
  return undefined;
}

/**
 * Fills `{placeholder}`s in every string of a config object. A placeholder absent from the pattern
 * is Kedro's "Incorrect dataset configuration provided" error, raised when the catalog is built.
 */
export function checkTemplate(pattern: CompiledPattern, config: unknown): void {
  const used = new Set<string>();
  walkStrings(config, (s) => {
    for (const m of s.matchAll(PLACEHOLDER)) used.add(m[1] as string);
    return s;
  });
  const missing = [...used].filter((u) => !pattern.placeholders.includes(u));
  if (missing.length > 0) {
    throw new DatasetError(
      'ERR_DATASET_PATTERN_CONFIG',
      `Incorrect dataset configuration provided. Keys used in the configuration ${setRepr(missing.map((m) => `{${m}}`))} should present in the dataset pattern name ${pattern.pattern}.`,
    );
  }
}

/** A copy of `config` with placeholders filled from `values`. */
export function fillTemplate<T>(config: T, values: Record<string, string>): T {
  return walkStrings(config, (s) =>
    s.replace(PLACEHOLDER, (whole, key: string) => values[key] ?? whole),
  ) as T;
}

function walkStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => walkStrings(v, fn));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walkStrings(v, fn)]));
  }
  return value;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
