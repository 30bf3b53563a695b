/**
 * Where a function is defined, and the comment written above it, found the way a debugger finds it:
 * V8's inspector reports a function's `[[FunctionLocation]]` (script and position), the script's
 * source map (inline, as tsx and vitest write them, or a file) maps that position back to the
 * TypeScript source, and the JSDoc block or `//` lines right above the declaration are its
 * docstring. Works for any function object, exported or not; needs no parser.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { SourceMap } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { displayPath } from './describe-pipeline.js';
import type { CodeLocation } from './run-record.js';

/** A function's source position and its leading comment. */
export interface FunctionSource extends CodeLocation {
  /** The JSDoc or `//` comment right above the declaration, without comment markers. */
  readonly doc?: string;
}

interface ScriptInfo {
  readonly url: string;
  readonly sourceMapURL: string;
}

type Post = <T>(method: string, params?: object) => Promise<T>;

function poster(session: Session): Post {
  return <T>(method: string, params?: object) =>
    new Promise<T>((resolvePost, reject) => {
      session.post(method, params ?? {}, (error, result) =>
        error ? reject(error) : resolvePost(result as T),
      );
    });
}

function toPath(url: string, base?: string): string | undefined {
  if (url.startsWith('file:')) return fileURLToPath(url);
  if (url.startsWith('node:') || url.startsWith('data:') || url === '') return undefined;
  if (isAbsolute(url)) return url;
  return base === undefined ? undefined : resolve(base, url);
}

function loadSourceMap(script: ScriptInfo): SourceMap | undefined {
  const ref = script.sourceMapURL;
  if (ref === '') return undefined;
  try {
    if (ref.startsWith('data:')) {
      const comma = ref.indexOf(',');
      const meta = ref.slice(5, comma);
      const body = ref.slice(comma + 1);
      const text = meta.endsWith(';base64')
        ? Buffer.from(body, 'base64').toString('utf8')
        : decodeURIComponent(body);
      return new SourceMap(JSON.parse(text));
    }
    const scriptPath = toPath(script.url);
    const mapUrl = new URL(
      ref,
      script.url.startsWith('file:') ? script.url : pathToFileURL(scriptPath ?? '/').href,
    );
    return new SourceMap(JSON.parse(readFileSync(fileURLToPath(mapUrl), 'utf8')));
  } catch {
    return undefined;
  }
}

/**
 * The comment block ending on the line above `line` (1-based) of `text`: a `/** … *\/` or `/* … *\/`
 * block, or consecutive `//` lines. Decorators and `export` on their own lines are skipped.
 */
export function leadingComment(text: string, line: number): string | undefined {
  const lines = text.split('\n');
  let i = line - 2;
  while (i >= 0 && /^\s*(@\w.*)?$/.test(lines[i] as string) && (lines[i] as string).trim() !== '') i--;
  if (i < 0) return undefined;
  const last = (lines[i] as string).trim();
  let block: string[] = [];
  if (last.endsWith('*/')) {
    let j = i;
    while (j >= 0 && !(lines[j] as string).includes('/*')) j--;
    if (j < 0) return undefined;
    block = lines.slice(j, i + 1).map((l) =>
      l
        .replace(/^\s*\/\*\*?/, '')
        .replace(/\*\/\s*$/, '')
        .replace(/^\s*\* ?/, ''),
    );
  } else if (last.startsWith('//')) {
    let j = i;
    while (j >= 0 && (lines[j] as string).trim().startsWith('//')) j--;
    block = lines.slice(j + 1, i + 1).map((l) => l.replace(/^\s*\/\/\s?/, ''));
  } else {
    return undefined;
  }
  const doc = block.join('\n').trim();
  return doc === '' ? undefined : doc;
}

/**
 * Finds where each function is defined (original source, through source maps) and its leading
 * comment. Functions whose location cannot be found (built-ins, bound functions, an inspector that
 * is not available) are left out of the result.
 *
 * @param baseDir File paths inside this folder are given relative to it.
 *
 * @example
 * ```ts
 * const where = await locateFunctions([preprocessCompanies], { baseDir: projectDir });
 * where.get(preprocessCompanies); // { file: 'src/pipelines/data_processing/nodes.ts', line: 12, column: 1, doc: 'Cleans …' }
 * ```
 */
export async function locateFunctions(
  fns: readonly ((...args: never[]) => unknown)[],
  options: { baseDir?: string } = {},
): Promise<Map<(...args: never[]) => unknown, FunctionSource>> {
  const found = new Map<(...args: never[]) => unknown, FunctionSource>();
  const unique = [...new Set(fns.filter((f) => typeof f === 'function'))];
  if (unique.length === 0) return found;
  let session: Session;
  try {
    session = new Session();
    session.connect();
  } catch {
    return found;
  }
  const scripts = new Map<string, ScriptInfo>();
  session.on('Debugger.scriptParsed', (message) => {
    const p = message.params as { scriptId: string; url: string; sourceMapURL?: string };
    scripts.set(p.scriptId, { url: p.url, sourceMapURL: p.sourceMapURL ?? '' });
  });
  const post = poster(session);
  const key = `__weftVizLocate${process.pid}`;
  const holder = globalThis as Record<string, unknown>;
  const maps = new Map<string, SourceMap | undefined>();
  const texts = new Map<string, string | undefined>();
  try {
    await post('Debugger.enable');
    for (const fn of unique) {
      holder[key] = fn;
      const { result } = await post<{ result: { objectId?: string } }>('Runtime.evaluate', {
        expression: `globalThis[${JSON.stringify(key)}]`,
      });
      if (result.objectId === undefined) continue;
      const props = await post<{
        internalProperties?: {
          name: string;
          value?: { value?: { scriptId: string; lineNumber: number; columnNumber: number } };
        }[];
      }>('Runtime.getProperties', { objectId: result.objectId, ownProperties: true });
      await post('Runtime.releaseObject', { objectId: result.objectId });
      const where = props.internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value;
      if (where === undefined) continue;
      const script = scripts.get(where.scriptId);
      if (script === undefined) continue;
      let file = toPath(script.url);
      let line = where.lineNumber + 1;
      let column = where.columnNumber + 1;
      if (!maps.has(script.url)) maps.set(script.url, loadSourceMap(script));
      const map = maps.get(script.url);
      if (map !== undefined) {
        const entry = map.findEntry(where.lineNumber, where.columnNumber) as {
          originalSource?: string;
          originalLine?: number;
          originalColumn?: number;
        };
        if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
          file = toPath(entry.originalSource, file === undefined ? undefined : resolve(file, '..')) ?? file;
          line = entry.originalLine + 1;
          column = (entry.originalColumn ?? 0) + 1;
        }
      }
      if (file === undefined) continue;
      if (!texts.has(file)) {
        try {
          texts.set(file, readFileSync(file, 'utf8'));
        } catch {
          texts.set(file, undefined);
        }
      }
      const text = texts.get(file);
      const doc = text === undefined ? undefined : leadingComment(text, line);
      found.set(fn, {
        file: displayPath(file, options.baseDir),
        line,
        column,
        ...(fn.name ? { functionName: fn.name } : {}),
        ...(doc === undefined ? {} : { doc }),
      });
    }
  } catch {
    // an inspector that refuses (e.g. already attached elsewhere): what was found so far stands
  } finally {
    delete holder[key];
    try {
      await post('Debugger.disable');
    } catch {
      // closing anyway
    }
    session.disconnect();
  }
  return found;
}
