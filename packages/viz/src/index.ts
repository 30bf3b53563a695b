/**
 * `@weft/viz`: record pipeline runs (runner hooks appending to a project's run history), write a
 * self-contained HTML run report, and serve a live pipeline viewer on a loopback port.
 *
 * @packageDocumentation
 */
export {
  type DatasetInfo,
  type DescribePipelineOptions,
  describePipeline,
  isParameterDataset,
} from './describe-pipeline.js';
export {
  RunHistoryError,
  type RunHistoryErrorCode,
  VizConfigError,
  VizError,
  type VizErrorCode,
} from './errors.js';
export { type FunctionSource, leadingComment, locateFunctions } from './function-location.js';
export { escapeHtml, type PageData, renderPage } from './page.js';
export {
  describeProject,
  type PipelineDescription,
  type ProjectDescription,
  type ProjectInput,
} from './project.js';
export { renderReport, writeReport } from './report.js';
export {
  type FlowRunEvent,
  foldRunEvents,
  type LogsDroppedEvent,
  type LogsEvent,
  type NodeFinishedEvent,
  type NodeStartedEvent,
  type RunChange,
  type RunEvent,
  type RunFinishedEvent,
  RunFolder,
  type RunStartedEvent,
  type StoredLogLine,
  type TaskRunEvent,
} from './run-events.js';
export {
  isWriterAlive,
  parseEventLines,
  projectRunsDir,
  RunHistory,
  type RunHistoryOptions,
  type RunSummary,
  RunTail,
  RunWriter,
} from './run-history.js';
export {
  type CodeLocation,
  type DatasetKind,
  formatDuration,
  type GraphDataset,
  type GraphNode,
  type LogLine,
  levelName,
  type NodeRunRecord,
  type NodeStatus,
  type PipelineGraph,
  type RunRecord,
  type RunStatus,
} from './run-record.js';
export { RunRecorder, type RunRecorderOptions, vizHooks } from './run-recorder.js';
export { startViewer, type Viewer, type ViewerOptions } from './viewer-server.js';
