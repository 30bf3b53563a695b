/**
 * Task references: how a `WorkerThreadExecutor` task names the function to run in a worker (a
 * named export of a module), with its argument and result types.
 *
 * @module
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from './errors.js';
import { show } from './validation.js';

/** Type-only marker carrying a task's signature. */
declare const taskSignature: unique symbol;

const TASK_REF_BRAND: unique symbol = Symbol.for('@weft/executor/TaskRef') as never;

/**
 * A reference to a named export of a module, to run in a worker thread: create it with
 * {@link defineTasks} or {@link taskRef}, pass it to `WorkerThreadExecutor.submit`. It is plain
 * data (module URL and export name) plus the function's argument and result types.
 */
export interface TaskRef<A extends unknown[] = unknown[], R = unknown> {
  /** Absolute `file:` URL of the module. */
  readonly moduleUrl: string;
  /** Name of the export (`'default'` for the default export). */
  readonly exportName: string;
  /** `'<file name>#<export>'`, used in messages. */
  readonly name: string;
  /** Type-only: the task's signature. */
  readonly [taskSignature]: (...args: A) => R;
}

/** The arguments of a task: a function's parameters, or a {@link TaskRef}'s. */
export type TaskArgs<T> =
  T extends TaskRef<infer A, unknown>
    ? A
    : // biome-ignore lint/suspicious/noExplicitAny: matches every function signature
      T extends (...args: infer A) => any
      ? A
      : never;

/** The (awaited) result of a task: a function's, or a {@link TaskRef}'s. */
export type TaskResult<T> =
  T extends TaskRef<infer _A, infer R>
    ? Awaited<R>
    : // biome-ignore lint/suspicious/noExplicitAny: matches every function signature
      T extends (...args: any[]) => infer R
      ? Awaited<R>
      : never;

// biome-ignore lint/suspicious/noExplicitAny: any function can be a task
type AnyFunction = (...args: any[]) => unknown;

/** The TaskRef type of a function. */
export type TaskRefOf<F extends AnyFunction> = TaskRef<Parameters<F>, Awaited<ReturnType<F>>>;

function moduleUrlOf(module: unknown, where: string): string {
  if (module instanceof URL) module = module.href;
  if (typeof module !== 'string' || module === '') {
    throw new InvalidArgumentError(
      `${where}: module must be a file URL (import.meta.url) or an absolute path, got ${show(module)}`,
    );
  }
  if (module.startsWith('file:')) {
    try {
      return new URL(module).href;
    } catch (cause) {
      throw new InvalidArgumentError(`${where}: module ${show(module)} is not a valid URL`, { cause });
    }
  }
  if (isAbsolute(module)) return pathToFileURL(module).href;
  throw new InvalidArgumentError(
    `${where}: module ${show(module)} is not an absolute file URL or path; a worker cannot resolve it. ` +
      `Pass import.meta.url from the task module, new URL('./tasks.js', import.meta.url), ` +
      `or import.meta.resolve('<package>/<path>')`,
  );
}

function checkExportName(exportName: unknown, where: string): string {
  if (typeof exportName !== 'string' || exportName === '') {
    throw new InvalidArgumentError(
      `${where}: the export name must be a non-empty string, got ${show(exportName)}`,
    );
  }
  return exportName;
}

/**
 * `'<file name>#<export>'`: how a task is named in messages, on both sides of a thread boundary.
 *
 * @internal
 */
export function taskName(moduleUrl: string, exportName: string): string {
  return `${moduleUrl.slice(moduleUrl.lastIndexOf('/') + 1)}#${exportName}`;
}

function makeRef(moduleUrl: string, exportName: string): TaskRef<never, unknown> {
  const ref = { moduleUrl, exportName, name: taskName(moduleUrl, exportName) };
  Object.defineProperty(ref, TASK_REF_BRAND, { value: true });
  return Object.freeze(ref) as unknown as TaskRef<never, unknown>;
}

/**
 * A reference to export `exportName` of `module`, typed by the function type `F`:
 * `taskRef<typeof resize>(import.meta.url, 'resize')`. Prefer {@link defineTasks}, which takes
 * the names and types from the functions themselves. Use this one when the main thread must not
 * import the task module (give a type-only import for `F`).
 *
 * The export is checked lazily, in the worker: a missing module, missing export or an export that
 * is not a function fails the task with a `TaskReferenceError` naming the module and the export.
 *
 * @param module the module's absolute `file:` URL (`import.meta.url` inside it, or
 *   `new URL('./tasks.js', import.meta.url)` next to it) or absolute path.
 */
export function taskRef<F extends AnyFunction>(module: string | URL, exportName: string): TaskRefOf<F> {
  return makeRef(moduleUrlOf(module, 'taskRef()'), checkExportName(exportName, 'taskRef()')) as TaskRefOf<F>;
}

/**
 * References to several exports of one module, named and typed by the functions themselves.
 * Call it in the task module, with the exported functions in shorthand properties, so that each
 * key is the export's name:
 *
 * ```ts
 * // tasks.ts
 * export async function resize(image: Uint8Array, width: number) { ... }
 * export function checksum(data: string) { ... }
 * export const tasks = defineTasks(import.meta.url, { resize, checksum });
 *
 * // main.ts
 * const thumb = await executor.submit(tasks.resize, bytes, 200); // typed: (Uint8Array, number)
 * ```
 *
 * Importing `tasks` loads the task module on the main thread too; use {@link taskRef} with a
 * type-only import to avoid that.
 */
export function defineTasks<T extends Record<string, AnyFunction>>(
  module: string | URL,
  tasks: T,
): { readonly [K in keyof T & string]: TaskRefOf<T[K]> } {
  const moduleUrl = moduleUrlOf(module, 'defineTasks()');
  if (typeof tasks !== 'object' || tasks === null) {
    throw new InvalidArgumentError(
      `defineTasks(): expected an object of exported functions, got ${show(tasks)}`,
    );
  }
  const refs: Record<string, TaskRef<never, unknown>> = {};
  for (const [exportName, fn] of Object.entries(tasks)) {
    if (typeof fn !== 'function') {
      throw new InvalidArgumentError(
        `defineTasks(): '${exportName}' must be an exported function of ${moduleUrl}, got ${show(fn)}`,
      );
    }
    refs[exportName] = makeRef(moduleUrl, exportName);
  }
  return Object.freeze(refs) as { readonly [K in keyof T & string]: TaskRefOf<T[K]> };
}

/** Whether `value` is a {@link TaskRef} (made by any copy of this package). */
export function isTaskRef(value: unknown): value is TaskRef {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TASK_REF_BRAND] === true
  );
}
