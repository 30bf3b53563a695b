/**
 * Hooks: objects with any subset of Kedro's hook methods, in camelCase, sync or async. Every method
 * receives ONE argument object (fields may be added later without breaking anyone). Hooks always
 * run on the main thread, inside the run's context (pipeline hooks) or the node's context (node and
 * dataset hooks), on every runner.
 *
 * @module
 */
import type { DataCatalog } from './data-catalog.js';
import { RunnerConfigError } from './errors.js';
import type { Node } from './node.js';
import type { Pipeline } from './pipeline.js';
import type { RunReport, RunResult } from './run-report.js';
import { isThenable } from './values.js';

/**
 * Facts about a run, passed to the pipeline hooks (Kedro's `run_params`).
 *
 * @since 0.1.0
 */
export interface RunParams {
  /** The run id (`RunOptions.runId` or a generated UUID). */
  readonly runId: string;
  /** Runner class name: `SequentialRunner`, `ThreadRunner` or `ParallelRunner`. */
  readonly runner: string;
  /** Whether nodes whose persistent outputs exist were skipped. */
  readonly onlyMissingOutputs: boolean;
  /** Whether nodes run in a copy of the caller's context. */
  readonly propagateContext: boolean;
}

/**
 * Argument of `beforePipelineRun`.
 *
 * @since 0.1.0
 */
export interface PipelineHookArgs {
  readonly runId: string;
  readonly runParams: RunParams;
  /** The pipeline as given to `run()` (before `onlyMissingOutputs` filtering). */
  readonly pipeline: Pipeline;
  readonly catalog: DataCatalog;
}

/**
 * Argument of `afterPipelineRun`.
 *
 * @since 0.1.0
 */
export interface AfterPipelineRunArgs extends PipelineHookArgs {
  /** The free outputs' data, as `run()` resolves. */
  readonly runResult: RunResult;
  /** Timings and counts. */
  readonly report: RunReport;
}

/**
 * Argument of `onPipelineError`.
 *
 * @since 0.1.0
 */
export interface PipelineErrorArgs extends PipelineHookArgs {
  /** The error `run()` rejects with (a `NodeFailedError`, `MissingInputsError`, ...). */
  readonly error: unknown;
  /** Timings and counts up to the failure. */
  readonly report: RunReport;
}

/**
 * Fields every node and dataset hook receives.
 *
 * @since 0.1.0
 */
export interface NodeHookBase {
  readonly runId: string;
  readonly node: Node;
  readonly catalog: DataCatalog;
}

/**
 * Argument of `beforeNodeRun`.
 *
 * @since 0.1.0
 */
export interface BeforeNodeRunArgs extends NodeHookBase {
  /** Loaded inputs, dataset name → data (a copy: change it through the return value). */
  readonly inputs: Readonly<Record<string, unknown>>;
}

/**
 * Argument of `afterNodeRun`.
 *
 * @since 0.1.0
 */
export interface AfterNodeRunArgs extends NodeHookBase {
  readonly inputs: Readonly<Record<string, unknown>>;
  /**
   * Outputs, dataset name → data. Fired before the outputs are saved (Kedro's order). For a
   * streaming (generator) node it fires after the last chunk was saved, with each output's last chunk.
   */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** For a streaming node, the number of chunks; otherwise undefined. */
  readonly chunks?: number;
}

/**
 * Where in its task a node failed.
 *
 * @since 0.1.0
 */
export type NodeErrorPhase = 'load' | 'beforeNodeRun' | 'run' | 'save' | 'confirm';

/**
 * Argument of `onNodeError`.
 *
 * @since 0.1.0
 */
export interface NodeErrorArgs extends NodeHookBase {
  readonly error: unknown;
  /** Inputs loaded so far. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /**
   * Where the node failed: loading inputs, a `beforeNodeRun` hook, the function (Kedro fires
   * `on_node_error` only for this one), saving outputs, or confirming datasets.
   */
  readonly phase: NodeErrorPhase;
}

/**
 * Argument of `beforeDatasetLoaded`.
 *
 * @since 0.1.0
 */
export interface BeforeDatasetLoadedArgs extends NodeHookBase {
  readonly datasetName: string;
}

/**
 * Argument of `afterDatasetLoaded`, `beforeDatasetSaved` and `afterDatasetSaved`.
 *
 * @since 0.1.0
 */
export interface DatasetDataArgs extends NodeHookBase {
  readonly datasetName: string;
  readonly data: unknown;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * Hook methods, all optional. Order of events for one node: for each input `beforeDatasetLoaded`
 * → load → `afterDatasetLoaded`; `beforeNodeRun` (may return `{ dataset: value }` overrides);
 * the function; `afterNodeRun` or `onNodeError`; for each output `beforeDatasetSaved` → save →
 * `afterDatasetSaved`. `beforePipelineRun` comes first and `afterPipelineRun` or `onPipelineError`
 * last. Several hook objects are called in array order (pluggy calls the last registered first).
 * @since 0.1.0
 */
export interface Hooks {
  beforePipelineRun?(args: PipelineHookArgs): MaybePromise<unknown>;
  afterPipelineRun?(args: AfterPipelineRunArgs): MaybePromise<unknown>;
  onPipelineError?(args: PipelineErrorArgs): MaybePromise<unknown>;
  /**
   * May return an object of input overrides (dataset name → value; later hooks win) or undefined.
   * Anything else is a `TypeError`. Runs in the node's context: a `ContextVar.set()` here is seen by
   * the node function, also in a worker thread, and by the node's later hooks.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a hook method without `return` returns void
  beforeNodeRun?(args: BeforeNodeRunArgs): MaybePromise<Record<string, unknown> | undefined | void>;
  afterNodeRun?(args: AfterNodeRunArgs): MaybePromise<unknown>;
  onNodeError?(args: NodeErrorArgs): MaybePromise<unknown>;
  beforeDatasetLoaded?(args: BeforeDatasetLoadedArgs): MaybePromise<unknown>;
  afterDatasetLoaded?(args: DatasetDataArgs): MaybePromise<unknown>;
  beforeDatasetSaved?(args: DatasetDataArgs): MaybePromise<unknown>;
  afterDatasetSaved?(args: DatasetDataArgs): MaybePromise<unknown>;
}

/**
 * Names of the hook methods.
 *
 * @since 0.1.0
 */
export const HOOK_NAMES = [
  'beforePipelineRun',
  'afterPipelineRun',
  'onPipelineError',
  'beforeNodeRun',
  'afterNodeRun',
  'onNodeError',
  'beforeDatasetLoaded',
  'afterDatasetLoaded',
  'beforeDatasetSaved',
  'afterDatasetSaved',
] as const;

/**
 * A hook method name.
 *
 * @since 0.1.0
 */
export type HookName = (typeof HOOK_NAMES)[number];

type Bound = (args: never) => unknown;

/** @internal The hook methods of a run, resolved once; calls await only what returns a promise. */
export class HookManager {
  readonly #methods: Record<HookName, Bound[]>;

  constructor(hooks: readonly Hooks[] | undefined) {
    this.#methods = Object.fromEntries(HOOK_NAMES.map((n) => [n, [] as Bound[]])) as Record<
      HookName,
      Bound[]
    >;
    if (hooks === undefined) return;
    if (!Array.isArray(hooks)) {
      throw new RunnerConfigError(
        'ERR_RUNNER_HOOKS',
        `'hooks' must be an array of hook objects, got ${typeof hooks}.`,
      );
    }
    hooks.forEach((hook, index) => {
      if (typeof hook === 'function') {
        throw new RunnerConfigError(
          'ERR_RUNNER_HOOKS',
          `Hook ${index} is a function or class ('${(hook as { name: string }).name}'); hooks must be registered as objects (instances): did you forget 'new'?`,
        );
      }
      if (hook === null || typeof hook !== 'object') {
        throw new RunnerConfigError(
          'ERR_RUNNER_HOOKS',
          `Hook ${index} must be an object, got ${String(hook)}.`,
        );
      }
      for (const key of methodNames(hook)) {
        const value = (hook as Record<string, unknown>)[key];
        if (typeof value !== 'function') continue;
        if ((HOOK_NAMES as readonly string[]).includes(key)) {
          this.#methods[key as HookName].push(value.bind(hook) as Bound);
        } else if (/^(before|after|on)[A-Z]/.test(key)) {
          throw new RunnerConfigError(
            'ERR_RUNNER_HOOKS',
            `Hook ${index} has a method '${key}', which is not a hook. Hook methods: ${HOOK_NAMES.join(', ')}.`,
          );
        }
      }
    });
  }

  /** Whether any hook object implements `name`. */
  has(name: HookName): boolean {
    return this.#methods[name].length > 0;
  }

  /** Calls every `name` method in order; returns a promise only when one of them did. */
  call<N extends HookName>(name: N, args: Parameters<NonNullable<Hooks[N]>>[0]): void | Promise<void> {
    const methods = this.#methods[name];
    for (let i = 0; i < methods.length; i++) {
      const result = (methods[i] as (a: unknown) => unknown)(args);
      if (isThenable(result)) return this.#continue(methods, i, result, args);
    }
  }

  /**
   * Calls every `name` method in order and returns their results (each awaited when it is a
   * promise); an array when every method returned synchronously, else a promise of it, so a node
   * whose hooks are synchronous stays synchronous.
   */
  collect<N extends HookName>(
    name: N,
    args: Parameters<NonNullable<Hooks[N]>>[0],
  ): unknown[] | Promise<unknown[]> {
    const methods = this.#methods[name];
    const results: unknown[] = [];
    for (let i = 0; i < methods.length; i++) {
      const result = (methods[i] as (a: unknown) => unknown)(args);
      if (isThenable(result)) return this.#collectRest(methods, i, result, results, args);
      results.push(result);
    }
    return results;
  }

  async #collectRest(
    methods: Bound[],
    index: number,
    pending: PromiseLike<unknown>,
    results: unknown[],
    args: unknown,
  ): Promise<unknown[]> {
    results.push(await pending);
    for (let i = index + 1; i < methods.length; i++) {
      results.push(await (methods[i] as (a: unknown) => unknown)(args));
    }
    return results;
  }

  async #continue(
    methods: Bound[],
    index: number,
    pending: PromiseLike<unknown>,
    args: unknown,
  ): Promise<void> {
    await pending;
    for (let i = index + 1; i < methods.length; i++) await (methods[i] as (a: unknown) => unknown)(args);
  }
}

function methodNames(obj: object): Set<string> {
  const names = new Set<string>();
  for (let o: object | null = obj; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const k of Object.getOwnPropertyNames(o)) if (k !== 'constructor') names.add(k);
  }
  return names;
}
