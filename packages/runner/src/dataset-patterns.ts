/**
 * Dataset factory patterns (`"{name}_csv"`): matching a dataset name against patterns, ordered by
 * Kedro's specificity rules.
 *
 * @module
 */
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
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

/** A copy of `config` with placeholders filled from `values` (no checks: see {@link fillTemplateSafely}). */
export function fillTemplate<T>(config: T, values: Record<string, string>): T {
  return walkStrings(config, (s) => fillString(s, values)) as T;
}

function fillString(s: string, values: Record<string, string>): string {
  return s.replace(
    PLACEHOLDER,
    (whole, key: string) => (Object.hasOwn(values, key) ? values[key] : whole) as string,
  );
}

/**
 * A copy of `config` with placeholders filled from `values`, refusing any value that would take a
 * filled string out of its folder: every string with placeholders is treated as a path, and a
 * placeholder value can never leave the template's folder (the part before its first placeholder,
 * up to the last `/`), whatever its spelling: no `..` segment (also after Unicode compatibility
 * normalisation, so fullwidth dots and slashes count), no absolute path or drive letter, no
 * backslash, no control character (NUL included), no percent-encoded dot, slash, backslash, NUL or
 * percent, and no symbolic link among the existing folders below the template's folder that leads
 * out of it. Values may hold `/` to reach subfolders.
 *
 * @throws {DatasetError} `ERR_DATASET_PATH`, naming the dataset, the pattern, the config key, the
 * placeholder and its value.
 */
export function fillTemplateSafely<T>(
  pattern: CompiledPattern,
  config: T,
  values: Record<string, string>,
  dataset: string,
): T {
  return walkStrings(config, (template, key) => {
    const filled = fillString(template, values);
    if (filled === template) return filled;
    const fail = (reason: string, folder: string): never => {
      throw new DatasetError(
        'ERR_DATASET_PATH',
        `Dataset '${dataset}' cannot be created from pattern '${pattern.pattern}': ${key === '' ? 'its config' : `'${key}'`} would be ${JSON.stringify(filled)}, but ${reason}. ` +
          `A placeholder value may not leave the pattern's folder ${JSON.stringify(folder)}: no '..' segments, absolute paths, drive letters, backslashes, control characters, percent-encoded separators, or symbolic links out of it.`,
      );
    };
    const folder = templateFolder(template);
    for (const m of template.matchAll(PLACEHOLDER)) {
      const name = m[1] as string;
      if (!Object.hasOwn(values, name)) continue;
      const reason = unsafeValueReason(values[name] as string);
      if (reason !== undefined)
        fail(`the value ${JSON.stringify(values[name])} of {${name}} ${reason}`, folder);
    }
    const root = resolve(folder);
    const target = resolve(filled);
    if (!isInside(target, root)) fail(`that is outside ${JSON.stringify(folder)}`, folder);
    const link = symlinkOut(root, target);
    if (link !== undefined)
      fail(`folder ${JSON.stringify(link)} is a symbolic link that leads out of it`, folder);
    return filled;
  }) as T;
}

/** The folder of a path template: what comes before its first placeholder, up to the last separator. */
function templateFolder(template: string): string {
  const first = template.search(/\{[A-Za-z_]\w*\}/);
  const prefix = first === -1 ? template : template.slice(0, first);
  const cut = Math.max(prefix.lastIndexOf('/'), prefix.lastIndexOf('\\'));
  if (cut === -1) return '.';
  return cut === 0 ? prefix.slice(0, 1) : prefix.slice(0, cut);
}

/** Why a placeholder value could leave its folder, or undefined when it cannot. */
function unsafeValueReason(value: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'holds a control character';
  if (/%(?:2e|2f|5c|00|25)/i.test(value))
    return 'holds a percent-encoded dot, slash, backslash, NUL or percent sign';
  for (const form of new Set([value, value.normalize('NFKC')])) {
    if (form.includes('\\')) return 'holds a backslash';
    if (form.split('/').includes('..')) return "holds a '..' segment";
    if (form.startsWith('/')) return 'is an absolute path';
    if (/^[A-Za-z]:/.test(form)) return 'starts with a drive letter';
  }
  return undefined;
}

function isInside(path: string, folder: string): boolean {
  if (path === folder) return true;
  const rel = relative(folder, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * The first existing folder between `root` (excluded) and `target`'s folder whose real path is
 * outside `root`'s real path (a symbolic link out), or undefined.
 */
function symlinkOut(root: string, target: string): string | undefined {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return undefined; // the folder does not exist yet: nothing below it can be a link
  }
  let dir = dirname(target);
  while (dir !== root && isInside(dir, root)) {
    let real: string | undefined;
    try {
      real = realpathSync(dir);
    } catch {
      real = undefined; // does not exist (yet): look further up
    }
    if (real !== undefined) return isInside(real, realRoot) ? undefined : dir;
    dir = dirname(dir);
  }
  return undefined;
}

/** Maps every string in plain data through `fn`, which also gets the string's key path (`load_args.sep`). */
function walkStrings(value: unknown, fn: (s: string, key: string) => string, key = ''): unknown {
  if (typeof value === 'string') return fn(value, key);
  if (Array.isArray(value)) return value.map((v, i) => walkStrings(v, fn, `${key}[${i}]`));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, walkStrings(v, fn, key === '' ? k : `${key}.${k}`)]),
    );
  }
  return value;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
