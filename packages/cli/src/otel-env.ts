/**
 * The environment variables `weft run --otel` sets for itself and the workers it starts, read by
 * its set-up module (`otel-setup.ts`).
 *
 * @module
 */

/** Names of the environment variables of `--otel`. */
export const OTEL_ENV = {
  /** The OTLP/HTTP traces URL (`…/v1/traces`). */
  url: 'WEFT_OTEL_TRACES_URL',
  /** The `service.name` of the spans. */
  service: 'WEFT_OTEL_SERVICE',
  /** The pid of the `weft` process (the one that batches; worker processes export at once). */
  coordinator: 'WEFT_OTEL_COORDINATOR_PID',
} as const;
