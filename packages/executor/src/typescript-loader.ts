/**
 * TypeScript modules in worker threads and child processes: the Node options that register a
 * TypeScript loader (tsx) in a new thread or process, so that it loads `.ts` modules the way a
 * main thread started with `node --import tsx` does, on every supported Node line.
 *
 * Why an explicit registration rather than `--import tsx` in a worker's `execArgv`: tsx applies
 * `--import tsx` inside worker threads only on Nodes that have `module.registerHooks`
 * (22.22.3+, 24.11.1+, 26); on Node 20 and older 22s it registers nothing there, and `.ts` task
 * modules fail with `Unknown file extension ".ts"`. Calling tsx's `register()` APIs from a
 * preloaded module works on every line, so that is what the options returned here do (the
 * `--import tsx` a worker inherits from its parent is dropped, so tsx is never registered twice).
 *
 * @module
 */

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from './errors.js';

/**
 * Which TypeScript loader workers get:
 * - `'auto'` (default): tsx when this process runs under tsx (`tsx main.ts`, `node --import tsx`,
 *   also through `NODE_OPTIONS`), otherwise none;
 * - `'tsx'`: tsx, resolved from the working directory (else from this package); an error if it
 *   is not installed;
 * - `false`: none. Workers still inherit this process's Node options, so Node's own type
 *   stripping (on by default from Node 22.18 and 24) loads erasable-only `.ts` files whose
 *   imports name `.ts` files.
 */
export type TypeScriptLoader = 'auto' | 'tsx' | false;

/** The `TypeScriptLoader` values, for validation messages. */
const LOADERS: readonly TypeScriptLoader[] = ['auto', 'tsx', false];

/** A tsx preload as Node options name it: `tsx`, `tsx/esm`, `tsx/cjs`, or a path into tsx's `dist`. */
const TSX_PRELOAD =
  /^(?:tsx(?:\/esm|\/cjs)?|.*[\\/]tsx[\\/]dist[\\/](?:loader\.mjs|esm[\\/]index\.mjs|cjs[\\/]index\.cjs))$/;

/** Node options that preload a module, with the value in the next argument or after `=`. */
const PRELOAD_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/** The preloads (flag index and specifier) of a list of Node options. */
function preloads(argv: readonly string[]): { index: number; width: number; specifier: string }[] {
  const found: { index: number; width: number; specifier: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (!PRELOAD_FLAGS.has(flag)) continue;
    if (eq !== -1) found.push({ index: i, width: 1, specifier: arg.slice(eq + 1) });
    else if (i + 1 < argv.length) {
      found.push({ index: i, width: 2, specifier: argv[i + 1] as string });
      i++;
    }
  }
  return found;
}

function nodeOptionsArgv(nodeOptions: string | undefined): string[] {
  return nodeOptions === undefined ? [] : nodeOptions.split(/\s+/).filter((a) => a !== '');
}

/** The tsx preload specifier this process was started with, if any. */
function tsxPreload(execArgv: readonly string[], nodeOptions: string | undefined): string | undefined {
  for (const argv of [execArgv, nodeOptionsArgv(nodeOptions)]) {
    for (const { specifier } of preloads(argv)) {
      const path = specifier.startsWith('file:')
        ? decodeURIComponent(new URL(specifier).pathname)
        : specifier;
      if (TSX_PRELOAD.test(path)) return path;
    }
  }
  return undefined;
}

/**
 * Whether this process runs under tsx: started by the `tsx` command, or with `--import tsx`
 * (`--require tsx/cjs`, `--loader tsx`, …) in its Node options or in `NODE_OPTIONS`.
 *
 * @example
 * ```ts
 * if (runsUnderTsx()) console.log('TypeScript modules load here, and in workers with typescript: "auto"');
 * ```
 */
export function runsUnderTsx(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): boolean {
  return tsxPreload(execArgv, nodeOptions) !== undefined;
}

/**
 * `argv` without the options that preload tsx (`--import tsx`, the `tsx` command's loader, …),
 * for a worker that gets tsx from {@link typescriptExecArgv} instead.
 */
export function withoutTsxPreloads(argv: readonly string[]): string[] {
  const drop = new Set<number>();
  for (const { index, width, specifier } of preloads(argv)) {
    const path = specifier.startsWith('file:') ? decodeURIComponent(new URL(specifier).pathname) : specifier;
    if (!TSX_PRELOAD.test(path)) continue;
    for (let k = 0; k < width; k++) drop.add(index + k);
  }
  return argv.filter((_, i) => !drop.has(i));
}

/**
 * tsx's `package.json`: the copy this process preloads (when named by path, as the `tsx` command
 * does), else the one the working directory resolves (as `--import tsx` does), else the one the
 * main script resolves (a command such as `weft` that registered tsx itself), else ours.
 */
function tsxManifest(): string {
  const preload = tsxPreload(process.execArgv, process.env.NODE_OPTIONS);
  const dir = preload === undefined ? null : /^(.*[\\/]tsx)[\\/]dist[\\/]/.exec(preload);
  if (dir?.[1] !== undefined && existsSync(join(dir[1], 'package.json'))) return join(dir[1], 'package.json');
  const main = process.argv[1];
  for (const from of [join(process.cwd(), 'index.js'), ...(main === undefined ? [] : [main])]) {
    try {
      return createRequire(from).resolve('tsx/package.json');
    } catch {}
  }
  return createRequire(import.meta.url).resolve('tsx/package.json');
}

/** The `file:` URL of an ESM entry of tsx's `exports` map (`./esm/api`, `./cjs/api`). */
function tsxEntry(manifest: string, subpath: string): string {
  const exportsMap = JSON.parse(readFileSync(manifest, 'utf8')).exports as Record<
    string,
    { import?: { default?: string } } | undefined
  >;
  const target = exportsMap[subpath]?.import?.default;
  if (typeof target !== 'string') throw new Error(`tsx has no "${subpath}" ESM export in ${manifest}`);
  return pathToFileURL(join(dirname(manifest), target)).href;
}

let tsxArgv: string[] | undefined;

/** `['--import', data: URL]` registering tsx's CommonJS and ESM hooks, as `--import tsx` does. */
function tsxExecArgv(): string[] {
  if (tsxArgv !== undefined) return tsxArgv;
  let cjs: string;
  let esm: string;
  try {
    const manifest = tsxManifest();
    cjs = tsxEntry(manifest, './cjs/api');
    esm = tsxEntry(manifest, './esm/api');
  } catch (cause) {
    throw new InvalidArgumentError(
      'TypeScript modules in workers need the tsx package, which was not found from the working directory: install it (npm install --save-dev tsx)',
      { cause },
    );
  }
  const code =
    `import { register as cjs } from ${JSON.stringify(cjs)};` +
    `import { register as esm } from ${JSON.stringify(esm)};` +
    'cjs(); esm();';
  tsxArgv = ['--import', `data:text/javascript,${encodeURIComponent(code)}`];
  return tsxArgv;
}

/** Checks a `typescript` option; `where` names the call for the message. */
export function checkTypeScriptLoader(value: unknown, where: string): TypeScriptLoader {
  if (value === undefined) return 'auto';
  if (LOADERS.includes(value as TypeScriptLoader)) return value as TypeScriptLoader;
  throw new InvalidArgumentError(
    `${where}: typescript must be 'auto', 'tsx' or false, got ${typeof value === 'string' ? `'${value}'` : String(value)}`,
  );
}

/**
 * The Node options that give a new worker thread or child process the TypeScript loader `loader`
 * asks for: for tsx, one `--import` of a `data:` module that calls tsx's CommonJS and ESM
 * `register()`; `[]` when no loader is wanted. Put them after the inherited options with
 * tsx preloads removed ({@link withoutTsxPreloads}).
 *
 * @throws {InvalidArgumentError} when tsx is asked for and not installed.
 * @example
 * ```ts
 * const worker = new Worker(new URL('./job.ts', import.meta.url), {
 *   execArgv: [...withoutTsxPreloads(process.execArgv), ...typescriptExecArgv('tsx')],
 * });
 * ```
 */
export function typescriptExecArgv(loader: TypeScriptLoader = 'auto'): string[] {
  if (loader === false) return [];
  if (loader === 'auto' && !runsUnderTsx()) return [];
  return tsxExecArgv();
}
