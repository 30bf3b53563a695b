/**
 * Values of `weft run` options as Kedro reads them: comma-separated lists, `--params k=v,…`
 * (values typed by YAML, dotted keys nested) and `--load-versions dataset:version,…`.
 *
 * @module
 */
import { UsageError } from './errors.js';
import { parseYamlValue } from './yaml-source.js';

/** `'a, b,,c'` → `['a', 'b', 'c']`. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const PARAM_KEY = /^[A-Za-z_][\w-]*(\.[\w-]+)*$/;

/**
 * `--params` values (the option may be given several times) → a nested object:
 * `'model.alpha=0.1,name=run one'` → `{ model: { alpha: 0.1 }, name: 'run one' }`. A comma
 * separates pairs only when `key=` follows it, so list values such as `layers=[1, 2]` work.
 *
 * @throws {UsageError} for a pair without `=`, a bad key, or a key set twice.
 */
export function parseParams(values: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const value of values) {
    const pairs = value.split(/,(?=\s*[A-Za-z_][\w.-]*\s*=)/);
    for (const pair of pairs) {
      if (pair.trim() === '') continue;
      const eq = pair.indexOf('=');
      if (eq === -1) {
        const colon = pair.indexOf(':');
        const hint =
          colon === -1
            ? ''
            : ` (write ${pair.slice(0, colon).trim()}=${pair.slice(colon + 1).trim()}; 'key:value' is Kedro's old form)`;
        throw new UsageError(`--params: '${pair.trim()}' is not key=value${hint}`);
      }
      const key = pair.slice(0, eq).trim();
      if (!PARAM_KEY.test(key)) {
        throw new UsageError(
          `--params: '${key}' is not a parameter name (letters, digits, '_' and '-', dots for nested keys)`,
        );
      }
      if (seen.has(key)) throw new UsageError(`--params: '${key}' is given twice`);
      seen.add(key);
      setPath(out, key.split('.'), parseYamlValue(pair.slice(eq + 1).trim()), key);
    }
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown, key: string): void {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i] as string;
    const next = node[k];
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      node[k] = created;
      node = created;
    } else if (next !== null && typeof next === 'object' && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else {
      throw new UsageError(
        `--params: '${key}' sets a key inside '${path.slice(0, i + 1).join('.')}', which is a value`,
      );
    }
  }
  const last = path[path.length - 1] as string;
  if (node[last] !== null && typeof node[last] === 'object' && !Array.isArray(node[last])) {
    throw new UsageError(`--params: '${key}' would replace the keys given for it elsewhere in --params`);
  }
  node[last] = value;
}

/**
 * The dotted keys of `runtime` that `parameters` does not have (they are added, as in Kedro; the
 * command line warns about them since a typo would otherwise pass unnoticed).
 */
export function unknownParamKeys(
  parameters: Readonly<Record<string, unknown>>,
  runtime: Readonly<Record<string, unknown>>,
  prefix = '',
): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(runtime)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (!Object.hasOwn(parameters, k)) out.push(key);
    else {
      const p = parameters[k];
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && p !== null && typeof p === 'object') {
        out.push(...unknownParamKeys(p as Record<string, unknown>, v as Record<string, unknown>, key));
      }
    }
  }
  return out;
}

/**
 * `--load-versions` values → `{ dataset: version }`: `'cars:2026-12-01T09.00.00.000Z,x:v2'`.
 *
 * @throws {UsageError} for a pair without `:` or a dataset named twice.
 */
export function parseLoadVersions(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    for (const pair of splitList(value)) {
      const colon = pair.indexOf(':');
      const name = colon === -1 ? '' : pair.slice(0, colon).trim();
      const version = colon === -1 ? '' : pair.slice(colon + 1).trim();
      if (name === '' || version === '') {
        throw new UsageError(
          `--load-versions: '${pair}' is not dataset:version (e.g. cars:2026-12-01T09.00.00.000Z)`,
        );
      }
      if (Object.hasOwn(out, name)) throw new UsageError(`--load-versions: '${name}' is given twice`);
      out[name] = version;
    }
  }
  return out;
}
