/**
 * The worker side of `WorkerThreadExecutor`: piscina's `filename`. For each task it imports the
 * target module (once), rebuilds the submitter's context when one was sent, runs the export
 * inside it and answers with a {@link TaskOutcome} envelope (never a rejection), so that errors
 * arrive whole and worker failures are told apart from task failures.
 *
 * When a task carries no context the trampoline does not enter one, so a worker that only runs
 * such tasks never switches AsyncLocalStorage on (and keeps Node's fast `await`).
 *
 * @internal
 * @module
 */

import { parentPort } from 'node:worker_threads';
import { Context, copyContext, deserializeContext, type SerializedContext } from '@weft/contextvars';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { type FailureKind, type TaskMessage, type TaskOutcome, TRAMPOLINE_LOADED } from './task-protocol.js';
import { encodeThrown } from './thrown-value.js';

// biome-ignore lint/suspicious/noExplicitAny: a task is any exported function
type AnyFunction = (...args: any[]) => unknown;

const functions = new Map<string, AnyFunction>();

parentPort?.postMessage({ [TRAMPOLINE_LOADED]: true });

function failure(kind: FailureKind, error: unknown): TaskOutcome {
  return { ok: false, kind, error: encodeThrown(error) };
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

/** Wraps a result in the success envelope, keeping a `move()`d value transferable. */
function success(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && transferableSymbol in value && valueSymbol in value) {
    const movable = value as Record<symbol, object>;
    return move({
      [transferableSymbol]: movable[transferableSymbol] as object,
      [valueSymbol]: { ok: true, value: movable[valueSymbol] } as object,
    });
  }
  return { ok: true, value } satisfies TaskOutcome;
}

/**
 * Runs one task; piscina calls it with the message built by `WorkerThreadExecutor`. Synchronous
 * as far as the task is: a cached function returning a plain value answers without creating a
 * promise (each one costs more once AsyncLocalStorage is on in this thread).
 */
export default function runTask(message: TaskMessage): unknown {
  const { target } = message;
  const fn = functions.get(`${target.exportName}\u0000${target.moduleUrl}`);
  return fn === undefined ? loadAndRun(message) : run(fn, message);
}

async function loadAndRun(message: TaskMessage): Promise<unknown> {
  const { moduleUrl, exportName } = message.target;
  let fn: AnyFunction;
  try {
    fn = await load(moduleUrl, exportName);
  } catch (error) {
    return failure('reference', error);
  }
  functions.set(`${exportName}\u0000${moduleUrl}`, fn);
  return run(fn, message);
}

// The context rebuilt for the last context text: consecutive tasks from one submitter context
// get O(1) copies of it instead of parsing and rebuilding it again.
let lastText: string | undefined;
let lastContext: Context | undefined;

/** A fresh copy (the task's own) of the context the main thread sent as JSON text. */
function contextFor(text: string): Context {
  if (text !== lastText || lastContext === undefined) {
    lastContext = deserializeContext(JSON.parse(text) as SerializedContext);
    lastText = text;
  }
  return lastContext.copy();
}

function run(fn: AnyFunction, message: TaskMessage): unknown {
  const { ctx, args } = message;
  let context: Context | undefined;
  if (ctx !== undefined) {
    try {
      context = contextFor(ctx);
    } catch (error) {
      return failure('context', error);
    }
  } else if (copyContext().size > 0) {
    // An earlier context-less task bound variables in this thread's root context: isolate this
    // one from them (at the price of entering a context, which it would otherwise avoid).
    context = new Context();
  }
  let result: unknown;
  try {
    result = context === undefined ? fn(...args) : context.run(fn, ...args);
  } catch (error) {
    return failure('task', error);
  }
  if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
    return Promise.resolve(result).then(success, (error: unknown) => failure('task', error));
  }
  return success(result);
}
