/**
 * Prefect for `weft run`: with `--prefect [url]` the run is reported to a Prefect server (a flow
 * run, a task run per node, the logs), checked first with `/health`; without it, a project that
 * uses `@weft/prefect-bridge` still gets the embedded run context (so `getRunLogger()` works in
 * its nodes) with logs on the console. `@weft/prefect-bridge` is imported only then.
 *
 * @module
 */
import type { Hooks } from '@weft/runner';
import { CliError } from './errors.js';

/** What `--prefect [url]` and `--prefect-required` asked for. */
export interface PrefectRequest {
  /** The API URL; default `PREFECT_API_URL`, else a local server's `http://127.0.0.1:4200/api`. */
  readonly apiUrl?: string | undefined;
  /** Refuse to run when the server cannot be reached, and fail the command when the run was not reported. */
  readonly required?: boolean | undefined;
}

/** Where and whether a run was reported, for the summary. */
export interface PrefectSummary {
  /** `server` with `--prefect`; `embedded` when only the run context was used (nothing sent). */
  readonly mode: 'server' | 'embedded';
  readonly apiUrl?: string;
  /** The Prefect UI (`PREFECT_UI_URL`, else the API URL without `/api`). */
  readonly uiUrl?: string;
  /** Whether the server answered `/health` before the run. */
  readonly reachable: boolean;
  /** What went wrong with the server, in words. */
  readonly problem?: string;
  readonly flowRunId?: string;
  readonly flowRunName?: string;
  /** The flow run's page in the Prefect UI. */
  readonly flowRunUrl?: string;
  /** Whether the server holds the flow run in its final state (checked after the run). */
  readonly reported: boolean;
  /** Log records the server did not get. */
  readonly logsLost?: number;
}

/** The hooks of one run and how to finish it. */
export interface PrefectSession {
  readonly hooks: Hooks;
  /** Where the flow run goes, in words: the API URL, or `local (no server)`. */
  readonly reportedTo: string;
  /**
   * Logs a line of the runner's own (Kedro's skip lines) under the run's flow run, as Prefect's
   * flow-run logger would; false when the flow run is not known (then log it otherwise).
   */
  logFlow(runId: string, level: 'info' | 'warning', message: string): boolean;
  /** The task run bound in the current node's context (call from a node hook that runs after these). */
  currentTaskRun(): { id: string; name: string } | undefined;
  /** Ends the session after the run: checks the server, closes the log sink. */
  finish(runId: string, ok: boolean): Promise<PrefectSummary>;
}

/** The API URL `--prefect` means without a value. */
export function defaultPrefectApiUrl(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const configured = env.PREFECT_API_URL?.trim();
  return configured !== undefined && configured !== '' ? configured : 'http://127.0.0.1:4200/api';
}

/** The UI base URL for an API URL. */
export function prefectUiUrl(
  apiUrl: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const ui = env.PREFECT_UI_URL?.trim();
  if (ui !== undefined && ui !== '') return ui.replace(/\/+$/, '');
  return apiUrl.replace(/\/+$/, '').replace(/\/api$/, '');
}

/**
 * Sets up Prefect reporting for one run. `request` undefined means the embedded mode.
 *
 * @throws {CliError} (exit 2) when `required` and the server cannot be reached; the run does not start.
 */
export async function startPrefect(options: {
  readonly request: PrefectRequest | undefined;
  readonly flowName: string;
  readonly flowRunName: string;
  readonly tags: readonly string[];
  readonly log: (line: string) => void;
}): Promise<PrefectSession> {
  const [bridge, logging] = await Promise.all([
    import('@weft/prefect-bridge'),
    import('@weft/prefect-bridge/logging'),
  ]);
  const consoleSink = new logging.ConsoleSink({
    stream: { write: (text: string) => options.log(text.replace(/\n$/, '')) },
  });
  const common = {
    flowName: options.flowName,
    flowRunName: () => options.flowRunName,
    tags: options.tags,
  };
  const currentTaskRun = () => {
    const t = bridge.taskRunVar.get(undefined);
    return t === undefined ? undefined : { id: t.id, name: t.name };
  };
  const flowLogger =
    (hooks: ReturnType<typeof bridge.prefectHooks>) =>
    (runId: string, level: 'info' | 'warning', message: string): boolean => {
      const flowRun = hooks.flowRunFor(runId);
      if (flowRun === undefined) return false;
      const logger = bridge.flowRunLogger({
        id: flowRun.id,
        name: flowRun.name,
        flowName: options.flowName,
      });
      if (level === 'warning') logger.warning(message);
      else logger.info(message);
      return true;
    };
  if (options.request === undefined) {
    const hooks = bridge.prefectHooks({ ...common, client: null, sinks: [consoleSink] });
    return {
      hooks,
      reportedTo: 'local (no server)',
      logFlow: flowLogger(hooks),
      currentTaskRun,
      finish: async (runId) => {
        const flowRun = hooks.flowRunFor(runId);
        return {
          mode: 'embedded',
          reachable: true,
          reported: false,
          ...(flowRun === undefined ? {} : { flowRunId: flowRun.id, flowRunName: flowRun.name }),
        };
      },
    };
  }
  const apiUrl = options.request.apiUrl ?? defaultPrefectApiUrl();
  const uiUrl = prefectUiUrl(apiUrl);
  let client: InstanceType<typeof bridge.PrefectClient>;
  try {
    client = new bridge.PrefectClient({ apiUrl, maxRetries: 2, timeoutMs: 10_000 });
  } catch (error) {
    throw new CliError('ERR_CLI_USAGE', `--prefect: ${(error as Error).message}`, { cause: error });
  }
  let problem: string | undefined;
  try {
    const healthy = await client.health({ signal: AbortSignal.timeout(5000), retry: false });
    if (!healthy) problem = 'its /health check did not answer true';
  } catch (error) {
    problem = describeProblem(error);
  }
  if (problem !== undefined && options.request.required) {
    throw new CliError(
      'ERR_CLI_PREFECT',
      `--prefect-required: the Prefect server at ${apiUrl} cannot be reached (${problem}); the run did not start. Start it (prefect server start) or run without --prefect-required.`,
    );
  }
  if (problem !== undefined) {
    // Report nothing (no retries against a dead server); the run context still works locally.
    const hooks = bridge.prefectHooks({ ...common, client: null, sinks: [consoleSink] });
    return {
      hooks,
      reportedTo: `local (${apiUrl} could not be reached)`,
      logFlow: flowLogger(hooks),
      currentTaskRun,
      finish: async (runId) => {
        const flowRun = hooks.flowRunFor(runId);
        return {
          mode: 'server',
          apiUrl,
          uiUrl,
          reachable: false,
          problem,
          reported: false,
          ...(flowRun === undefined ? {} : { flowRunId: flowRun.id, flowRunName: flowRun.name }),
        };
      },
    };
  }
  const apiSink = new bridge.PrefectApiSink({ client });
  const hooks = bridge.prefectHooks({ ...common, client, sinks: [consoleSink, apiSink] });
  return {
    hooks,
    reportedTo: apiUrl,
    logFlow: flowLogger(hooks),
    currentTaskRun,
    finish: async (runId, ok) => {
      await apiSink.close({ timeoutMs: 10_000 });
      const stats = apiSink.stats;
      const flowRun = hooks.flowRunFor(runId);
      const base = {
        mode: 'server' as const,
        apiUrl,
        uiUrl,
        reachable: true,
        ...(stats.dropped + stats.failed > 0 ? { logsLost: stats.dropped + stats.failed } : {}),
      };
      if (flowRun === undefined) return { ...base, reported: false, problem: 'no flow run was created' };
      const run = { flowRunId: flowRun.id, flowRunName: flowRun.name };
      try {
        const stored = await client.readFlowRun(flowRun.id, { signal: AbortSignal.timeout(10_000) });
        const state =
          (stored as { state_type?: string; state?: { type?: string } }).state?.type ??
          (stored as { state_type?: string }).state_type;
        const expected = ok ? 'COMPLETED' : 'FAILED';
        if (state === expected || (!ok && state === 'CANCELLED')) {
          return { ...base, ...run, reported: true, flowRunUrl: `${uiUrl}/runs/flow-run/${flowRun.id}` };
        }
        return {
          ...base,
          ...run,
          reported: false,
          flowRunUrl: `${uiUrl}/runs/flow-run/${flowRun.id}`,
          problem: `the server shows the flow run as ${state ?? 'unknown'}, not ${expected}`,
        };
      } catch (error) {
        return {
          ...base,
          ...run,
          reported: false,
          problem: `the flow run is not on the server (${describeProblem(error)})`,
        };
      }
    },
  };
}

function describeProblem(error: unknown): string {
  const parts: string[] = [];
  for (
    let e: unknown = error;
    e !== undefined && e !== null && parts.length < 3;
    e = (e as { cause?: unknown }).cause
  ) {
    const message = (e as { message?: unknown }).message;
    const code = (e as { code?: unknown }).code;
    if (typeof message === 'string' && !parts.includes(message)) parts.push(message);
    if (typeof code === 'string' && /^E[A-Z]+/.test(code) && !parts.some((p) => p.includes(code)))
      parts.push(code);
  }
  return parts.join(': ') || String(error);
}
