/**
 * Runner hooks that trace a pipeline run: one span for the run, one per node (a child of the run's
 * span, active while the node runs, in this thread or, through the propagator seam, in a worker
 * thread or a `weft-worker` process), optionally one per dataset load and save.
 *
 * @module
 */
import {
  type Attributes,
  type Context as OtelContext,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { copyContext } from '@weft/contextvars';
import type {
  AfterNodeRunArgs,
  AfterPipelineRunArgs,
  BeforeDatasetLoadedArgs,
  BeforeNodeRunArgs,
  DatasetDataArgs,
  Hooks,
  Node,
  NodeErrorArgs,
  PipelineErrorArgs,
  PipelineHookArgs,
} from '@weft/runner';
import { describeErrorWithName } from '@weft/runner/extend';
import { isWeftContextActive } from './context-manager.js';
import { WeftOpenTelemetryError } from './errors.js';
import { otelContextVar } from './otel-context-var.js';
import { flushWorkerSpans } from './worker-spans.js';

/** Options of {@link openTelemetryHooks}. */
export interface OpenTelemetryHooksOptions {
  /** The tracer spans come from. Default: `trace.getTracer('@weft/opentelemetry')` (the global provider's). */
  tracer?: Tracer;
  /** Also a span per dataset load and save (children of the node's span). Default false. */
  datasets?: boolean;
  /** Name of the run's span. Default `weft pipeline`. */
  runSpanName?: string | ((args: PipelineHookArgs) => string);
  /**
   * How long the end of a run waits for spans still travelling from worker threads (see
   * `receiveWorkerSpans`), in ms. Default 5000.
   */
  workerSpanTimeoutMs?: number;
}

/** Attribute names the hooks set. */
export const ATTR = {
  runId: 'weft.run.id',
  runner: 'weft.runner',
  pipelineNodes: 'weft.pipeline.nodes',
  node: 'weft.node.name',
  namespace: 'weft.node.namespace',
  tags: 'weft.node.tags',
  inputs: 'weft.node.inputs',
  outputs: 'weft.node.outputs',
  chunks: 'weft.node.chunks',
  phase: 'weft.node.error.phase',
  dataset: 'weft.dataset.name',
  flowRunId: 'prefect.flow_run.id',
  flowRunName: 'prefect.flow_run.name',
  taskRunId: 'prefect.task_run.id',
  taskRunName: 'prefect.task_run.name',
} as const;

/** Names of the Prefect bridge's run-context variables (read by name: no dependency on it). */
const FLOW_RUN_VAR = 'weft.prefect.flow_run';
const TASK_RUN_VAR = 'weft.prefect.task_run';

interface RunState {
  /** The tracer of this run's spans, resolved once when the run starts. */
  readonly tracer: Tracer;
  readonly span: Span;
  /** The OpenTelemetry context with the run's span active (parent of every node span). */
  readonly context: OtelContext;
  readonly runner: string;
}

interface NodeState {
  readonly span: Span;
  readonly context: OtelContext;
  /** Ended by afterNodeRun or onNodeError. */
  ended: boolean;
  /** The Prefect task run's attributes were set when the span started. */
  prefect: boolean;
}

/** The `{ id, name }` of a Prefect run variable bound in the current context, if any. */
function prefectRun(varName: string): { id: string; name: string } | undefined {
  for (const [variable, value] of copyContext()) {
    if (variable.name !== varName) continue;
    const run = value as { id?: unknown; name?: unknown } | null;
    if (typeof run?.id === 'string')
      return { id: run.id, name: typeof run.name === 'string' ? run.name : '' };
  }
  return undefined;
}

/** Sets the Prefect run's attributes on `span`; whether the run variable was bound. */
function prefectAttributes(span: Span, varName: string, idAttr: string, nameAttr: string): boolean {
  const run = prefectRun(varName);
  if (run === undefined) return false;
  span.setAttribute(idAttr, run.id);
  if (run.name !== '') span.setAttribute(nameAttr, run.name);
  return true;
}

function recordFailure(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  else span.recordException({ name: 'thrown value', message: describeErrorWithName(error) });
  span.setStatus({ code: SpanStatusCode.ERROR, message: describeErrorWithName(error) });
}

function nodeAttributes(node: Node, runId: string, runner: string | undefined): Attributes {
  const attributes: Attributes = { [ATTR.runId]: runId, [ATTR.node]: node.name };
  if (runner !== undefined) attributes[ATTR.runner] = runner;
  if (node.namespace !== undefined) attributes[ATTR.namespace] = node.namespace;
  if (node.tags.size !== 0) attributes[ATTR.tags] = [...node.tags];
  attributes[ATTR.inputs] = node.inputs.slice();
  attributes[ATTR.outputs] = node.outputs.slice();
  return attributes;
}

let warnedManager = false;

/**
 * Runner hooks (`@weft/runner`) that trace pipeline runs with OpenTelemetry (see
 * {@link openTelemetryHooks}). Keeps per-run state keyed by run id, so one instance may serve
 * concurrent runs.
 */
export class OpenTelemetryHooks implements Hooks {
  readonly #tracer: Tracer | undefined;
  readonly #options: OpenTelemetryHooksOptions;
  readonly #runs = new Map<string, RunState>();
  /** Run id → node name → the node's span. */
  readonly #nodes = new Map<string, Map<string, NodeState>>();
  readonly #datasetSpans = new Map<string, Span>();

  /** @param options See {@link OpenTelemetryHooksOptions}. */
  constructor(options: OpenTelemetryHooksOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new WeftOpenTelemetryError(
        'ERR_OTEL_INVALID_ARGUMENT',
        `openTelemetryHooks: options must be an object, got ${String(options)}`,
      );
    }
    this.#tracer = options.tracer;
    this.#options = options;
    // beforeDatasetLoaded/… make the runner build hook arguments for every load and save: only
    // when asked for.
    if (options.datasets !== true) {
      for (const name of [
        'beforeDatasetLoaded',
        'afterDatasetLoaded',
        'beforeDatasetSaved',
        'afterDatasetSaved',
      ] as const) {
        Object.defineProperty(this, name, { value: undefined });
      }
    }
  }

  get #t(): Tracer {
    return this.#tracer ?? trace.getTracer('@weft/opentelemetry');
  }

  /** Starts the run's span (a child of the caller's active span, if any) and makes it active for every node. */
  beforePipelineRun(args: PipelineHookArgs): void {
    if (!warnedManager && !isWeftContextActive()) {
      warnedManager = true;
      process.emitWarning(
        "openTelemetryHooks: the registered OpenTelemetry context manager is not Weft's, so spans started inside nodes " +
          'will not be children of their node span: register WeftContextManager (registerContextManager()).',
        { code: 'WEFT_OTEL_FOREIGN_CONTEXT_MANAGER' },
      );
    }
    const { runId, runParams, pipeline } = args;
    const nameOption = this.#options.runSpanName;
    const name = typeof nameOption === 'function' ? nameOption(args) : (nameOption ?? 'weft pipeline');
    const parent = otelContextVar.get();
    const tracer = this.#t;
    const span = tracer.startSpan(
      name,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [ATTR.runId]: runId,
          [ATTR.runner]: runParams.runner,
          [ATTR.pipelineNodes]: pipeline.nodes.length,
        },
      },
      parent,
    );
    prefectAttributes(span, FLOW_RUN_VAR, ATTR.flowRunId, ATTR.flowRunName);
    const context = trace.setSpan(parent, span);
    this.#runs.set(runId, { tracer, span, context, runner: runParams.runner });
    // Pipeline hooks run in the run's context: every node's context is a copy of it.
    otelContextVar.set(context);
  }

  /** Starts the node's span, a child of the run's, and makes it active in the node's context. */
  beforeNodeRun(args: BeforeNodeRunArgs): undefined {
    this.#nodeSpan(args.runId, args.node);
    return undefined;
  }

  /** Ends the node's span (status OK is left unset, OpenTelemetry's default for success). */
  afterNodeRun(args: AfterNodeRunArgs): void {
    const state = this.#nodes.get(args.runId)?.get(args.node.name);
    if (state === undefined) return;
    if (args.chunks !== undefined) state.span.setAttribute(ATTR.chunks, args.chunks);
    // The task run is bound by now when the Prefect bridge's hooks come after these.
    if (!state.prefect) prefectAttributes(state.span, TASK_RUN_VAR, ATTR.taskRunId, ATTR.taskRunName);
    state.span.end();
    state.ended = true;
  }

  /** Records the error on the node's span (an exception event and error status) and ends it. */
  onNodeError(args: NodeErrorArgs): void {
    let state = this.#nodes.get(args.runId)?.get(args.node.name);
    // Failed before beforeNodeRun (loading inputs), or after the span ended (saving outputs).
    if (state === undefined || state.ended) state = this.#startNode(args.runId, args.node, false);
    this.#nodes.get(args.runId)?.delete(args.node.name);
    state.span.setAttribute(ATTR.phase, args.phase);
    prefectAttributes(state.span, TASK_RUN_VAR, ATTR.taskRunId, ATTR.taskRunName);
    recordFailure(state.span, args.error);
    state.span.end();
    state.ended = true;
  }

  /** Ends the run's span, once the spans of worker threads have arrived. */
  async afterPipelineRun(args: AfterPipelineRunArgs): Promise<void> {
    await this.#endRun(args.runId, undefined);
  }

  /** Records the error on the run's span and ends it. */
  async onPipelineError(args: PipelineErrorArgs): Promise<void> {
    await this.#endRun(args.runId, { error: args.error });
  }

  /** A span per dataset load (with `datasets: true`), active while the dataset loads. */
  beforeDatasetLoaded(args: BeforeDatasetLoadedArgs): void {
    this.#datasetSpan(args, 'load');
  }

  afterDatasetLoaded(args: DatasetDataArgs): void {
    this.#endDatasetSpan(args, 'load');
  }

  /** A span per dataset save (with `datasets: true`). */
  beforeDatasetSaved(args: DatasetDataArgs): void {
    this.#datasetSpan(args, 'save');
  }

  afterDatasetSaved(args: DatasetDataArgs): void {
    this.#endDatasetSpan(args, 'save');
  }

  #nodeSpan(runId: string, node: Node): NodeState {
    const state = this.#nodes.get(runId)?.get(node.name);
    return state !== undefined && !state.ended ? state : this.#startNode(runId, node, true);
  }

  #startNode(runId: string, node: Node, activate: boolean): NodeState {
    const run = this.#runs.get(runId);
    const parent = run?.context ?? otelContextVar.get();
    const span = (run?.tracer ?? this.#t).startSpan(
      `weft node ${node.name}`,
      { kind: SpanKind.INTERNAL, attributes: nodeAttributes(node, runId, run?.runner) },
      parent,
    );
    const prefect = prefectAttributes(span, TASK_RUN_VAR, ATTR.taskRunId, ATTR.taskRunName);
    // Keep the baggage and whatever else the node's context holds; the node's span becomes active.
    const context = trace.setSpan(otelContextVar.get(), span);
    const state: NodeState = { span, context, ended: false, prefect };
    let states = this.#nodes.get(runId);
    if (states === undefined) {
      states = new Map();
      this.#nodes.set(runId, states);
    }
    states.set(node.name, state);
    // Node hooks run in the node's context: the function (in a worker too) sees this span.
    if (activate) otelContextVar.set(context);
    return state;
  }

  #datasetSpan(args: BeforeDatasetLoadedArgs | DatasetDataArgs, kind: 'load' | 'save'): void {
    const node = this.#nodeSpan(args.runId, args.node);
    const span = (this.#runs.get(args.runId)?.tracer ?? this.#t).startSpan(
      `weft ${kind} ${args.datasetName}`,
      { kind: SpanKind.INTERNAL, attributes: { [ATTR.runId]: args.runId, [ATTR.dataset]: args.datasetName } },
      node.context,
    );
    this.#datasetSpans.set(datasetKey(args, kind), span);
    otelContextVar.set(trace.setSpan(node.context, span));
  }

  #endDatasetSpan(args: DatasetDataArgs, kind: 'load' | 'save'): void {
    const key = datasetKey(args, kind);
    const span = this.#datasetSpans.get(key);
    if (span === undefined) return;
    this.#datasetSpans.delete(key);
    span.end();
    const node = this.#nodes.get(args.runId)?.get(args.node.name);
    if (node !== undefined) otelContextVar.set(node.context);
  }

  async #endRun(runId: string, failure: { error: unknown } | undefined): Promise<void> {
    const run = this.#runs.get(runId);
    if (run === undefined) return;
    this.#runs.delete(runId);
    const states = this.#nodes.get(runId);
    this.#nodes.delete(runId);
    // A node abandoned by a cancelled run: its span ends with the run.
    if (states !== undefined) for (const state of states.values()) if (!state.ended) state.span.end();
    await flushWorkerSpans(this.#options.workerSpanTimeoutMs ?? 5000);
    prefectAttributes(run.span, FLOW_RUN_VAR, ATTR.flowRunId, ATTR.flowRunName);
    if (failure !== undefined) recordFailure(run.span, failure.error);
    run.span.end();
  }
}

function datasetKey(args: { runId: string; node: Node; datasetName: string }, kind: string): string {
  return `${args.runId}\u0000${args.node.name}\u0000${kind}\u0000${args.datasetName}`;
}

/**
 * Runner hooks that trace each pipeline run with OpenTelemetry: a span for the run (attributes
 * `weft.run.id`, `weft.runner`; `prefect.flow_run.id` when the Prefect bridge's hooks run too), a
 * span per node, child of the run's (`weft.node.name`, `weft.node.inputs`, `weft.node.outputs`,
 * `prefect.task_run.id`, …; on failure an exception event, error status and
 * `weft.node.error.phase`), and with `datasets: true` a span per dataset load and save.
 *
 * The hooks run on the main thread, the node's span is made active in the node's context (so with
 * {@link WeftContextManager} registered, spans started by the node's code are its children), and
 * the propagator seam carries it to worker threads and `weft-worker` processes when
 * {@link openTelemetryPropagator} is set. Put them after the Prefect bridge's hooks in `hooks` so
 * the task run is bound when the node's span starts (its id is added at the end otherwise).
 *
 * @example
 * ```ts
 * registerContextManager();
 * await runner.run(pipeline, catalog, { hooks: [prefectHooks(), openTelemetryHooks()] });
 * ```
 */
export function openTelemetryHooks(options?: OpenTelemetryHooksOptions): OpenTelemetryHooks {
  return new OpenTelemetryHooks(options);
}
