/**
 * What of one run did not reach the Prefect server: counted while the run goes (by its API sinks
 * and its run tracker), told once at its end as a WARNING line of the run's own log.
 *
 * @module
 */
import type { LogSink } from './log-record.js';
import { PrefectApiSink } from './prefect-api-sink.js';
import type { FlowRunInfo } from './run-context.js';
import { flowRunLogger } from './run-logger.js';
import type { RunTracker } from './run-tracker.js';

/**
 * What of a run did not reach the Prefect server (all zero / false when everything did).
 *
 * @since 0.1.0
 */
export interface RunDelivery {
  /** The server concerned. */
  readonly apiUrl: string;
  /** Log records of the run not sent (failed or dropped). */
  readonly logsNotSent: number;
  /** Log records of the run still queued or in flight when the run ended (the flush timed out). */
  readonly logsWaiting: number;
  /** The flow run exists only locally. */
  readonly flowRunNotCreated: boolean;
  /** Task runs that exist only locally. */
  readonly taskRunsNotCreated: number;
  /** State changes not sent. */
  readonly statesNotSent: number;
  /** Why, when the server was found unavailable: `<since ISO time>: <reason>`. */
  readonly unavailable: string | undefined;
}

/** The API sinks of a run, each counting the run's undelivered records until {@link endDelivery}. */
export function trackDelivery(flowRunId: string, sinks: readonly LogSink[]): PrefectApiSink[] {
  const apiSinks = sinks.filter((s): s is PrefectApiSink => s instanceof PrefectApiSink);
  for (const sink of apiSinks) sink.trackRun(flowRunId);
  return apiSinks;
}

/**
 * Stops counting and returns what did not reach the server, or `undefined` when nothing was lost
 * (records merely still being sent do not count as lost).
 */
export function endDelivery(
  flowRunId: string,
  apiSinks: readonly PrefectApiSink[],
  tracker: RunTracker,
): RunDelivery | undefined {
  let logsNotSent = 0;
  let logsWaiting = 0;
  let apiUrl: string | undefined;
  let availability: { available: boolean; since: number | undefined; reason: string | undefined } | undefined;
  for (const sink of apiSinks) {
    const d = sink.deliveryOf(flowRunId);
    sink.untrackRun(flowRunId);
    if (d === undefined || d.notSent + d.waiting === 0) continue;
    logsNotSent += d.notSent;
    logsWaiting += d.waiting;
    apiUrl ??= sink.client.apiUrl;
    availability ??= sink.client.availability;
  }
  const gaps = tracker.reportGaps?.(flowRunId);
  const trackerClient = (tracker as { client?: PrefectApiSink['client'] }).client;
  if (gaps !== undefined && trackerClient !== undefined) {
    apiUrl ??= trackerClient.apiUrl;
    if (availability === undefined || availability.available) availability = trackerClient.availability;
  }
  if (apiUrl === undefined) return undefined;
  // records still being sent (a slow server outlasting the flush) are not lost: the sink either
  // delivers them or counts them as failed; only a loss is worth a warning
  if (
    logsNotSent === 0 &&
    (gaps === undefined ||
      (!gaps.flowRunNotCreated && gaps.taskRunsNotCreated === 0 && gaps.statesNotSent === 0))
  ) {
    return undefined;
  }
  return {
    apiUrl,
    logsNotSent,
    logsWaiting,
    flowRunNotCreated: gaps?.flowRunNotCreated ?? false,
    taskRunsNotCreated: gaps?.taskRunsNotCreated ?? 0,
    statesNotSent: gaps?.statesNotSent ?? 0,
    unavailable:
      availability !== undefined && !availability.available && availability.since !== undefined
        ? `${new Date(availability.since).toISOString()}: ${availability.reason ?? 'unknown'}`
        : undefined,
  };
}

/** The one line that tells a run's user what did not reach the server. */
export function deliveryMessage(d: RunDelivery): string {
  const logs = `${d.logsNotSent} log record(s) not sent${d.logsWaiting > 0 ? `, ${d.logsWaiting} still waiting to be sent` : ''}`;
  const runs = `${d.flowRunNotCreated ? 'the flow run, ' : ''}${d.taskRunsNotCreated} task run(s) and ${d.statesNotSent} state change(s) not reported`;
  const why = d.unavailable === undefined ? '' : ` The server has been unavailable since ${d.unavailable}.`;
  return `Not everything of this run reached Prefect at ${d.apiUrl}: ${logs}; ${runs}.${why}`;
}

/**
 * Ends the counting for a run and, when something did not reach the server, logs
 * {@link deliveryMessage} at WARNING on the run's flow-run logger (kept away from the API sinks,
 * with `send_to_api: false`) and returns the figures.
 */
export function reportDelivery(
  flowRun: FlowRunInfo,
  apiSinks: readonly PrefectApiSink[],
  tracker: RunTracker,
): RunDelivery | undefined {
  const delivery = endDelivery(flowRun.id, apiSinks, tracker);
  if (delivery !== undefined) {
    flowRunLogger(flowRun).warning(deliveryMessage(delivery), { send_to_api: false });
  }
  return delivery;
}
