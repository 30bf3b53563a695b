/**
 * One correct trace per run in a real Jaeger, on every runner: SequentialRunner, ThreadRunner,
 * ParallelRunner (worker threads) and DistributedRunner (two weft-worker processes). The run has
 * one span, each node a span that is its child, a span started by user code inside a node is a
 * child of that node's span (in whichever thread or process the node ran), W3C baggage set before
 * the run is readable in every node, and a failing node's span has error status.
 */
import { randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import { findRedisServer, type LocalCluster, REDIS_INSTALL_HINT, startLocalCluster } from '@weft/distributed';
import {
  type AbstractRunner,
  DataCatalog,
  NodeFailedError,
  node,
  ParallelRunner,
  type Pipeline,
  pipeline,
  SequentialRunner,
  ThreadRunner,
} from '@weft/runner';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openTelemetryHooks } from '../src/index.js';
import { boom, first, type Seen, second, third } from './fixtures/traced-nodes.js';
import { type JaegerSpan, parentOf, tag, waitForRun } from './support/jaeger-query.js';

const jaeger = inject('jaeger');
const NODES = new URL('./fixtures/traced-nodes.ts', import.meta.url).href;
const SLOW = 90_000;
const SERVICE = `weft-test-${randomUUID().slice(0, 8)}`;
const skipWithoutRedis = findRedisServer() === undefined && process.env.CI !== 'true';
if (skipWithoutRedis) {
  console.warn(
    `\n[@weft/opentelemetry] redis-server not found: DistributedRunner traces skipped. To run them, ${REDIS_INSTALL_HINT}.\n`,
  );
}

const good = pipeline([
  node(first, 'x', 'a', { name: 'first' }),
  node(second, 'a', 'b', { name: 'second' }),
  node(third, 'a', 'c', { name: 'third' }),
]);
const bad = pipeline([node(first, 'x', 'a', { name: 'first' }), node(boom, 'x', 'never', { name: 'boom' })]);

describe.skipIf(jaeger === null)(
  'a run on each runner is one correct trace in Jaeger',
  { timeout: SLOW },
  () => {
    let setup: typeof import('./fixtures/otel-setup.js');
    let cluster: LocalCluster | undefined;
    const runners: { name: string; make: () => AbstractRunner; skip?: boolean }[] = [];
    const closers: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      process.env.WEFT_TEST_OTLP_ENDPOINT = jaeger?.otlpEndpoint;
      process.env.WEFT_TEST_SERVICE = SERVICE;
      setup = await import('./fixtures/otel-setup.js');
      const parallel = new ParallelRunner({ module: NODES, maxWorkers: 2 });
      closers.push(() => parallel.close());
      if (!skipWithoutRedis) {
        // The propagator's set-up module reaches the workers by itself (spawnWorker adds it).
        cluster = await startLocalCluster({ modules: NODES, workers: 2, worker: { stdio: 'pipe' } });
        closers.push(() => (cluster as LocalCluster).close());
      }
      runners.push(
        { name: 'SequentialRunner', make: () => new SequentialRunner() },
        { name: 'ThreadRunner', make: () => new ThreadRunner() },
        { name: 'ParallelRunner', make: () => parallel },
        { name: 'DistributedRunner', make: () => (cluster as LocalCluster).runner, skip: skipWithoutRedis },
      );
    }, SLOW);

    afterAll(async () => {
      for (const close of closers) await close();
      await setup?.provider.shutdown();
    }, SLOW);

    /** Runs `p` with baggage `tenant=acme` set before the run, with the tracing hooks. */
    function runTraced(runner: AbstractRunner, p: Pipeline, runId: string) {
      const baggage = propagation.createBaggage({ tenant: { value: 'acme' } });
      return context.with(propagation.setBaggage(context.active(), baggage), () =>
        runner.run(p, new DataCatalog({ x: 1 }), { runId, hooks: [openTelemetryHooks()] }),
      );
    }

    const byName = (spans: JaegerSpan[], name: string) => spans.filter((s) => s.operationName === name);

    for (const kind of ['SequentialRunner', 'ThreadRunner', 'ParallelRunner', 'DistributedRunner']) {
      it(`${kind}: one trace; node spans are children of the run span, user spans of their node span; baggage in every node`, async (ctx) => {
        const entry = runners.find((r) => r.name === kind);
        if (entry?.skip === true) ctx.skip();
        const runner = (entry as (typeof runners)[number]).make();
        const runId = `ok-${kind}-${randomUUID()}`;
        const out = await runTraced(runner, good, runId);
        const seen = [out.b, out.c].map((s) => s as Seen);
        for (const s of seen) expect(s.tenant).toBe('acme');
        if (kind === 'ParallelRunner') for (const s of seen) expect(s.thread).not.toBe(0);
        if (kind === 'DistributedRunner') for (const s of seen) expect(s.pid).not.toBe(process.pid);

        const { traces, spans } = await waitForRun(jaeger?.queryUrl as string, SERVICE, runId, (all) =>
          ['first', 'second', 'third'].every(
            (n) =>
              byName(all, `weft node ${n}`).length === 1 && byName(all, `user work in ${n}`).length === 1,
          ),
        );
        expect(traces).toHaveLength(1);
        const run = byName(spans, 'weft pipeline');
        expect(run).toHaveLength(1);
        const runSpan = run[0] as JaegerSpan;
        expect(tag(runSpan, 'weft.runner')).toBe(kind);
        expect(parentOf(runSpan)).toBeUndefined();
        for (const n of ['first', 'second', 'third']) {
          const nodeSpan = byName(spans, `weft node ${n}`)[0] as JaegerSpan;
          expect(parentOf(nodeSpan)).toBe(runSpan.spanID);
          expect(tag(nodeSpan, 'weft.node.name')).toBe(n);
          expect(tag(nodeSpan, 'weft.run.id')).toBe(runId);
          const user = byName(spans, `user work in ${n}`)[0] as JaegerSpan;
          expect(parentOf(user)).toBe(nodeSpan.spanID);
          expect(tag(user, 'test.tenant')).toBe('acme');
        }
        // The node saw the trace it is part of.
        for (const s of seen) expect(s.traceId).toBe(runSpan.traceID);
      });

      it(`${kind}: a failing node's span has error status and an exception event; so has the run's`, async (ctx) => {
        const entry = runners.find((r) => r.name === kind);
        if (entry?.skip === true) ctx.skip();
        const runner = (entry as (typeof runners)[number]).make();
        const runId = `fail-${kind}-${randomUUID()}`;
        const error = await runTraced(runner, bad, runId).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(NodeFailedError);
        const { traces, spans } = await waitForRun(
          jaeger?.queryUrl as string,
          SERVICE,
          runId,
          (all) =>
            byName(all, 'weft node boom').length === 1 &&
            byName(all, 'user work in boom').length === 1 &&
            byName(all, 'weft pipeline').length === 1,
        );
        expect(traces).toHaveLength(1);
        const failed = byName(spans, 'weft node boom')[0] as JaegerSpan;
        expect(tag(failed, 'otel.status_code')).toBe('ERROR');
        expect(tag(failed, 'error')).toBe(true);
        expect(String(tag(failed, 'otel.status_description'))).toMatch(/boom failed on purpose/);
        expect(tag(failed, 'weft.node.error.phase')).toBe('run');
        const events = failed.logs.flatMap((l) => l.fields);
        expect(events).toContainEqual({ key: 'event', type: 'string', value: 'exception' });
        expect(parentOf(byName(spans, 'user work in boom')[0] as JaegerSpan)).toBe(failed.spanID);
        const runSpan = byName(spans, 'weft pipeline')[0] as JaegerSpan;
        expect(tag(runSpan, 'otel.status_code')).toBe('ERROR');
      });
    }
  },
);
