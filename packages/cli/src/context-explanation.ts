/**
 * Plain words for what missing context does to a run: after a run that failed because code found
 * no run context (`getRunLogger()` raising `MissingContextError`, a `ContextVar` read with no value:
 * `LookupError`), and after a run with `--no-context`, which starts every node in an empty context.
 *
 * @module
 */

/** The failure a context problem caused, found in an error's cause chain. */
interface ContextProblem {
  readonly kind: 'run-context' | 'variable';
  readonly message: string;
  /** The variable without a value (`LookupError`). */
  readonly variable?: string;
}

function findContextProblem(error: unknown): ContextProblem | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e !== null && e !== undefined && !seen.has(e); ) {
    seen.add(e);
    const { name, code, message, varName } = e as {
      name?: unknown;
      code?: unknown;
      message?: unknown;
      varName?: unknown;
    };
    const text = typeof message === 'string' ? message : String(e);
    if (name === 'MissingContextError' || code === 'MISSING_CONTEXT')
      return { kind: 'run-context', message: text };
    if (name === 'LookupError' || code === 'ERR_CONTEXTVAR_LOOKUP') {
      return {
        kind: 'variable',
        message: text,
        ...(typeof varName === 'string' ? { variable: varName } : {}),
      };
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

const ISSUES =
  "This is Prefect's get_run_logger() inside a ThreadPoolExecutor (PrefectHQ/prefect#8652) and Kedro " +
  "nodes running outside the caller's context (kedro-org/kedro#4515).";

/**
 * What a failed run's context problem means, or `undefined` when the failure is not one.
 *
 * @example
 * ```ts
 * explainContextFailure(error, { propagateContext: false, node: 'train_model' });
 * ```
 */
export function explainContextFailure(
  error: unknown,
  run: { readonly propagateContext: boolean; readonly node?: string | undefined },
): string | undefined {
  const problem = findContextProblem(error);
  if (problem === undefined) return undefined;
  const where = run.node === undefined ? 'A node' : `Node '${run.node}'`;
  const lines: string[] = [];
  if (problem.kind === 'run-context') {
    lines.push(
      `${where} called getRunLogger() where no flow run or task run was bound: the code ran in a context without the run's values.`,
    );
  } else {
    lines.push(
      `${where} read the context variable${problem.variable === undefined ? '' : ` '${problem.variable}'`}, which had no value there.`,
    );
  }
  if (!run.propagateContext) {
    lines.push(
      "The run had context propagation off (--no-context): every node started in an empty context, so values set before the run did not reach it, nor the work it handed to executors. Each node's own task run is still bound inside the node by the Prefect hooks.",
      ISSUES,
      'Run again without --no-context: the values follow every node, on every runner.',
    );
  } else {
    lines.push(
      "Context propagation was on, so the context was lost inside the node: work handed to an executor or a thread pool that does not carry context (an executor created with propagateContext: false), or a callback scheduled outside the node. Weft's executors carry it by default.",
      ISSUES,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The note after a completed `--no-context` run. */
export const NO_CONTEXT_NOTE =
  "Ran with context propagation off (--no-context): nodes started in an empty context, so values set before the run (context variables) did not reach them; each node's task run was bound inside the node.\n";
