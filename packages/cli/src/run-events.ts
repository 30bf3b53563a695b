/**
 * What a run tells those who watch it (the terminal display, a run recorder, a live viewer):
 * events passed to `runProject({ onEvent })`, and the run's record.
 *
 * @module
 */
import type { Pipeline, RunReport, RunResult } from '@weft/runner';
import type { PrefectSummary } from './prefect-reporting.js';
import type { RunnerKind } from './runner-factory.js';

/** Status of a node in a run record. */
export type NodeStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'not-run';

/** One node of the run, as the summary and a viewer show it. */
export interface NodeRecord {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly tags: readonly string[];
  readonly namespace: string | undefined;
  status: NodeStatus;
  /** Milliseconds from the start of the run. */
  startMs?: number;
  durationMs?: number;
  /** `Name: message` of the node's error. */
  error?: string;
  /** The Prefect task run of the node (when the Prefect run context is on). */
  taskRun?: { readonly id: string; readonly name: string };
  /** Where the node ran, as its log records say (`extra.thread`), when they say it. */
  thread?: string;
}

/** A version a versioned dataset saved in this run. */
export interface SavedVersion {
  readonly dataset: string;
  readonly version: string;
  readonly path: string;
}

/** A dataset of the run's pipeline, as a viewer shows it. */
export interface DatasetRecord {
  readonly name: string;
  /** Class name (`CSVDataset`, `MemoryDataset`, …). */
  readonly type: string;
  readonly filepath?: string;
  readonly versioned: boolean;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** Everything about one run: what ran, how it went, where it was reported. JSON-serialisable except `error`. */
export interface RunRecord {
  readonly runId: string;
  /** Project folder (absolute). */
  readonly projectDir: string;
  /** Project name (package.json `name`, else the folder name). */
  readonly project: string;
  readonly pipelines: readonly string[];
  readonly env: string;
  readonly runner: RunnerKind;
  /** The runner with its settings, in words. */
  readonly runnerDescription: string;
  readonly propagateContext: boolean;
  /** The command as typed (`weft run …`), when run from the command line. */
  readonly command?: string;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  readonly startedAt: string;
  durationMs?: number;
  readonly nodes: NodeRecord[];
  readonly datasets: readonly DatasetRecord[];
  /** The version versioned datasets save as in this run. */
  readonly saveVersion: string | undefined;
  readonly savedVersions: SavedVersion[];
  readonly loadVersions: Readonly<Record<string, string>>;
  /** Nodes skipped by `--only-missing-outputs`. */
  skipped: string[];
  error?: string;
  /** Where to resume after a failure (`--from-nodes`). */
  resume?: { readonly fromNodes: readonly string[]; readonly remaining: number };
  prefect?: PrefectSummary;
  /** The run's OpenTelemetry trace (`--otel`): its id and where its spans were exported. */
  trace?: { readonly traceId: string | undefined; readonly exportedTo: string; problem?: string };
}

/** Events of a run, in order: `run-start`, node and dataset events, `log` lines, `run-end`. */
export type RunEvent =
  | { readonly type: 'run-start'; readonly record: RunRecord; readonly pipeline: Pipeline }
  | { readonly type: 'node-start'; readonly node: NodeRecord }
  | { readonly type: 'node-end'; readonly node: NodeRecord; readonly error?: unknown }
  | { readonly type: 'dataset-loaded'; readonly dataset: string; readonly node: string }
  | {
      readonly type: 'dataset-saved';
      readonly dataset: string;
      readonly node: string;
      readonly version?: string;
    }
  /** A log line: Prefect-format node and flow logs, the runner's own lines, worker process output. */
  | { readonly type: 'log'; readonly level: 'info' | 'warning'; readonly text: string }
  | {
      readonly type: 'run-end';
      readonly record: RunRecord;
      readonly report: RunReport | undefined;
      readonly outputs: RunResult;
      readonly error?: unknown;
    };

/** Receives run events. Called synchronously; an exception in it is reported, not thrown into the run. */
export type RunEventListener = (event: RunEvent) => void;
