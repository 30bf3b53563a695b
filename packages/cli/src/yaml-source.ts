/**
 * Reading YAML configuration files with the `yaml` package, keeping where each key is, so that an
 * error about a value can name its file and line.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError, type SourceLocation } from './errors.js';

/** A key path in a configuration tree: `['cars', 'load_args', 'sep']`. */
export type KeyPath = readonly (string | number)[];

/** One parsed file: its value and where each key is. */
export interface YamlFile {
  /** The file as shown in messages. */
  readonly file: string;
  /** Its top-level mapping (`{}` for an empty file). */
  readonly value: Record<string, unknown>;
  /** Line and column of each key (and list item), by {@link pathKey}. */
  readonly positions: ReadonlyMap<string, { line: number; column: number }>;
}

/** The map key of a key path. */
export function pathKey(path: KeyPath): string {
  return JSON.stringify(path);
}

/** Where a key path is in a file: the deepest of its prefixes that has a position. */
export function locate(file: YamlFile, path: KeyPath): SourceLocation {
  for (let n = path.length; n > 0; n--) {
    const pos = file.positions.get(pathKey(path.slice(0, n)));
    if (pos !== undefined) return { file: file.file, line: pos.line, column: pos.column };
  }
  return { file: file.file, line: 1, column: 1 };
}

/**
 * Parses YAML text (`display` names the file in errors). YAML 1.2 with `<<` merge keys, unique
 * keys enforced.
 *
 * @throws {ConfigError} naming the file, line and column of the first syntax error, or when the
 * top level is not a mapping.
 */
export function parseYaml(text: string, display: string): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = first.linePos?.[0];
    throw new ConfigError(
      `invalid YAML: ${first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
      {
        file: display,
        line: pos?.line,
        column: pos?.col,
      },
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 10_000 });
  } catch (error) {
    throw new ConfigError(`invalid YAML: ${(error as Error).message}`, { file: display });
  }
  if (value === null || value === undefined) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError('the top level must be a mapping of names to values', {
      file: display,
      line: 1,
      column: 1,
    });
  }
  const positions = new Map<string, { line: number; column: number }>();
  const visit = (node: unknown, path: (string | number)[]) => {
    if (isAlias(node)) return;
    if (isMap(node)) {
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const keyNode = item.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
        if (key === undefined || key === '<<') continue;
        const at = keyNode?.range?.[0];
        const childPath = [...path, key];
        if (at !== undefined) {
          const p = lineCounter.linePos(at);
          positions.set(pathKey(childPath), { line: p.line, column: p.col });
        }
        visit(item.value, childPath);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        const at = (item as Node | null)?.range?.[0];
        const childPath = [...path, index];
        if (at !== undefined) {
          const p = lineCounter.linePos(at);
          positions.set(pathKey(childPath), { line: p.line, column: p.col });
        }
        visit(item, childPath);
      });
    }
  };
  visit(doc.contents, []);
  return { file: display, value: value as Record<string, unknown>, positions };
}

/** Reads and parses a YAML (or JSON) file. @throws {ConfigError} as {@link parseYaml}. */
export async function readYamlFile(path: string, display: string): Promise<YamlFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the file: ${(error as Error).message}`, { file: display });
  }
  return parseYaml(text, display);
}

/**
 * A value typed as YAML reads it, for command-line values (`--params k=0.5` gives a number,
 * `k=[1, 2]` a list, `k=abc` a string).
 */
export function parseYamlValue(text: string): unknown {
  if (text === '') return '';
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) return text;
  const value = doc.toJS();
  return value === null && text.trim() !== '' && !/^(null|~|Null|NULL)$/.test(text.trim()) ? text : value;
}
