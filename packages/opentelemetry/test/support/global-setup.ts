/**
 * Vitest globalSetup of the opentelemetry project: one real Jaeger v2 for all test files (memory
 * storage, OTLP/HTTP in, query API out, free loopback ports), provided as `inject('jaeger')`
 * (`null` when skipped). The binary is built with Go into `.cache/jaeger-<version>/` by
 * `node scripts/jaeger.mjs build`; under `CI=true` this setup builds it when it is missing (or
 * fails when Go is missing); elsewhere a missing binary skips the Jaeger tests with a message
 * saying how to get it.
 */
import type { TestProject } from 'vitest/node';
import { buildJaeger, findGo, JAEGER_HINT, jaegerBinary, startJaeger } from '../../../../scripts/jaeger.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared Jaeger, or null when the Jaeger tests are skipped. */
    jaeger: { otlpEndpoint: string; queryUrl: string } | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  let binary = jaegerBinary();
  if (binary === undefined) {
    if (!ci) {
      process.stderr.write(`\n[jaeger] not built: skipping the Jaeger tests. To run them, ${JAEGER_HINT}.\n`);
      project.provide('jaeger', null);
      return async () => {};
    }
    if (findGo() === undefined) throw new Error(`Jaeger is missing and CI=true: ${JAEGER_HINT}`);
    binary = await buildJaeger();
  }
  const jaeger = await startJaeger({ binary });
  project.provide('jaeger', { otlpEndpoint: jaeger.otlpEndpoint, queryUrl: jaeger.queryUrl });
  return async () => {
    await jaeger.stop();
  };
}
