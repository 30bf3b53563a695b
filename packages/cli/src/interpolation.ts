/**
 * Interpolation in configuration values, as Kedro's OmegaConfigLoader does it: `${a.b}` (another
 * key of the same configuration), `${globals:a.b, default}` (from `globals.yml`),
 * `${runtime_params:a.b, default}` (from `--params`), `${oc.select:a.b, default}`, and
 * `${oc.env:NAME, default}` (credentials only, Kedro's rule). A value that is exactly one
 * interpolation keeps its type; inside a longer string it is written as text. `\${` is a literal.
 *
 * @module
 */
import { ConfigError, type SourceLocation } from './errors.js';
import { type KeyPath, parseYamlValue } from './yaml-source.js';

/** What interpolation needs. */
export interface InterpolationScope {
  /** The configuration `${a.b}` refers to (one kind, merged over the files of one environment). */
  readonly root: Readonly<Record<string, unknown>>;
  /** `globals.yml`, already resolved. */
  readonly globals: Readonly<Record<string, unknown>>;
  /** `--params`, nested. */
  readonly runtimeParams: Readonly<Record<string, unknown>>;
  /** Whether `${oc.env:...}` is allowed (credentials only). */
  readonly allowEnv: boolean;
  /** Environment variables for `oc.env`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where a key path of `root` is, for messages. */
  readonly locate: (path: KeyPath) => SourceLocation;
}

const RESOLVERS = ['globals', 'runtime_params', 'oc.select', 'oc.env'] as const;

/** Marks a missing key. */
const MISSING: unique symbol = Symbol('missing');

/** Whether `value` holds an interpolation anywhere (strings in nested objects and arrays). */
export function hasInterpolation(value: unknown): boolean {
  if (typeof value === 'string') return /(^|[^\\])\$\{/.test(value);
  if (Array.isArray(value)) return value.some(hasInterpolation);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasInterpolation);
  return false;
}

/**
 * `root` with every interpolation resolved (a new tree; `root` is not changed).
 *
 * @throws {ConfigError} at the key whose value cannot be resolved: a missing key, an unknown
 * resolver, a cycle, `oc.env` outside credentials, a mapping inside a string.
 */
export function resolveInterpolations(scope: InterpolationScope): Record<string, unknown> {
  const done = new Map<string, unknown>();
  const active = new Set<string>();

  const resolvePath = (path: KeyPath, from: KeyPath): unknown => {
    const key = JSON.stringify(path);
    if (done.has(key)) return done.get(key);
    if (active.has(key)) {
      throw new ConfigError(
        `interpolation cycle: '${path.join('.')}' refers back to itself`,
        scope.locate(from),
      );
    }
    const raw = lookup(scope.root, path);
    if (raw === MISSING) return MISSING;
    active.add(key);
    const value = walk(raw, path);
    active.delete(key);
    done.set(key, value);
    return value;
  };

  const walk = (value: unknown, path: KeyPath): unknown => {
    if (typeof value === 'string') return resolveString(value, path);
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return value;
  };

  const resolveString = (text: string, path: KeyPath): unknown => {
    if (!text.includes('${')) return text;
    const parts = splitInterpolations(text, () => scope.locate(path));
    if (parts.length === 1 && typeof parts[0] !== 'string') {
      return evaluate((parts[0] as { expr: string }).expr, path);
    }
    return parts
      .map((part) => {
        if (typeof part === 'string') return part;
        const v = evaluate(part.expr, path);
        if (v !== null && typeof v === 'object') {
          throw new ConfigError(
            `'\${${part.expr}}' is a ${Array.isArray(v) ? 'list' : 'mapping'}; it cannot be put inside a string`,
            scope.locate(path),
          );
        }
        return String(v);
      })
      .join('');
  };

  const evaluate = (expr: string, path: KeyPath): unknown => {
    // Nested interpolations (`${globals:${name}}`) are resolved first.
    const inner = expr.includes('${') ? String(resolveString(expr, path)) : expr;
    const m = /^\s*([A-Za-z_][\w.]*)\s*:(.*)$/s.exec(inner);
    if (m === null) {
      const target = inner.trim();
      if (!/^[\w-]+(\.[\w-]+)*$/.test(target)) {
        throw new ConfigError(`'\${${expr}}' is not a valid interpolation`, scope.locate(path));
      }
      const value = resolvePath(target.split('.'), path);
      if (value === MISSING) {
        throw new ConfigError(
          `interpolation key '${target}' not found (in '\${${expr}}')`,
          scope.locate(path),
        );
      }
      return value;
    }
    const resolver = m[1] as string;
    const args = splitArgs(m[2] as string);
    const [first, fallback] = [args[0] ?? '', args.length > 1 ? args[1] : undefined];
    const missing = (what: string): never => {
      throw new ConfigError(
        `${what} (in '\${${expr}}'); give a default: \${${resolver}:${first}, value}`,
        scope.locate(path),
      );
    };
    switch (resolver) {
      case 'globals': {
        const v = lookup(scope.globals, first.split('.'));
        if (v !== MISSING) return v;
        if (fallback !== undefined) return parseArg(fallback);
        return missing(`globals key '${first}' not found`);
      }
      case 'runtime_params': {
        const v = lookup(scope.runtimeParams, first.split('.'));
        if (v !== MISSING) return v;
        if (fallback !== undefined) return parseArg(fallback);
        return missing(`runtime parameter '${first}' was not given (--params ${first}=...)`);
      }
      case 'oc.select': {
        const v = resolvePath(first.split('.'), path);
        if (v !== MISSING) return v;
        return fallback === undefined ? null : parseArg(fallback);
      }
      case 'oc.env': {
        if (!scope.allowEnv) {
          throw new ConfigError(
            `'\${oc.env:...}' is only allowed in credentials (Kedro's rule); use \${globals:...} or \${runtime_params:...} here`,
            scope.locate(path),
          );
        }
        const v = scope.env[first];
        if (v !== undefined) return v;
        if (fallback !== undefined) return parseArg(fallback);
        return missing(`environment variable '${first}' is not set`);
      }
      default:
        throw new ConfigError(
          `unknown resolver '${resolver}' in '\${${expr}}' (known: ${RESOLVERS.join(', ')})`,
          scope.locate(path),
        );
    }
  };

  const out: Record<string, unknown> = {};
  for (const key of Object.keys(scope.root)) {
    const value = resolvePath([key], [key]);
    out[key] = value;
  }
  return out;
}

function lookup(root: unknown, path: KeyPath): unknown {
  let node: unknown = root;
  for (const k of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, k)) return MISSING;
    node = (node as Record<string | number, unknown>)[k];
  }
  return node;
}

/** `a ${b} c` → `['a ', { expr: 'b' }, ' c']`; `\${` stays literal. */
function splitInterpolations(text: string, where: () => SourceLocation): (string | { expr: string })[] {
  const parts: (string | { expr: string })[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('\\${', i)) {
      literal += '${';
      i += 3;
      continue;
    }
    if (text.startsWith('${', i)) {
      let depth = 1;
      let j = i + 2;
      for (; j < text.length && depth > 0; j++) {
        if (text.startsWith('${', j)) {
          depth++;
          j++;
        } else if (text[j] === '}') depth--;
      }
      if (depth > 0) throw new ConfigError(`unclosed interpolation in '${text}'`, where());
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push({ expr: text.slice(i + 2, j - 1) });
      i = j;
      continue;
    }
    literal += text[i];
    i++;
  }
  if (literal !== '' || parts.length === 0) parts.push(literal);
  return parts;
}

/** Resolver arguments: split on commas outside quotes and brackets, trimmed. */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: string | undefined;
  let depth = 0;
  for (const ch of text) {
    if (quote !== undefined) {
      current += ch;
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === '[' || ch === '{') {
      depth++;
      current += ch;
    } else if (ch === ']' || ch === '}') {
      depth--;
      current += ch;
    } else if (ch === ',' && depth === 0) {
      args.push(current.trim());
      current = '';
    } else current += ch;
  }
  args.push(current.trim());
  return args;
}

function parseArg(arg: string): unknown {
  const quoted = /^(['"])(.*)\1$/s.exec(arg);
  if (quoted !== null) return quoted[2];
  return parseYamlValue(arg);
}
