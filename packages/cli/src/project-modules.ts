/**
 * The project's own modules: `src/settings.ts` (optional: hooks, dataset types, configuration
 * options, like Kedro's `settings.py`), `src/pipeline-registry.ts` (`registerPipelines()`, like
 * Kedro's `pipeline_registry.py`), and the list of source modules that export node functions
 * (what worker threads and worker processes import).
 *
 * @module
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type DatasetClass, type Hooks, Pipeline } from '@weft/runner';
import { describeError } from '@weft/runner/extend';
import type { ConfigKind, MergeStrategy } from './config-loader.js';
import { CliError, ConfigError } from './errors.js';

/** What `src/settings.ts` may export (each optional), as Kedro's `settings.py`. */
export interface ProjectSettings {
  /** Hook objects added to every run (Kedro's `HOOKS`). */
  readonly hooks?: readonly Hooks[];
  /** Dataset classes usable as `type:` in `catalog.yml`, by name. */
  readonly datasetTypes?: Readonly<Record<string, DatasetClass>>;
  /** The configuration folder, relative to the project (Kedro's `CONF_SOURCE`); default `conf`. */
  readonly confSource?: string;
  /** How environments merge, per kind (Kedro's `CONFIG_LOADER_ARGS["merge_strategy"]`). */
  readonly mergeStrategy?: Readonly<Partial<Record<ConfigKind, MergeStrategy>>>;
  /**
   * Modules (paths relative to the project) whose exports are the node functions, for the
   * parallel and distributed runners. Default: every module under `src/`.
   */
  readonly nodeModules?: readonly string[];
}

const SETTINGS_KEYS = ['hooks', 'datasetTypes', 'confSource', 'mergeStrategy', 'nodeModules'] as const;

/** Module file extensions tried, in order. */
const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** `src/<name>.ts` (or `.mts`, `.js`, `.mjs`) if it exists. */
export async function findModule(projectDir: string, name: string): Promise<string | undefined> {
  for (const ext of MODULE_EXTENSIONS) {
    const path = join(projectDir, 'src', `${name}${ext}`);
    if (await isFile(path)) return path;
  }
  return undefined;
}

function display(projectDir: string, path: string): string {
  return relative(projectDir, path).split(sep).join('/');
}

async function importProjectModule(projectDir: string, path: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const message = describeError(error);
    throw new ConfigError(
      `cannot load the module: ${message}`,
      { file: display(projectDir, path) },
      {
        cause: error,
      },
    );
  }
}

/**
 * Loads `src/settings.ts` when there is one; `{}` otherwise.
 *
 * @throws {ConfigError} when it cannot be imported or an export has the wrong shape.
 */
export async function loadSettings(
  projectDir: string,
): Promise<{ settings: ProjectSettings; file?: string }> {
  const path = await findModule(projectDir, 'settings');
  if (path === undefined) return { settings: {} };
  const file = display(projectDir, path);
  const mod = await importProjectModule(projectDir, path);
  const source = (mod.default !== null && typeof mod.default === 'object' ? mod.default : mod) as Record<
    string,
    unknown
  >;
  const settings: Record<string, unknown> = {};
  for (const key of SETTINGS_KEYS) if (source[key] !== undefined) settings[key] = source[key];
  const bad = (key: string, what: string): never => {
    throw new ConfigError(`the export '${key}' must be ${what}`, { file });
  };
  if (settings.hooks !== undefined && !Array.isArray(settings.hooks))
    bad('hooks', 'an array of hook objects');
  if (settings.datasetTypes !== undefined) {
    const types = settings.datasetTypes as Record<string, unknown>;
    if (types === null || typeof types !== 'object')
      bad('datasetTypes', 'an object of names to dataset classes');
    for (const [name, cls] of Object.entries(types)) {
      if (typeof cls !== 'function')
        bad('datasetTypes', `an object of names to dataset classes ('${name}' is not a class)`);
    }
  }
  if (settings.confSource !== undefined && typeof settings.confSource !== 'string')
    bad('confSource', 'a path');
  if (
    settings.nodeModules !== undefined &&
    !(Array.isArray(settings.nodeModules) && settings.nodeModules.every((m) => typeof m === 'string'))
  ) {
    bad('nodeModules', 'an array of module paths');
  }
  if (settings.mergeStrategy !== undefined) {
    for (const [kind, strategy] of Object.entries(settings.mergeStrategy as Record<string, unknown>)) {
      if (!['catalog', 'parameters', 'credentials', 'globals'].includes(kind)) {
        bad(
          'mergeStrategy',
          `keyed by catalog, parameters, credentials or globals ('${kind}' is none of them)`,
        );
      }
      if (strategy !== 'destructive' && strategy !== 'soft')
        bad('mergeStrategy', "'destructive' or 'soft' per kind");
    }
  }
  return { settings: settings as ProjectSettings, file };
}

/** The registered pipelines, and the registry file as shown. */
export interface RegisteredPipelines {
  readonly pipelines: Readonly<Record<string, Pipeline>>;
  readonly file: string;
}

/**
 * Imports `src/pipeline-registry.ts` and calls its `registerPipelines()` (sync or async).
 *
 * @throws {ConfigError} when the module is missing or fails to load, has no `registerPipelines`,
 * or returns something other than an object of pipelines.
 */
export async function loadPipelineRegistry(projectDir: string): Promise<RegisteredPipelines> {
  const path = await findModule(projectDir, 'pipeline-registry');
  if (path === undefined) {
    throw new ConfigError(
      'no src/pipeline-registry.ts: a Weft project registers its pipelines there ' +
        '(export function registerPipelines() { return { __default__: pipeline([...]) }; })',
      { file: display(projectDir, join(projectDir, 'src')) },
    );
  }
  const file = display(projectDir, path);
  const mod = await importProjectModule(projectDir, path);
  const register = mod.registerPipelines;
  if (typeof register !== 'function') {
    throw new ConfigError(
      `it must export a function registerPipelines() returning { __default__, ...named pipelines }; its exports: ${Object.keys(mod).join(', ') || 'none'}`,
      { file },
    );
  }
  let result: unknown;
  try {
    result = await register();
  } catch (error) {
    if (CliError.is(error)) throw error;
    throw new ConfigError(
      `registerPipelines() threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      { file },
      { cause: error },
    );
  }
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    throw new ConfigError(
      `registerPipelines() must return an object of named pipelines, got ${describe(result)}`,
      {
        file,
      },
    );
  }
  const pipelines: Record<string, Pipeline> = {};
  for (const [name, value] of Object.entries(result)) {
    if (value instanceof Pipeline) {
      pipelines[name] = value;
      continue;
    }
    if ((value as { constructor?: { name?: string } } | null)?.constructor?.name === 'Pipeline') {
      throw new ConfigError(
        `pipeline '${name}' was built with another copy of @weft/runner than the one weft uses: install @weft/cli in the project (npm install --save-dev @weft/cli) and run that weft (npx weft run)`,
        { file },
      );
    }
    throw new ConfigError(`registerPipelines() returned ${describe(value)} for '${name}', not a pipeline`, {
      file,
    });
  }
  return { pipelines, file };
}

/**
 * Kedro's `find_pipelines()`: the pipelines of `pipelines/<name>/pipeline.ts` (or `.mts`, `.js`,
 * `.mjs`) beside the registry module, each from its `createPipeline()`, keyed by folder name.
 * Folders without such a module are skipped; `__default__` is yours to add.
 *
 * @example
 * ```ts
 * // src/pipeline-registry.ts
 * import { findPipelines } from '@weft/cli';
 * export async function registerPipelines() {
 *   const pipelines = await findPipelines(import.meta.url);
 *   return { ...pipelines, __default__: pipeline(Object.values(pipelines)) };
 * }
 * ```
 * @throws {ConfigError} naming the module that does not export `createPipeline()` or whose
 * `createPipeline()` does not return a pipeline.
 */
export async function findPipelines(registry: string | URL): Promise<Record<string, Pipeline>> {
  const registryPath =
    registry instanceof URL || String(registry).startsWith('file:')
      ? fileURLToPath(registry)
      : String(registry);
  const dir = join(registryPath, '..', 'pipelines');
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_'))
      .map((e) => e.name)
      .sort();
  } catch {
    return {};
  }
  const found: Record<string, Pipeline> = {};
  for (const name of names) {
    let path: string | undefined;
    for (const ext of MODULE_EXTENSIONS) {
      if (await isFile(join(dir, name, `pipeline${ext}`))) {
        path = join(dir, name, `pipeline${ext}`);
        break;
      }
    }
    if (path === undefined) continue;
    const file = display(join(registryPath, '..', '..'), path);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(
        `cannot load the module: ${(error as Error)?.message ?? String(error)}`,
        { file },
        { cause: error },
      );
    }
    if (typeof mod.createPipeline !== 'function') {
      throw new ConfigError(
        `it must export a function createPipeline(); its exports: ${Object.keys(mod).join(', ') || 'none'}`,
        {
          file,
        },
      );
    }
    const created = await (mod.createPipeline as () => unknown)();
    if (!(created instanceof Pipeline)) {
      throw new ConfigError(`createPipeline() returned ${describe(created)}, not a pipeline`, { file });
    }
    found[name] = created;
  }
  return found;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return typeof value;
}

const SKIP_DIRS = new Set(['node_modules', 'dist', 'test', 'tests', '__tests__']);

/**
 * The modules whose exports can be node functions: `nodeModules` from the settings, else every
 * `.ts`/`.mts`/`.js`/`.mjs` module under `src/` (not `.d.ts`, test or spec files), sorted.
 */
export async function listNodeModules(projectDir: string, settings: ProjectSettings): Promise<string[]> {
  if (settings.nodeModules !== undefined) {
    const out: string[] = [];
    for (const m of settings.nodeModules) {
      const path = join(projectDir, m);
      if (!(await isFile(path))) {
        throw new ConfigError(`nodeModules names ${m}, which does not exist`, { file: 'src/settings.ts' });
      }
      out.push(path);
    }
    return out;
  }
  const found: string[] = [];
  const walk = async (dir: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(path);
      } else if (
        e.isFile() &&
        MODULE_EXTENSIONS.some((x) => e.name.endsWith(x)) &&
        !e.name.endsWith('.d.ts') &&
        !/\.(test|spec)\.[mc]?[jt]s$/.test(e.name)
      ) {
        found.push(path);
      }
    }
  };
  await walk(join(projectDir, 'src'));
  return found.sort();
}
