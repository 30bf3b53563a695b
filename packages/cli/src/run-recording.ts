/**
 * Every `weft run` is recorded by `@weft/viz`'s run recorder: appended, event by event, to the
 * project's run history (`.weft/runs/`), where `weft viz` shows it live and later, and kept in
 * memory for `--report <path>.html`. `@weft/viz` is imported when a run starts, not with the CLI.
 *
 * @module
 */

import { describeError } from '@weft/runner/extend';
import type { DatasetInfo, RunRecorder } from '@weft/viz';
import type { ProjectConfig } from './config-loader.js';

/** Facts about one run that the recorder stores with it. */
export interface RecordingRequest {
  readonly projectDir: string;
  readonly project: string;
  readonly pipelines: readonly string[];
  /** The runner in words (`parallel (2 worker threads)`). */
  readonly runner: string;
  readonly maxWorkers?: number | undefined;
  readonly env: string;
  /** The command line as typed, when there is one. */
  readonly command?: string | undefined;
  /** Where the Prefect flow run goes (`local (no server)`, an API URL), when the run context is on. */
  readonly reportedTo?: string | undefined;
  /** Append the run to `.weft/runs/` (false: in memory only). */
  readonly history: boolean;
  readonly catalogConfig: Readonly<Record<string, unknown>>;
  readonly resumeHint: (fromNodes: readonly string[]) => string;
  /** Receives a warning when the history cannot be written (the run goes on). */
  readonly warn: (text: string) => void;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * What `catalog.yml` says of each dataset, for the viewer: the type as configured
 * (`pandas.CSVDataset`), the file path as written (relative to the project), and the Kedro-Viz
 * layer (`metadata: { kedro-viz: { layer } }`, or `metadata: { layer }`). Dataset factories
 * (`"{name}_metrics"`) are left to the catalog objects.
 */
export function catalogDatasetInfo(catalog: ProjectConfig['catalog']): Record<string, DatasetInfo> {
  const out: Record<string, DatasetInfo> = {};
  for (const [name, entry] of Object.entries(catalog)) {
    if (/\{[A-Za-z_]\w*\}/.test(name) || !isRecord(entry)) continue;
    const metadata = isRecord(entry.metadata) ? entry.metadata : {};
    const viz = isRecord(metadata['kedro-viz']) ? metadata['kedro-viz'] : {};
    const layer = viz.layer ?? metadata.layer;
    out[name] = {
      ...(typeof entry.type === 'string' ? { type: entry.type } : {}),
      ...(typeof entry.filepath === 'string' ? { filepath: entry.filepath } : {}),
      ...(typeof layer === 'string' ? { layer } : {}),
    };
  }
  return out;
}

/** The recorder of one `weft run`. */
export async function createRunRecorder(request: RecordingRequest): Promise<RunRecorder> {
  const { RunRecorder } = await import('@weft/viz');
  let warned = false;
  return new RunRecorder({
    projectDir: request.projectDir,
    ...(request.history ? {} : { history: false }),
    project: request.project,
    pipelineName: request.pipelines.join('+'),
    runner: request.runner,
    ...(request.maxWorkers === undefined ? {} : { maxWorkers: request.maxWorkers }),
    ...(request.reportedTo === undefined ? {} : { reportedTo: request.reportedTo }),
    userContext: {
      env: request.env,
      ...(request.command === undefined ? {} : { command: request.command }),
    },
    datasets: catalogDatasetInfo(request.catalogConfig),
    resumeHint: request.resumeHint,
    onError: (error) => {
      if (warned) return;
      warned = true;
      const message = describeError(error);
      request.warn(
        `weft: this run is not recorded in the run history (.weft/runs/), so weft viz will not show it: ${message}`,
      );
    },
  });
}
