/**
 * Where `weft run --otel [endpoint]` sends the run's trace: the OTLP/HTTP traces URL, from the
 * flag or OpenTelemetry's own environment variables.
 *
 * @module
 */
import { UsageError } from './errors.js';

/** The default OTLP/HTTP endpoint (an OpenTelemetry Collector or Jaeger on this machine). */
export const DEFAULT_OTLP_ENDPOINT = 'http://127.0.0.1:4318';

/**
 * The OTLP/HTTP traces URL for `--otel [endpoint]`: the endpoint given (a base URL; `/v1/traces`
 * is appended unless it is there), else `$OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is, else
 * `$OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else {@link DEFAULT_OTLP_ENDPOINT} + `/v1/traces`
 * (OpenTelemetry's rules for these variables).
 *
 * @throws {UsageError} for an endpoint that is not an http(s) URL.
 */
export function otlpTracesUrl(
  endpoint: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const perSignal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || undefined;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  const asGiven = endpoint === undefined && perSignal !== undefined;
  const chosen = endpoint ?? perSignal ?? base ?? DEFAULT_OTLP_ENDPOINT;
  let url: URL;
  try {
    url = new URL(chosen);
  } catch {
    throw new UsageError(
      `--otel ${chosen}: not a URL; give the OTLP/HTTP endpoint, e.g. ${DEFAULT_OTLP_ENDPOINT}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `--otel ${chosen}: OTLP/HTTP needs an http:// or https:// URL, e.g. ${DEFAULT_OTLP_ENDPOINT}`,
    );
  }
  if (asGiven || /\/v1\/traces\/?$/.test(url.pathname)) return url.href;
  return `${url.href.replace(/\/$/, '')}/v1/traces`;
}
