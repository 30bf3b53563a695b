/**
 * The seam between the log channel and a logging library. `@weft/distributed` does not depend on
 * `@weft/prefect-bridge`: it talks to a {@link LogBridge}, a small interface of four functions. The
 * default bridge is built from `@weft/prefect-bridge`'s public routing functions when that package
 * can be imported (it is an optional peer dependency), so a user of the bridge's run logger gets
 * every worker's records on the coordinator without writing anything. Another logging library can
 * supply its own bridge through the `logs` option of the runner and the worker.
 *
 * @module
 */

/**
 * A log record as the channel carries it: any plain, JSON-serializable object. The channel reads
 * `flowRunId`/`taskRunId` when present (to tell which node a record from a worker thread belongs
 * to) and hands the rest through unchanged.
 */
export interface LogRecordLike {
  readonly flowRunId?: string | null;
  readonly taskRunId?: string | null;
  readonly level?: number;
  readonly [field: string]: unknown;
}

/** The sink the channel installs on a worker (the `LogSink` shape of `@weft/prefect-bridge`). */
export interface ChannelSink {
  readonly level: number;
  write(record: LogRecordLike): void;
  flush?(): Promise<void>;
}

/** What capturing a worker's records gives back. */
export interface Capture {
  /** Where records that belong to no node go (the sinks the worker had before). */
  readonly fallback: (record: LogRecordLike) => void;
  /** Gives the worker its previous sinks back. */
  readonly release: () => void;
}

/**
 * How the log channel meets a logging library. Worker side: {@link capture} routes the process's
 * records into the channel, {@link settle} lets records still travelling inside the process (from
 * worker threads) arrive, {@link runIds} says which run the current context belongs to. Coordinator
 * side: {@link deliver} hands a record that came from a worker to the coordinator's sinks.
 */
export interface LogBridge {
  /** For messages, e.g. `@weft/prefect-bridge`. */
  readonly name: string;
  /** Worker: send every record of this process to `sink` until `release()`. */
  capture(sink: ChannelSink): Capture;
  /** Worker: resolves once records posted so far by worker threads have reached `capture`'s sink. */
  settle?(timeoutMs: number): Promise<unknown>;
  /** Worker: the flow run and task run of the current context (records of worker threads are matched by them). */
  runIds?(): { readonly flowRunId: string | null; readonly taskRunId: string | null };
  /** Coordinator: dispatch a record from a worker to this process's sinks. */
  deliver(record: LogRecordLike): void;
}

/** The part of `@weft/prefect-bridge` the default bridge uses (its public API: routing from `/logging`, run variables from the main entry). */
interface PrefectBridgeModule {
  getDefaultSinks(): readonly ChannelSink[];
  setDefaultSinks(sinks: readonly ChannelSink[]): void;
  dispatchRecord(record: unknown): void;
  waitForWorkerLogs(timeoutMs?: number): Promise<boolean>;
  flowRunVar: { get(fallback: undefined): { id: string } | undefined };
  taskRunVar: { get(fallback: undefined): { id: string } | undefined };
}

/** A bridge on `@weft/prefect-bridge`'s routing (default sinks, `dispatchRecord`, worker-thread forwarding). */
export function prefectLogBridge(bridge: PrefectBridgeModule): LogBridge {
  return {
    name: '@weft/prefect-bridge',
    capture(sink) {
      const previous = bridge.getDefaultSinks();
      bridge.setDefaultSinks([sink]);
      return {
        fallback: (record) => {
          for (const s of previous) {
            if ((record.level ?? 0) < s.level) continue;
            try {
              s.write(record);
            } catch {
              // a failing local sink must not break the node that logged
            }
          }
        },
        release: () => bridge.setDefaultSinks(previous),
      };
    },
    settle: (timeoutMs) => bridge.waitForWorkerLogs(timeoutMs),
    runIds: () => ({
      flowRunId: bridge.flowRunVar.get(undefined)?.id ?? null,
      taskRunId: bridge.taskRunVar.get(undefined)?.id ?? null,
    }),
    deliver: (record) => bridge.dispatchRecord(record),
  };
}

let defaultBridge: Promise<LogBridge | undefined> | undefined;

/**
 * The default bridge: `@weft/prefect-bridge`'s when it can be imported from here, else none (then
 * nothing on a worker can log through it, and there is nothing to carry).
 */
export function defaultLogBridge(): Promise<LogBridge | undefined> {
  defaultBridge ??= (async () => {
    // Variable specifiers: no build-time dependency on the optional peer. The routing is in its
    // logging entry point; the run variables (and the Prefect API sink among a coordinator's
    // default sinks) come with its main one.
    const specifiers = ['@weft/prefect-bridge', '@weft/prefect-bridge/logging'];
    try {
      const [main, logging] = (await Promise.all(specifiers.map((specifier) => import(specifier)))) as [
        Pick<PrefectBridgeModule, 'flowRunVar' | 'taskRunVar'>,
        Omit<PrefectBridgeModule, 'flowRunVar' | 'taskRunVar'>,
      ];
      const mod: PrefectBridgeModule = {
        ...logging,
        flowRunVar: main.flowRunVar,
        taskRunVar: main.taskRunVar,
      };
      return typeof mod.setDefaultSinks === 'function' && typeof mod.dispatchRecord === 'function'
        ? prefectLogBridge(mod)
        : undefined;
    } catch {
      return undefined;
    }
  })();
  return defaultBridge;
}

/** The bridge a `logs` option asks for: a given bridge, none (`false`), or the default. */
export async function resolveLogBridge(
  option: LogBridge | false | undefined,
): Promise<LogBridge | undefined> {
  if (option === false) return undefined;
  if (option !== undefined) return option;
  return defaultLogBridge();
}
