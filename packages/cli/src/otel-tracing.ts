/**
 * `weft run --otel [endpoint]`: the run's trace exported over OTLP/HTTP (Jaeger, an OpenTelemetry
 * Collector, …). Imported only with `--otel`: without it nothing of OpenTelemetry is loaded.
 *
 * @module
 */
import type { Hooks } from '@weft/runner';
import { ConfigError } from './errors.js';
import { OTEL_ENV } from './otel-env.js';

/** A started tracing session of one `weft run`. */
export interface OtelSession {
  /** Where the spans go (the OTLP/HTTP traces URL). */
  readonly tracesUrl: string;
  /** The hooks that open the run's span and the nodes' spans (after the Prefect hooks). */
  readonly hooks: readonly Hooks[];
  /** The trace id of the run, once its span has started. */
  traceId(): string | undefined;
  /**
   * Exports the spans still batched; resolves to why some could not be exported (the collector
   * cannot be reached, …), or undefined when all went out.
   */
  flush(): Promise<string | undefined>;
}

/**
 * Starts tracing for one run: puts the traces URL and service name in the environment (worker
 * threads and the `weft-worker` processes started afterwards read it), imports the set-up module
 * (Weft's context manager, a tracer provider exporting to `tracesUrl`, Weft's propagator with
 * W3C trace context and baggage, set up in every worker too), and returns the hooks. Call it
 * before the runner starts its workers.
 *
 * @throws {ConfigError} when this process already exports to another URL.
 */
export async function startOtelTracing(options: {
  readonly tracesUrl: string;
  readonly serviceName: string;
}): Promise<OtelSession> {
  const current =
    process.env[OTEL_ENV.coordinator] === String(process.pid) ? process.env[OTEL_ENV.url] : undefined;
  if (current !== undefined && current !== options.tracesUrl) {
    throw new ConfigError(
      `--otel: this process already exports traces to ${current}; one process exports to one endpoint (asked: ${options.tracesUrl})`,
    );
  }
  process.env[OTEL_ENV.url] = options.tracesUrl;
  process.env[OTEL_ENV.service] = options.serviceName;
  process.env[OTEL_ENV.coordinator] = String(process.pid);
  const setup = await import('./otel-setup.js');
  const { openTelemetryHooks } = await import('@weft/opentelemetry');
  const { trace } = await import('@opentelemetry/api');
  let traceId: string | undefined;
  // After the tracing hooks, in the run's context: the run's span is the active one.
  const watcher: Hooks = {
    beforePipelineRun: () => {
      traceId = trace.getActiveSpan()?.spanContext().traceId;
    },
  };
  return {
    tracesUrl: options.tracesUrl,
    hooks: [openTelemetryHooks(), watcher],
    traceId: () => traceId,
    flush: async () => {
      // The provider rejects with the exporters' errors (an array) when a batch did not go out.
      const failed = await setup.provider.forceFlush().then(
        () => undefined,
        (error: unknown) => describeExportError(error),
      );
      return setup.takeExportProblem() ?? failed;
    },
  };
}

function describeExportError(error: unknown): string {
  const first = Array.isArray(error) ? error[0] : error;
  if (first instanceof Error) {
    const code = (first as { code?: unknown }).code;
    return typeof code === 'string' && !first.message.includes(code)
      ? `${code}: ${first.message}`
      : first.message;
  }
  return String(first);
}
