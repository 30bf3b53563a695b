/**
 * The worker side of `WorkerThreadExecutor`: piscina's `filename`. For each task it imports the
 * target module (once), gives the task its own Context (rebuilt from the submitter's when one was
 * sent, else empty), runs the export inside it and answers with the task's bare result, or, when
 * the task fails, throws a {@link TaskFailure} (piscina's rejection) whose error is encoded so
 * that it arrives whole, and whose key tells it apart from a worker failure.
 *
 * Each task's Context carries a hidden tag naming the task, which everything the task schedules
 * (timers, promise callbacks) inherits. An uncaught exception or unhandled rejection in this
 * thread is therefore attributed: while its task runs it fails that task; after, it is reported
 * to the main thread as work the task left behind, and no other task is blamed.
 *
 * @internal
 * @module
 */

import { parentPort, threadId } from 'node:worker_threads';
import { type Carrier, Context, ContextVar, extractContext } from '@weft/contextvars';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import {
  type FailureKind,
  FIRST_ARG,
  LEFTOVER,
  type LeftoverReport,
  RESULT_UNSENT,
  TASK_FAILED,
  type TaskFailure,
  type TaskMessage,
  TRAMPOLINE_LOADED,
  type UnsentResultReport,
} from './task-protocol.js';
import { taskName } from './task-ref.js';
import { encodeThrown } from './thrown-value.js';

// biome-ignore lint/suspicious/noExplicitAny: a task is any exported function
type AnyFunction = (...args: any[]) => unknown;

interface Loaded {
  readonly fn: AnyFunction;
  readonly name: string;
}

/** One task run in this thread, as its Context's hidden tag. */
interface TaskRecord {
  readonly name: string;
  /** Whether its outcome was handed to piscina. */
  finished: boolean;
  /** Fails the task now (async tasks only: a stray error of the task fails it). */
  fail: ((failure: TaskFailure) => void) | undefined;
}

const loaded = new Map<string, Loaded>();
const taskTag = new ContextVar<TaskRecord>('@weft/executor:task', { hidden: true });

/** The id of the task whose successful outcome was handed to piscina last, until the next task starts. */
let awaitingPost: number | undefined;

process.on('uncaughtException', (error) => onStray('uncaughtException', error));
process.on('unhandledRejection', (reason) => onStray('unhandledRejection', reason));
parentPort?.postMessage({ [TRAMPOLINE_LOADED]: true });

/**
 * An error no code caught. Piscina sends a result that structured clone refuses by throwing the
 * `DataCloneError` from a microtask: that one is the last task's unsendable result. Anything
 * else is attributed through the hidden tag of the context it ran in.
 */
function onStray(source: LeftoverReport['source'], error: unknown): void {
  try {
    const task = taskTag.get(undefined);
    if (task === undefined && awaitingPost !== undefined && isCloneError(error)) {
      const report: UnsentResultReport = { id: awaitingPost, threadId, error: encodeThrown(error) };
      awaitingPost = undefined;
      parentPort?.postMessage({ [RESULT_UNSENT]: report });
      return;
    }
    if (task !== undefined && !task.finished && task.fail !== undefined) {
      task.fail(failure('task', error));
      return;
    }
    const report: LeftoverReport = { task: task?.name ?? null, source, error: encodeThrown(error) };
    parentPort?.postMessage({ [LEFTOVER]: report });
  } catch (failed) {
    // Reporting itself failed: nothing is left but the worker's own error channel.
    queueMicrotask(() => {
      throw failed;
    });
  }
}

function isCloneError(error: unknown): boolean {
  try {
    return typeof error === 'object' && error !== null && (error as Error).name === 'DataCloneError';
  } catch {
    return false;
  }
}

function failure(kind: FailureKind, error: unknown): TaskFailure {
  return { [TASK_FAILED]: kind, error: encodeThrown(error) };
}

async function load(moduleUrl: string, exportName: string): Promise<AnyFunction> {
  let namespace: Record<string, unknown>;
  try {
    namespace = await import(moduleUrl);
  } catch (error) {
    throw new Error(
      `cannot import module ${moduleUrl} for its export '${exportName}': ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
  }
  if (!Object.hasOwn(namespace, exportName)) {
    const exported = Object.keys(namespace).filter((name) => typeof namespace[name] === 'function');
    throw new Error(
      `module ${moduleUrl} has no export '${exportName}' (its exported functions: ${exported.join(', ') || 'none'})`,
    );
  }
  const fn = namespace[exportName];
  if (typeof fn !== 'function') {
    throw new Error(`export '${exportName}' of module ${moduleUrl} is not a function (it is ${typeof fn})`);
  }
  return fn as AnyFunction;
}

/**
 * A task's result as piscina sends it: as it is, except that a `move()`d value (marked by the
 * global symbols, so one from another copy of piscina counts) is marked again by this thread's
 * piscina, which then transfers it.
 */
function answer(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && transferableSymbol in value && valueSymbol in value) {
    const movable = value as Record<symbol, object>;
    return move({
      [transferableSymbol]: movable[transferableSymbol] as object,
      [valueSymbol]: movable[valueSymbol] as object,
    });
  }
  return value;
}

/**
 * Runs one task; piscina calls it with the message built by `WorkerThreadExecutor`. Synchronous
 * as far as the task is: a cached function returning a plain value answers without creating a
 * promise.
 *
 * @throws {TaskFailure} when the task fails (never anything else).
 */
export default function runTask(message: TaskMessage): unknown {
  awaitingPost = undefined;
  const setup = message[4];
  if (setup !== undefined && setup !== lastSetup) {
    let ready: boolean;
    try {
      ready = setUp(setup);
    } catch (error) {
      throw failure('context', error);
    }
    if (!ready) return setUpAndRun(message, setup);
  }
  const entry = loadedFor(message[1], message[2]);
  return entry === undefined ? loadAndRun(message) : run(entry, message);
}

// The target of the last task, whose strings compare cheaper than building and hashing a key.
let lastModuleUrl: string | undefined;
let lastExportName: string | undefined;
let lastLoaded: Loaded | undefined;

/** The loaded function of an export, if it was loaded. */
function loadedFor(moduleUrl: string, exportName: string): Loaded | undefined {
  if (moduleUrl === lastModuleUrl && exportName === lastExportName) return lastLoaded;
  const entry = loaded.get(`${exportName}\u0000${moduleUrl}`);
  if (entry !== undefined) {
    lastModuleUrl = moduleUrl;
    lastExportName = exportName;
    lastLoaded = entry;
  }
  return entry;
}

async function loadAndRun(message: TaskMessage): Promise<unknown> {
  const moduleUrl = message[1];
  const exportName = message[2];
  let fn: AnyFunction;
  try {
    fn = await load(moduleUrl, exportName);
  } catch (error) {
    throw failure('reference', error);
  }
  const entry: Loaded = { fn, name: taskName(moduleUrl, exportName) };
  loaded.set(`${exportName}\u0000${moduleUrl}`, entry);
  return run(entry, message);
}

// Propagation set-up modules imported in this thread (they set its propagator, and may start a
// tracer provider), and the last list (its text) found all imported: a string compares by
// content, so the same list sent with every task matches at once.
const imported = new Set<string>();
let lastSetup: string | undefined;

/** The module URLs of a `setup` text (see {@link TaskMessage.setup}). */
function setupUrls(setup: string): string[] {
  const urls: unknown = JSON.parse(setup);
  if (!Array.isArray(urls) || !urls.every((url) => typeof url === 'string')) {
    throw new TypeError(`expected the JSON text of a list of module URLs, got ${setup.slice(0, 200)}`);
  }
  return urls;
}

/** Whether every module of `setup` is imported already (then remembered as the last list). */
function setUp(setup: string): boolean {
  for (const url of setupUrls(setup)) if (!imported.has(url)) return false;
  lastSetup = setup;
  return true;
}

/** Imports the set-up modules not imported yet (before the context is extracted), then runs the task. */
async function setUpAndRun(message: TaskMessage, setup: string): Promise<unknown> {
  for (const url of setupUrls(setup)) {
    if (imported.has(url)) continue;
    try {
      await import(url);
    } catch (error) {
      throw failure(
        'context',
        new Error(
          `cannot import the propagation set-up module ${url}: ${(error as Error)?.message ?? String(error)}`,
          { cause: error },
        ),
      );
    }
    imported.add(url);
  }
  lastSetup = setup;
  return runTask(message);
}

// The context extracted from the last carrier text, when its values can be shared: consecutive
// tasks from one submitter context then get O(1) copies of it instead of extracting it again.
let lastText: string | undefined;
let lastShared: Context | undefined;
// The last carrier text found not shareable: extracted afresh per task without checking again.
let lastUnshareable: string | undefined;

/**
 * The task's own Context: empty when the main thread sent none, else extracted from the carrier
 * (JSON text) by this thread's propagator (`extractContext`, the one seam). An extracted context
 * is shared (through copies) only when every variable in it is a primitive that no codec
 * produced: an object, or anything a codec decodes, is decoded afresh for each task, so a task
 * mutating it changes nothing that another task sees.
 */
function contextFor(text: string | undefined): Context {
  if (text === undefined) return new Context();
  if (text === lastText && lastShared !== undefined) return lastShared.copy();
  const carrier = JSON.parse(text) as Carrier;
  const context = extractContext(carrier);
  if (text === lastUnshareable) return context;
  if (shareable(context, carrier)) {
    lastText = text;
    lastShared = context;
    return context.copy();
  }
  lastUnshareable = text;
  return context;
}

function shareable(context: Context, carrier: Carrier): boolean {
  let resolved = 0;
  for (const [variable, value] of context) {
    if (variable.codec !== undefined) return false;
    if (typeof value === 'object' ? value !== null : typeof value === 'function') return false;
    resolved++;
  }
  // Every name of the declared variables resolved, and no other propagator bound a visible
  // variable: a value decoded late (by a variable defined later) is decoded in place.
  const declared = (carrier.context as { vars?: object } | undefined)?.vars;
  return resolved === (declared === undefined ? 0 : Object.keys(declared).length);
}

/** Binds the task's tag in its own context, then calls the task with the message's arguments. */
function tagged(record: TaskRecord, fn: AnyFunction, message: TaskMessage): unknown {
  taskTag.set(record);
  switch (message.length - FIRST_ARG) {
    case 0:
      return fn();
    case 1:
      return fn(message[FIRST_ARG]);
    case 2:
      return fn(message[FIRST_ARG], message[FIRST_ARG + 1]);
    default:
      return fn(...message.slice(FIRST_ARG));
  }
}

function run(entry: Loaded, message: TaskMessage): unknown {
  const record: TaskRecord = { name: entry.name, finished: false, fail: undefined };
  let context: Context;
  try {
    context = contextFor(message[3]);
  } catch (error) {
    record.finished = true;
    throw failure('context', error);
  }
  let result: unknown;
  let thenable: boolean;
  try {
    result = context.run(tagged, record, entry.fn, message);
    thenable = typeof (result as PromiseLike<unknown> | null)?.then === 'function';
  } catch (error) {
    record.finished = true;
    throw failure('task', error);
  }
  if (!thenable) {
    record.finished = true;
    awaitingPost = message[0];
    return answer(result);
  }
  return new Promise<unknown>((resolve, reject) => {
    record.fail = (failed) => {
      if (record.finished) return;
      record.finished = true;
      reject(failed);
    };
    Promise.resolve(result).then(
      (value) => {
        if (record.finished) return;
        record.finished = true;
        awaitingPost = message[0];
        resolve(answer(value));
      },
      (error: unknown) => record.fail?.(failure('task', error)),
    );
  });
}
