/**
 * Guards for runners that import the module holding the node functions (ParallelRunner on the main
 * thread and in its worker threads, DistributedRunner and its workers): importing a module
 * evaluates its top-level code, so a module that runs its own pipeline at top level either waits
 * for itself (a top-level `await` of the run: the import can never finish, and Node exits with
 * code 13 and no message) or starts the run again in every worker. Both are detected here and
 * turned into errors that say what to do.
 *
 * @module
 */
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { RunnerConfigError } from './errors.js';

/** How long an import of a module whose top-level code called `run()` may take before a warning. */
const STILL_EVALUATING_WARNING_MS = 2000;

/** Module URLs this process is importing through {@link importGuarded} right now. */
const importing = new Map<string, number>();

/** Imports waiting while nothing else can happen; `beforeExit` fails them (see {@link importGuarded}). */
const stalled = new Set<() => void>();
let listening = false;

function onBeforeExit(): void {
  const waiting = [...stalled];
  stalled.clear();
  for (const fail of waiting) fail();
}

/** `file:///a/b.js?x#y` and `/a/b.js` → `file:///a/b.js`. */
function moduleKey(fileName: string): string {
  const href = fileName.startsWith('file:') ? fileName : pathToFileURL(fileName).href;
  const end = href.search(/[?#]/);
  return end === -1 ? href : href.slice(0, end);
}

interface CallSiteLike {
  getFileName(): string | null | undefined;
  getFunctionName(): string | null;
  getEnclosingLineNumber?(): number | null;
  getEnclosingColumnNumber?(): number | null;
}

/**
 * The one of `modules` whose top-level code is on the current call stack (so the module has not
 * finished evaluating), if any. Top-level code is the frame whose enclosing function starts at
 * line 1, column 1 of the module: its module body, not a function or callback defined in it.
 */
export function topLevelCallerAmong(modules: readonly string[]): string | undefined {
  const wanted = new Map(modules.map((m) => [moduleKey(m), m]));
  const original = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  let sites: CallSiteLike[] = [];
  try {
    Error.stackTraceLimit = 200;
    Error.prepareStackTrace = (_error, callSites) => callSites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, topLevelCallerAmong);
    if (Array.isArray(holder.stack)) sites = holder.stack as CallSiteLike[];
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = original;
    Error.stackTraceLimit = limit;
  }
  for (const site of sites) {
    const file = site.getFileName();
    if (typeof file !== 'string' || site.getFunctionName() !== null) continue;
    if (typeof site.getEnclosingLineNumber !== 'function') return undefined;
    if (site.getEnclosingLineNumber() !== 1 || site.getEnclosingColumnNumber?.() !== 1) continue;
    const match = wanted.get(moduleKey(file));
    if (match !== undefined) return match;
  }
  return undefined;
}

/**
 * Refuses a run started by the top-level code of module `caller` (from
 * {@link topLevelCallerAmong}) while that module is being imported to find node functions (a worker thread, or a `weft-worker` process): left alone, every
 * worker would start the run again, and its workers again.
 *
 * @throws {RunnerConfigError} `ERR_RUNNER_MODULE_TOP_LEVEL`, naming the module and the guard to add.
 */
export function refuseRunFromWorkerImport(caller: string | undefined, runner: string): void {
  if (caller === undefined) return;
  if (isMainThread && !importing.has(caller)) return;
  throw new RunnerConfigError(
    'ERR_RUNNER_MODULE_TOP_LEVEL',
    `${runner}: the top-level code of ${caller} started a pipeline run while that module was being imported to find node functions (by a worker thread, a weft-worker or a runner). ` +
      'Workers evaluate the top-level code of the module they are given, so it must not run the pipeline: ' +
      'put the node functions (and the pipeline) in a module of their own and run it from another one, ' +
      "or guard the code that runs it (if (isMainThread) { … } from 'node:worker_threads' for ParallelRunner; " +
      'if (import.meta.main) { … } on Node 24.2+, or a check of process.argv[1], for weft-worker).',
  );
}

/**
 * Imports `moduleUrl`, failing instead of letting the process exit silently when the import can
 * never finish: when the event loop runs dry while it is pending, nothing can complete the
 * module's evaluation any more (its top-level code is waiting, directly or not, for the run that
 * imports it). `calledFromTopLevel` says the run was started by that module's top-level code: if
 * the import then takes longer than 2 s, a warning says why it may never end.
 *
 * @throws {RunnerConfigError} `ERR_RUNNER_MODULE_CYCLE`, naming `where` and the module and saying
 * what to do.
 */
export function importGuarded(
  moduleUrl: string,
  where: string,
  calledFromTopLevel: boolean,
): Promise<Record<string, unknown>> {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const advice =
      'Put the node functions (and the pipeline) in a module of their own, point the runner at it ' +
      "(module: new URL('./nodes.js', import.meta.url)), and run the pipeline from another module.";
    const finish = () => {
      done = true;
      stalled.delete(onStall);
      if (timer !== undefined) clearTimeout(timer);
      const left = (importing.get(moduleUrl) ?? 1) - 1;
      if (left > 0) importing.set(moduleUrl, left);
      else importing.delete(moduleUrl);
    };
    const onStall = () => {
      if (done) return;
      finish();
      reject(
        new RunnerConfigError(
          'ERR_RUNNER_MODULE_CYCLE',
          `${where} cannot import module ${moduleUrl}: it has not finished evaluating and cannot before this run ends ` +
            '(its top-level code awaits the run, directly or not), so Node would exit with code 13 and no message. ' +
            advice,
        ),
      );
    };
    importing.set(moduleUrl, (importing.get(moduleUrl) ?? 0) + 1);
    stalled.add(onStall);
    if (!listening) {
      listening = true;
      process.on('beforeExit', onBeforeExit);
    }
    if (calledFromTopLevel) {
      timer = setTimeout(() => {
        if (done) return;
        process.emitWarning(
          `${where} is still waiting to import ${moduleUrl}, whose top-level code started this run: if that code awaits the run, the import never ends. ${advice}`,
          { code: 'WEFT_MODULE_STILL_EVALUATING' },
        );
      }, STILL_EVALUATING_WARNING_MS);
      timer.unref();
    }
    import(moduleUrl).then(
      (namespace: Record<string, unknown>) => {
        if (done) return;
        finish();
        resolve(namespace);
      },
      (error: unknown) => {
        if (done) return;
        finish();
        reject(error);
      },
    );
  });
}
