/**
 * The configuration of a project, loaded as Kedro's OmegaConfigLoader does: `conf/base/` overlaid
 * by one run environment (`conf/local/` unless `--env NAME` picks `conf/NAME/`). In each
 * environment the files of a kind (`catalog*`, `parameters*`, `credentials*`, `globals*`, also in
 * folders of those names) are merged (a key defined in two files of one environment is an
 * error), interpolations are resolved within the environment, keys starting with `_` are dropped,
 * and the environment's keys replace the base's (top-level keys; `soft` merges nested mappings).
 *
 * @module
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ConfigError, type SourceLocation, UsageError } from './errors.js';
import { resolveInterpolations } from './interpolation.js';
import { type KeyPath, locate, readYamlFile, type YamlFile } from './yaml-source.js';

/** The kinds of configuration files. */
export const CONFIG_KINDS = ['catalog', 'parameters', 'credentials', 'globals'] as const;

/** A kind of configuration file. */
export type ConfigKind = (typeof CONFIG_KINDS)[number];

/** How an environment's keys combine with the base's (Kedro's `merge_strategy`). */
export type MergeStrategy = 'destructive' | 'soft';

/** Options of {@link loadConfig}. */
export interface ConfigLoaderOptions {
  /** The configuration folder (Kedro's `conf_source`), absolute. */
  readonly confSource: string;
  /** The run environment; default `local` (a missing `conf/local` is fine, another missing one is not). */
  readonly env?: string | undefined;
  /** The base environment; default `base`. */
  readonly baseEnv?: string;
  /** `--params`, nested (for `${runtime_params:...}`). */
  readonly runtimeParams?: Readonly<Record<string, unknown>>;
  /** Per kind; default `destructive` for every kind (Kedro's default). */
  readonly mergeStrategy?: Readonly<Partial<Record<ConfigKind, MergeStrategy>>>;
  /** Environment variables for `${oc.env:...}` in credentials; default `process.env`. */
  readonly environ?: Readonly<Record<string, string | undefined>>;
  /** Files are shown relative to this folder in messages; default the configuration folder's parent. */
  readonly displayRoot?: string;
}

/** The loaded configuration. */
export interface ProjectConfig {
  readonly catalog: Readonly<Record<string, unknown>>;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly credentials: Readonly<Record<string, unknown>>;
  readonly globals: Readonly<Record<string, unknown>>;
  /** The environments read, base first (`['base', 'local']`); a missing default `local` is left out. */
  readonly envs: readonly string[];
  /** The run environment asked for (`local` by default). */
  readonly env: string;
  /** Every file read, as shown in messages. */
  readonly files: readonly string[];
  /** Where a key path of a kind was defined (the environment that won, else the base). */
  locate(kind: ConfigKind, path: KeyPath): SourceLocation | undefined;
}

const EXTENSIONS = ['.yml', '.yaml', '.json'];

/** The environments (sub-folders) of a configuration folder, sorted. */
export async function listEnvironments(confSource: string): Promise<string[]> {
  try {
    const entries = await readdir(confSource, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Configuration files under `dir`, by kind, sorted by path. */
async function filesByKind(dir: string): Promise<Map<ConfigKind, string[]>> {
  const out = new Map<ConfigKind, string[]>(CONFIG_KINDS.map((k) => [k, []]));
  const walk = async (folder: string, kinds: readonly ConfigKind[]) => {
    const entries = await readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = join(folder, e.name);
      const own = CONFIG_KINDS.filter((k) => e.name.startsWith(k));
      if (e.isDirectory()) await walk(path, [...kinds, ...own]);
      else if (e.isFile() && EXTENSIONS.some((x) => e.name.endsWith(x))) {
        const kind = own[0] ?? kinds[kinds.length - 1];
        if (kind !== undefined) out.get(kind)?.push(path);
      }
    }
  };
  await walk(dir, []);
  return out;
}

interface EnvLayer {
  readonly env: string;
  readonly files: Map<ConfigKind, YamlFile[]>;
}

/**
 * Loads `catalog`, `parameters`, `credentials` and `globals` from the base and run environments.
 *
 * @throws {UsageError} when `env` names a folder that does not exist (listing those that do).
 * @throws {ConfigError} for bad YAML, a key defined twice in one environment, or an interpolation
 * that cannot be resolved; the message starts with `file:line:column`.
 */
export async function loadConfig(options: ConfigLoaderOptions): Promise<ProjectConfig> {
  const { confSource } = options;
  const baseEnv = options.baseEnv ?? 'base';
  const env = options.env ?? 'local';
  const displayRoot = options.displayRoot ?? join(confSource, '..');
  const show = (path: string) => {
    const r = relative(displayRoot, path);
    return r.startsWith('..') ? path : r.split(sep).join('/');
  };
  if (!(await isDirectory(confSource))) {
    throw new UsageError(
      `no configuration folder at ${show(confSource)}: a Weft project keeps its configuration in conf/base/ (give another folder with --conf-source)`,
    );
  }
  const available = await listEnvironments(confSource);
  if (env === baseEnv) {
    throw new UsageError(
      `--env ${env}: '${baseEnv}' is the base environment, always read; name a run environment (${available.filter((e) => e !== baseEnv).join(', ') || 'e.g. local'})`,
    );
  }
  const envs: string[] = [];
  if (available.includes(baseEnv)) envs.push(baseEnv);
  if (available.includes(env)) envs.push(env);
  else if (options.env !== undefined && options.env !== 'local') {
    throw new UsageError(
      `--env ${env}: there is no ${show(join(confSource, env))}/ folder. Environments: ${available.join(', ') || 'none'}`,
    );
  }
  const layers: EnvLayer[] = [];
  const allFiles: string[] = [];
  for (const name of envs) {
    const byKind = await filesByKind(join(confSource, name));
    const files = new Map<ConfigKind, YamlFile[]>();
    for (const [kind, paths] of byKind) {
      const parsed: YamlFile[] = [];
      for (const p of paths) {
        parsed.push(await readYamlFile(p, show(p)));
        allFiles.push(show(p));
      }
      files.set(kind, parsed);
    }
    layers.push({ env: name, files });
  }
  const environ = options.environ ?? process.env;
  const runtimeParams = options.runtimeParams ?? {};
  const strategy = (kind: ConfigKind): MergeStrategy => options.mergeStrategy?.[kind] ?? 'destructive';

  // globals first: the other kinds refer to them
  const noGlobals: Record<string, unknown> = {};
  const globals = mergeLayers(layers, 'globals', strategy('globals'), {
    globals: noGlobals,
    runtimeParams,
    environ,
  });
  const resolved = { globals, runtimeParams, environ };
  const catalog = mergeLayers(layers, 'catalog', strategy('catalog'), resolved);
  const parameters = mergeLayers(layers, 'parameters', strategy('parameters'), resolved);
  const credentials = mergeLayers(layers, 'credentials', strategy('credentials'), resolved);

  return {
    catalog,
    parameters,
    credentials,
    globals,
    envs,
    env,
    files: allFiles,
    locate(kind, path) {
      for (const layer of [...layers].reverse()) {
        for (const file of layer.files.get(kind) ?? []) {
          if (path.length === 0 || Object.hasOwn(file.value, path[0] as string)) return locate(file, path);
        }
      }
      return undefined;
    },
  };
}

/** One kind over the environments: merge each environment's files, resolve, then overlay. */
function mergeLayers(
  layers: readonly EnvLayer[],
  kind: ConfigKind,
  strategy: MergeStrategy,
  scope: {
    globals: Readonly<Record<string, unknown>>;
    runtimeParams: Readonly<Record<string, unknown>>;
    environ: Readonly<Record<string, string | undefined>>;
  },
): Record<string, unknown> {
  let result: Record<string, unknown> = {};
  for (const layer of layers) {
    const files = layer.files.get(kind) ?? [];
    const merged: Record<string, unknown> = {};
    const owner = new Map<string, YamlFile>();
    for (const file of files) {
      for (const [key, value] of Object.entries(file.value)) {
        const first = owner.get(key);
        if (first !== undefined) {
          throw new ConfigError(
            `'${key}' is defined twice in the ${layer.env} environment: also in ${locationText(locate(first, [key]))}`,
            locate(file, [key]),
          );
        }
        owner.set(key, file);
        merged[key] = value;
      }
    }
    const values = resolveInterpolations({
      root: merged,
      globals: scope.globals,
      runtimeParams: scope.runtimeParams,
      allowEnv: kind === 'credentials',
      env: scope.environ,
      locate: (path) => {
        const file = owner.get(String(path[0]));
        return file === undefined ? { file: `${kind} (${layer.env})` } : locate(file, path);
      },
    });
    for (const key of Object.keys(values)) if (key.startsWith('_')) delete values[key];
    result = strategy === 'soft' ? deepMerge(result, values) : { ...result, ...values };
  }
  return result;
}

function locationText(loc: SourceLocation): string {
  return loc.line === undefined ? loc.file : `${loc.file}:${loc.line}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `over` merged into `base`: nested mappings merge, everything else is replaced. */
export function deepMerge(
  base: Readonly<Record<string, unknown>>,
  over: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}
