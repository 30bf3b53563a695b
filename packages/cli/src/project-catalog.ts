/**
 * The run's `DataCatalog`, from `catalog.yml`, `credentials.yml`, the parameters and
 * `--load-versions`: relative file paths are taken from the project folder (as Kedro does), every
 * entry is checked and built before the run, and an error names the file and line of the entry.
 *
 * @module
 */
import { isAbsolute, join } from 'node:path';
import {
  AbstractFileDataset,
  DataCatalog,
  type DatasetClass,
  DatasetConfigError,
  DatasetError,
  DatasetNotFoundError,
} from '@weft/runner';
import type { ProjectConfig } from './config-loader.js';
import { ConfigError, formatLocation, UsageError } from './errors.js';

/** What building the catalog needs. */
export interface CatalogRequest {
  readonly projectDir: string;
  readonly config: ProjectConfig;
  /** Parameters with `--params` merged in. */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly loadVersions: Readonly<Record<string, string>>;
  readonly datasetTypes: Readonly<Record<string, DatasetClass>>;
  /** One save version for the run; default a timestamp. */
  readonly saveVersion?: string | undefined;
}

/** `filepath` of every entry made absolute against the project folder (local paths only). */
function absolutePaths(
  catalog: Readonly<Record<string, unknown>>,
  projectDir: string,
): Record<string, never> {
  const out: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(catalog)) {
    if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) {
      const e = { ...(entry as Record<string, unknown>) };
      const fp = e.filepath;
      if (typeof fp === 'string' && fp !== '' && !isAbsolute(fp) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(fp)) {
        e.filepath = join(projectDir, fp);
      }
      out[name] = e;
    } else out[name] = entry;
  }
  return out as Record<string, never>;
}

/**
 * Builds and checks the catalog.
 *
 * @throws {ConfigError} for a bad entry, at its file and line (unknown type or key, bad
 * `load_args`/`save_args`, missing credential).
 * @throws {UsageError} for `--load-versions` naming an unknown or unversioned dataset.
 */
export function buildCatalog(request: CatalogRequest): DataCatalog {
  const { config } = request;
  const where = (dataset: string, key: string | undefined) =>
    config.locate('catalog', key === undefined ? [dataset] : [dataset, ...key.split('.')]);
  let catalog: DataCatalog;
  try {
    catalog = DataCatalog.fromConfig(absolutePaths(config.catalog, request.projectDir), {
      credentials: config.credentials,
      loadVersions: request.loadVersions,
      types: request.datasetTypes,
      parameters: request.parameters,
      ...(request.saveVersion === undefined ? {} : { saveVersion: request.saveVersion }),
    });
  } catch (error) {
    if (DatasetConfigError.is(error) && error.code === 'ERR_DATASET_LOAD_VERSIONS') {
      const loc = where(error.dataset, undefined);
      throw new UsageError(
        `--load-versions: dataset '${error.dataset}' is not versioned${loc === undefined ? '' : ` (${formatLocation(loc)})`}: add 'versioned: true' to its catalog entry`,
        { cause: error },
      );
    }
    if (DatasetNotFoundError.is(error) && error.code === 'ERR_DATASET_LOAD_VERSIONS') {
      const name = /\['(.*)'\]/.exec(error.message)?.[1] ?? '?';
      throw new UsageError(
        `--load-versions: the catalog has no dataset '${name}'. Datasets: ${Object.keys(config.catalog).sort().join(', ') || 'none'}`,
        { cause: error },
      );
    }
    throw toConfigError(error, where);
  }
  // Build every plain entry now, so a bad one fails before the run with its file and line.
  for (const name of Object.keys(config.catalog)) {
    if (/\{[A-Za-z_]\w*\}/.test(name)) continue;
    try {
      catalog.get(name);
    } catch (error) {
      throw toConfigError(error, where);
    }
  }
  return catalog;
}

function toConfigError(
  error: unknown,
  where: (dataset: string, key: string | undefined) => ReturnType<ProjectConfig['locate']>,
): unknown {
  if (DatasetConfigError.is(error)) {
    const message = error.message.replace(
      /^An exception occurred when parsing config for dataset '[^']*':\n/,
      '',
    );
    return new ConfigError(`dataset '${error.dataset}': ${message}`, where(error.dataset, error.key), {
      cause: error,
    });
  }
  if (DatasetError.is(error)) return new ConfigError(error.message, undefined, { cause: error });
  return error;
}

/**
 * Checks that each pinned load version exists before the run (for datasets the run does not
 * write itself).
 *
 * @throws {UsageError} naming the dataset, the missing version and the versions there are.
 */
export async function checkLoadVersions(
  catalog: DataCatalog,
  loadVersions: Readonly<Record<string, string>>,
  writtenByRun: ReadonlySet<string>,
): Promise<void> {
  for (const [name, version] of Object.entries(loadVersions)) {
    if (writtenByRun.has(name)) continue;
    const ds = catalog.dataset(name);
    if (!(ds instanceof AbstractFileDataset)) continue;
    try {
      await ds.resolveLoadVersion();
    } catch (error) {
      throw new UsageError(`--load-versions ${name}:${version}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
