/**
 * @weft/cli: the `weft` command and its programmatic entry points. `runProject()` runs a
 * Kedro-style project (conf/ YAML, pipeline registry, versioned datasets) as `weft run` does and
 * reports through events; `loadProject()` loads it without running; `main()` is the command line.
 *
 * @module
 */
export {
  CONFIG_KINDS,
  type ConfigKind,
  type ConfigLoaderOptions,
  deepMerge,
  listEnvironments,
  loadConfig,
  type MergeStrategy,
  type ProjectConfig,
} from './config-loader.js';
export {
  CliError,
  type CliErrorCode,
  ConfigError,
  formatLocation,
  type SourceLocation,
  UsageError,
} from './errors.js';
export { type InterpolationScope, resolveInterpolations } from './interpolation.js';
export { buildProgram, main } from './main.js';
export { parseLoadVersions, parseParams, splitList } from './option-values.js';
export {
  defaultPrefectApiUrl,
  type PrefectRequest,
  type PrefectSummary,
  prefectUiUrl,
} from './prefect-reporting.js';
export { createProgressDisplay, formatDuration, type ProgressDisplay } from './progress-display.js';
export { buildCatalog, type CatalogRequest } from './project-catalog.js';
export {
  findPipelines,
  listNodeModules,
  loadPipelineRegistry,
  loadSettings,
  type ProjectSettings,
  type RegisteredPipelines,
} from './project-modules.js';
export type { CliIO } from './run-command.js';
export type {
  DatasetRecord,
  NodeRecord,
  NodeStatus,
  RunEvent,
  RunEventListener,
  RunRecord,
  SavedVersion,
} from './run-events.js';
export {
  FILTER_FLAGS,
  type LoadedProject,
  type LoadProjectOptions,
  loadProject,
  type RunProjectOptions,
  type RunProjectResult,
  runProject,
  selectPipeline,
} from './run-project.js';
export { renderResume, renderSummary, resumeCommand, shellQuote } from './run-summary.js';
export { RUNNER_KINDS, type RunnerKind } from './runner-factory.js';
export { registerTypeScript } from './typescript-loader.js';
export { parseYaml, readYamlFile, type YamlFile } from './yaml-source.js';
