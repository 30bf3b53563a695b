/**
 * `WorkerThreadExecutor`: runs named exports of modules in piscina worker threads, each task in
 * its submitter's context, captured at submit time and rebuilt in the worker.
 *
 * @module
 */

import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { MessagePort, ResourceLimits } from 'node:worker_threads';
import { type Carrier, injectContext, propagationSetupModules } from '@weft/contextvars';

// The JSON text of the last carrier sent: a carrier with the same fields holding the same values
// (the declared variables' part is one cached object per context state, trace headers are
// strings) is not stringified again, so a run of submits from one context stringifies it once.
let lastCarrier: Carrier | undefined;
let lastCarrierText: string | undefined;

function sameFields(a: Carrier, b: Carrier): boolean {
  let count = 0;
  for (const key in a) {
    if (a[key] !== b[key] || !Object.hasOwn(b, key)) return false;
    count++;
  }
  for (const _ in b) count--;
  return count === 0;
}

/**
 * What a task message carries for a context: nothing when the carrier is empty (so the worker
 * need not extract anything), else its JSON text (a string clones far cheaper than an object
 * graph, and lets the worker reuse the context it rebuilt for the previous task).
 */
function carrierText(carrier: Carrier): string | undefined {
  if (lastCarrier !== undefined && sameFields(carrier, lastCarrier)) return lastCarrierText;
  let empty = true;
  for (const _ in carrier) {
    empty = false;
    break;
  }
  lastCarrier = carrier;
  lastCarrierText = empty ? undefined : JSON.stringify(carrier);
  return lastCarrierText;
}

import { Piscina } from 'piscina';
import { type ContextPolicy, executorPolicy, submitPolicy } from './context-capture.js';
import {
  BrokenExecutorError,
  InvalidArgumentError,
  TaskArgumentsError,
  TaskContextError,
  TaskLeftoverError,
  TaskReferenceError,
  TaskResultError,
} from './errors.js';
import type { ExecutorOptions, SubmitOptions } from './executor.js';
import type { Future } from './future.js';
import { OWN_ERRORS } from './own-errors.js';
import { FailedPreparation, QueueingExecutor, type WorkItem } from './queueing-executor.js';
import {
  type FailureKind,
  LEFTOVER,
  RESULT_UNSENT,
  TASK_FAILED,
  type TaskMessage,
  TRAMPOLINE_LOADED,
} from './task-protocol.js';
import { isTaskRef, type TaskArgs, type TaskRef, type TaskResult } from './task-ref.js';
import { decodeThrown, type ThrownValue } from './thrown-value.js';
import {
  checkTypeScriptLoader,
  runsUnderTsx,
  type TypeScriptLoader,
  typescriptExecArgv,
  withoutTsxPreloads,
} from './typescript-loader.js';
import { checkMaxWorkers, checkObject, show } from './validation.js';

/** Something that can be transferred rather than copied to a worker: ArrayBuffer, MessagePort, … */
export type TransferListItem = ArrayBuffer | MessagePort;

/** Options of {@link WorkerThreadExecutor}. */
export interface WorkerThreadExecutorOptions extends ExecutorOptions {
  /**
   * Extra Node options for the worker threads, after the ones they inherit from this process.
   * A tsx preload here (`['--import', 'tsx']`) means `typescript: 'tsx'`.
   */
  execArgv?: string[];
  /**
   * The TypeScript loader of the worker threads, for `.ts` task modules: `'auto'` (default) gives
   * them tsx when this process runs under tsx (`tsx main.ts`, `node --import tsx main.ts`);
   * `'tsx'` always (an error at construction if tsx is not installed); `false` never (Node's own
   * type stripping still applies where the Node line has it). Works the same on Node 20 to 26.
   */
  typescript?: TypeScriptLoader;
  /** Memory limits of each worker thread. */
  resourceLimits?: ResourceLimits;
}

/** Per-submit options of {@link WorkerThreadExecutor.submitWith}. */
export interface WorkerSubmitOptions extends SubmitOptions {
  /**
   * Objects to transfer (not copy) to the worker, e.g. the `ArrayBuffer` behind an argument.
   * Arguments wrapped in `move()` are transferred without being listed here.
   */
  transferList?: readonly TransferListItem[];
}

interface WorkerPayload {
  readonly name: string;
  readonly message: TaskMessage;
  readonly transferList: TransferListItem[] | undefined;
  /** Its index in the executor's in-flight slots while handed to the pool, else -1. */
  slot: number;
}

/**
 * An own property of `value`, never an inherited one. `value` is data from another thread
 * (structured clone makes plain data properties only, never getters), so reading it runs no code.
 */
function ownValue(value: object, key: string): unknown {
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/** The error a future gets when its worker's answer cannot be read or decoded. */
function unreadable(name: string, error: unknown): BrokenExecutorError {
  const reason = error instanceof Error ? error.message : show(error);
  return new BrokenExecutorError(
    `task '${name}': its outcome from the worker thread cannot be read: ${reason}`,
    {
      cause: error,
    },
  );
}

/** Reports an outcome; a failure there (a bug) becomes a process warning, never an unhandled rejection. */
function settle(item: WorkItem<WorkerPayload>, ok: boolean, value: unknown): void {
  try {
    item.complete(ok, value);
  } catch (error) {
    process.emitWarning(error instanceof Error ? error : new Error(show(error)));
  }
}

/** How long an idle worker above the minimum lives (all of ours are the minimum: they stay). */
const IDLE_TIMEOUT_MS = 60_000;

/**
 * The worker module and the Node options it needs. From `dist` the trampoline is plain JavaScript
 * and the workers get the TypeScript loader `typescript` asks for (see {@link typescriptExecArgv}).
 * From the TypeScript sources (tests resolve this package through the `@weft/source` condition)
 * the trampoline is a `.ts` file: each worker then registers tsx, and resolves workspace
 * packages to their sources.
 */
function trampoline(typescript: TypeScriptLoader): { filename: string; execArgv: string[] } {
  const fromSources = import.meta.url.endsWith('.ts');
  // A path, not a file URL: piscina turns a URL into a path again for every task it runs.
  const filename = fileURLToPath(
    new URL(`./worker-trampoline.${fromSources ? 'ts' : 'js'}`, import.meta.url),
  );
  if (!fromSources) return { filename, execArgv: typescriptExecArgv(typescript) };
  try {
    return { filename, execArgv: [...typescriptExecArgv('tsx'), '--conditions=@weft/source'] };
  } catch (cause) {
    throw new BrokenExecutorError(
      'WorkerThreadExecutor: running from TypeScript sources needs the tsx package to load them in worker threads',
      { cause },
    );
  }
}

/**
 * A piscina pool whose workers get `extraExecArgv` on top of the options they would inherit.
 * A tsx preload among the inherited options is dropped: the worker gets tsx from
 * `extraExecArgv` (registered on every Node line) or not at all, as the executor's `typescript`
 * option says. With nothing to add or drop, the workers inherit the process's options (Node's
 * default). Otherwise Node takes the list as is, so the process's own options are passed along,
 * minus those Node refuses in a worker (`--expose-gc`, `--max-old-space-size=…`, …), which it
 * names in its error.
 */
function createPiscina(options: ConstructorParameters<typeof Piscina>[0], extraExecArgv: string[]): Piscina {
  let inherited = withoutTsxPreloads(process.execArgv);
  if (extraExecArgv.length === 0 && inherited.length === process.execArgv.length) return new Piscina(options);
  for (;;) {
    try {
      return new Piscina({ ...options, execArgv: [...inherited, ...extraExecArgv] });
    } catch (error) {
      if ((error as { code?: unknown })?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
      const message = (error as Error).message;
      const refused = new Set(message.slice(message.indexOf(': ') + 2).split(', '));
      const kept = inherited.filter((arg) => !refused.has(arg));
      if (kept.length === inherited.length) throw error;
      inherited = kept;
    }
  }
}

const TRANSFERABLE = Piscina.transferableSymbol;
const VALUE = Piscina.valueSymbol;

function isMovable(value: unknown): value is Record<symbol, unknown> {
  return typeof value === 'object' && value !== null && TRANSFERABLE in value && VALUE in value;
}

// The JSON text of the last list of propagation set-up modules (a frozen array, replaced on change).
let lastModules: readonly string[] | undefined;
let lastModulesText: string | undefined;

/** What a task message carries for the set-up modules: nothing when there are none. */
function setupText(modules: readonly string[]): string | undefined {
  if (modules !== lastModules) {
    lastModules = modules;
    lastModulesText = modules.length === 0 ? undefined : JSON.stringify(modules);
  }
  return lastModulesText;
}

/**
 * Python's `ProcessPoolExecutor` on worker threads (piscina): `submit(taskRef, ...args)` runs a
 * named export of a module in one of `maxWorkers` threads (default: `availableParallelism()`),
 * first come first served, and returns a {@link Future}.
 *
 * Tasks are {@link TaskRef}s made with `defineTasks`/`taskRef`. Arguments and results are copied
 * by structured clone; `move(buffer)` (re-exported from piscina) or the `transferList` option
 * transfer instead. Errors thrown in a task arrive with their `name`, `message`, `stack`, `code`,
 * `cause` and own properties. A worker that exits or crashes while running a task fails that
 * task with {@link BrokenExecutorError} and is replaced; the executor keeps serving.
 *
 * Context: each submit serializes the submitter's propagatable variables (`propagate: true`,
 * filtered by `contextFilter`) at submit time; the worker runs the task in a fresh Context built
 * from them, so nothing is stale and nothing leaks between tasks. A value that cannot be encoded
 * fails that task's future with {@link TaskContextError} naming the variable. With
 * `propagateContext: false` nothing is sent and the task runs in an empty context.
 *
 * Scheduling: tasks run first come first served on `maxWorkers` threads. As in Python's
 * `ProcessPoolExecutor` (whose call queue holds a task ahead), up to `maxWorkers` further tasks
 * are handed to the pool ahead of time, so that a thread that finishes a task starts the next
 * one without waiting for the main thread; a task handed over counts as running (`running()`,
 * `cancel()` gives `false`) though it may still wait there for a thread.
 *
 * Workers start on the first submit and do not keep the process alive while idle.
 *
 * @example
 * ```ts
 * // tasks.ts
 * export function checksum(text: string) { return createHash('sha256').update(text).digest('hex'); }
 * export const tasks = defineTasks(import.meta.url, { checksum });
 * // main.ts
 * await using executor = new WorkerThreadExecutor({ maxWorkers: 2 });
 * const digest = await executor.submit(tasks.checksum, 'hello');
 * ```
 */
export class WorkerThreadExecutor extends QueueingExecutor<TaskRef<never[], unknown>, WorkerPayload> {
  readonly #policy: ContextPolicy;
  readonly #execArgv: string[];
  readonly #typescript: TypeScriptLoader;
  readonly #resourceLimits: ResourceLimits | undefined;
  #pool: Piscina | undefined = undefined;
  /** Workers that loaded the trampoline: until one did, a worker failure means none can start. */
  #startedWorkers = 0;
  /** Id of the next task message. */
  #nextId = 0;
  /**
   * Tasks handed to the pool and not settled (for reports from the workers, found by message
   * id), each in a slot of its own, and the free slots. At most the dispatch limit are in flight,
   * so the slots stay few and are reused. Not a Map keyed by id: a Map whose entries come and go
   * with every task kept each task's objects alive long enough for the garbage collector to
   * promote them to the old generation (measured: 2.7 KB promoted per task instead of 1.2 KB,
   * three times the scavenge time per task).
   */
  readonly #inflight: Array<WorkItem<WorkerPayload> | undefined> = [];
  readonly #freeSlots: number[] = [];

  constructor(options: WorkerThreadExecutorOptions = {}) {
    const where = 'new WorkerThreadExecutor()';
    checkObject(options, 'options', where);
    const maxWorkers = checkMaxWorkers(options.maxWorkers, availableParallelism(), where);
    // Hand maxWorkers tasks ahead to the pool (see the class comment): +50% throughput measured.
    super('WorkerThreadExecutor', maxWorkers, maxWorkers * 2);
    this.#policy = executorPolicy(options, where);
    const execArgv = options.execArgv ?? [];
    if (!Array.isArray(execArgv) || !execArgv.every((arg) => typeof arg === 'string')) {
      throw new InvalidArgumentError(`${where}: execArgv must be an array of strings, got ${show(execArgv)}`);
    }
    let typescript = checkTypeScriptLoader(options.typescript, where);
    const userArgv = withoutTsxPreloads(execArgv);
    if (userArgv.length !== execArgv.length) {
      // `execArgv: ['--import', 'tsx']` alone would load tsx in worker threads on some Node lines only.
      if (typescript === false) {
        throw new InvalidArgumentError(`${where}: execArgv preloads tsx but typescript is false`);
      }
      typescript = 'tsx';
    }
    if (typescript === 'auto' && runsUnderTsx()) typescript = 'tsx';
    // A missing tsx fails here, not at the first submit.
    if (typescript === 'tsx') typescriptExecArgv('tsx');
    this.#typescript = typescript;
    this.#execArgv = userArgv;
    this.#resourceLimits = checkObject<ResourceLimits>(options.resourceLimits, 'resourceLimits', where);
  }

  /** Number of worker threads alive now (0 before the first submit). */
  get threads(): number {
    return this.#pool?.threads.length ?? 0;
  }

  /** {@link QueueingExecutor.submitWith}, also taking a `transferList`. */
  override submitWith<T extends TaskRef<never[], unknown>>(
    options: WorkerSubmitOptions,
    task: T,
    ...args: TaskArgs<T>
  ): Future<TaskResult<T>> {
    return super.submitWith(options, task, ...args);
  }

  protected override prepare(
    task: TaskRef<never[], unknown>,
    args: unknown[],
    options: WorkerSubmitOptions | undefined,
  ): WorkerPayload | FailedPreparation {
    if (!isTaskRef(task)) {
      const hint =
        typeof task === 'function'
          ? ' (functions cannot cross threads: export it from a module and pass defineTasks(import.meta.url, { fn }).fn)'
          : '';
      throw new InvalidArgumentError(
        `WorkerThreadExecutor.submit(): expected a TaskRef, got ${show(task)}${hint}`,
      );
    }
    const policy =
      options === undefined
        ? this.#policy
        : submitPolicy(this.#policy, options, `WorkerThreadExecutor.submit(${task.name})`);
    let transferList: TransferListItem[] | undefined;
    if (options?.transferList !== undefined) {
      if (!Array.isArray(options.transferList)) {
        throw new InvalidArgumentError(
          `WorkerThreadExecutor.submit(${task.name}): transferList must be an array, got ${show(options.transferList)}`,
        );
      }
      transferList = [...options.transferList];
    }
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (isMovable(arg)) {
        args[i] = arg[VALUE];
        transferList ??= [];
        transferList.push(arg[TRANSFERABLE] as TransferListItem);
      }
    }
    let ctx: string | undefined;
    let setup: string | undefined;
    if (policy.propagate) {
      try {
        // The one seam: the thread's propagator (the declared variables, unless one was set).
        ctx = carrierText(injectContext(undefined, policy.filter));
        setup = setupText(propagationSetupModules());
      } catch (cause) {
        return new FailedPreparation(
          task.name,
          new TaskContextError(
            `cannot send the context of task '${task.name}' to a worker thread: ${(cause as Error).message}`,
            { cause },
          ),
        );
      }
    }
    const message: TaskMessage = [this.#nextId++, task.moduleUrl, task.exportName, ctx, setup];
    for (const arg of args) message.push(arg);
    return { name: task.name, message, transferList, slot: -1 };
  }

  protected override nameOf(payload: WorkerPayload): string {
    return payload.name;
  }

  protected override execute(item: WorkItem<WorkerPayload>): void {
    const { name, message, transferList } = item.payload;
    const signal = item.signal;
    let pool = this.#pool;
    if (pool === undefined) {
      try {
        pool = this.#createPool();
      } catch (error) {
        item.complete(false, this.#infrastructureError(name, error, signal));
        return;
      }
    }
    const options = transferList === undefined && signal === undefined ? undefined : { transferList, signal };
    const slot = this.#freeSlots.pop() ?? this.#inflight.length;
    this.#inflight[slot] = item;
    item.payload.slot = slot;
    pool.run(message, options as never).then(
      (outcome: unknown) => this.#answered(item, outcome),
      (error: unknown) => this.#failed(item, error),
    );
  }

  /** A worker's answer: the task's result, as it is. */
  #answered(item: WorkItem<WorkerPayload>, result: unknown): void {
    this.#landed(item);
    settle(item, true, result);
  }

  /** Frees the in-flight slot of a task whose outcome arrived (or was decided without it). */
  #landed(item: WorkItem<WorkerPayload>): void {
    const payload = item.payload;
    if (payload.slot === -1) return;
    this.#inflight[payload.slot] = undefined;
    this.#freeSlots.push(payload.slot);
    payload.slot = -1;
  }

  /**
   * Piscina rejected the task: the task failed (the trampoline threw a `TaskFailure`), its worker
   * died, or the arguments could not be sent.
   */
  #failed(item: WorkItem<WorkerPayload>, error: unknown): void {
    const name = item.payload.name;
    this.#landed(item);
    let value: unknown;
    try {
      // A failure is data from another thread: only its own properties are read. Piscina's own
      // errors are made in this thread and never carry the key.
      const kind = typeof error === 'object' && error !== null ? ownValue(error, TASK_FAILED) : undefined;
      if (kind === undefined) value = this.#infrastructureError(name, error, item.signal);
      else if (kind !== 'task' && kind !== 'reference' && kind !== 'context') {
        throw new TypeError(`expected a task failure, got kind ${show(kind)}`);
      } else value = this.#failure(name, kind, ownValue(error as object, 'error') as ThrownValue);
    } catch (inner) {
      value = unreadable(name, inner);
    }
    settle(item, false, value);
  }

  protected override async close(): Promise<void> {
    const pool = this.#pool;
    if (pool === undefined) return;
    await pool.close();
  }

  #createPool(): Piscina {
    const { filename, execArgv } = trampoline(this.#typescript);
    const pool = createPiscina(
      {
        filename,
        minThreads: this.maxWorkers,
        maxThreads: this.maxWorkers,
        idleTimeout: IDLE_TIMEOUT_MS,
        concurrentTasksPerWorker: 1,
        // We keep no histogram: do not pay for one per task.
        recordTiming: false,
        ...(this.#resourceLimits === undefined ? {} : { resourceLimits: this.#resourceLimits }),
      },
      [...execArgv, ...this.#execArgv],
    );
    pool.on('message', (message: unknown) => {
      if (typeof message !== 'object' || message === null) return;
      try {
        if (ownValue(message, TRAMPOLINE_LOADED) === true) this.#startedWorkers++;
        const leftover = ownValue(message, LEFTOVER);
        if (typeof leftover === 'object' && leftover !== null) this.#onLeftover(leftover);
        const unsent = ownValue(message, RESULT_UNSENT);
        if (typeof unsent === 'object' && unsent !== null) this.#onResultUnsent(unsent);
      } catch (error) {
        process.emitWarning(error instanceof Error ? error : new Error(show(error)));
      }
    });
    pool.on('error', (error: unknown) => this.#onPoolError(error));
    this.#pool = pool;
    return pool;
  }

  /**
   * Work a task left behind threw in its worker thread (or code that ran outside any task did):
   * reported as a process warning naming the task; no task fails for it.
   */
  #onLeftover(report: object): void {
    const task = ownValue(report, 'task');
    const source =
      ownValue(report, 'source') === 'unhandledRejection'
        ? 'an unhandled rejection'
        : 'an uncaught exception';
    let cause: unknown;
    try {
      cause = decodeThrown(ownValue(report, 'error') as ThrownValue, OWN_ERRORS);
    } catch (error) {
      cause = error;
    }
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : show(cause);
    const message =
      typeof task === 'string'
        ? `WorkerThreadExecutor: task '${task}' left work behind that threw after the task had finished (${source} in its worker thread): ${reason}`
        : `WorkerThreadExecutor: code that ran outside any task in a worker thread threw (${source}; module top-level code, or a callback that lost its context): ${reason}`;
    process.emitWarning(
      new TaskLeftoverError(message, typeof task === 'string' ? task : undefined, { cause }),
    );
  }

  /**
   * Piscina could not send a task's result back: the task fails with {@link TaskResultError}, and
   * its worker thread, whose piscina slot now waits for an answer that never comes, is replaced.
   */
  #onResultUnsent(report: object): void {
    const id = ownValue(report, 'id');
    const entry =
      typeof id === 'number' ? this.#inflight.find((item) => item?.payload.message[0] === id) : undefined;
    if (entry === undefined) return;
    this.#landed(entry);
    let cause: unknown;
    try {
      cause = decodeThrown(ownValue(report, 'error') as ThrownValue);
    } catch (error) {
      cause = error;
    }
    const reason = cause instanceof Error ? cause.message : show(cause);
    settle(
      entry,
      false,
      new TaskResultError(
        `task '${entry.payload.name}': its result cannot be sent back from the worker thread: ${reason}`,
        { cause },
      ),
    );
    const threadId = ownValue(report, 'threadId');
    const thread = this.#pool?.threads.find((worker) => worker.threadId === threadId);
    thread?.terminate().catch(() => undefined);
  }

  /** An error from a worker that was not running a task: a crash while idle, or a failed start. */
  #onPoolError(error: unknown): void {
    if (this.#startedWorkers === 0) {
      this.#breakDown(error);
      return;
    }
    const reason = error instanceof Error ? error.message : show(error);
    process.emitWarning(
      new BrokenExecutorError(
        `WorkerThreadExecutor: an idle worker thread crashed and was replaced: ${reason}`,
        {
          cause: error,
        },
      ),
    );
  }

  /** No worker ever started: every new one would fail the same way, and queued work would wait forever. */
  #breakDown(error: unknown): BrokenExecutorError {
    const existing = this.broken;
    if (existing !== undefined) return existing;
    const reason = error instanceof Error ? error.message : show(error);
    const broken = new BrokenExecutorError(`WorkerThreadExecutor: cannot start worker threads: ${reason}`, {
      cause: error,
    });
    this.markBroken(broken);
    const pool = this.#pool;
    this.#pool = undefined;
    pool?.destroy().catch(() => undefined);
    return broken;
  }

  #failure(name: string, kind: FailureKind, thrown: ThrownValue): unknown {
    const error = decodeThrown(thrown, OWN_ERRORS);
    if (kind === 'task') return error;
    const reason = error instanceof Error ? error.message : show(error);
    if (kind === 'reference') {
      return new TaskReferenceError(`task '${name}' cannot be run: ${reason}`, { cause: error });
    }
    return new TaskContextError(`the context of task '${name}' cannot be rebuilt in the worker: ${reason}`, {
      cause: error,
    });
  }

  #infrastructureError(name: string, error: unknown, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return signal.reason;
    const isCloneError = error instanceof Error && error.name === 'DataCloneError';
    const broken =
      this.broken ?? (this.#startedWorkers === 0 && !isCloneError ? this.#breakDown(error) : undefined);
    if (broken !== undefined) {
      return new BrokenExecutorError(`task '${name}' cannot run: ${broken.message}`, { cause: broken.cause });
    }
    if (isCloneError) {
      return new TaskArgumentsError(
        `task '${name}': its arguments cannot be sent to a worker thread: ${error.message}`,
        { cause: error },
      );
    }
    if (error instanceof Error) {
      const exit = /^worker exited with code: (-?\d+)/.exec(error.message);
      const what = exit === null ? `crashed (${error.message})` : `exited with code ${exit[1]}`;
      return new BrokenExecutorError(`task '${name}': its worker thread ${what} while running it`, {
        cause: error,
      });
    }
    return new BrokenExecutorError(
      `task '${name}': its worker thread died while running it from an error that cannot be cloned; ` +
        'a result that structured clone cannot copy (a function, a symbol) does this',
      { cause: error },
    );
  }
}
