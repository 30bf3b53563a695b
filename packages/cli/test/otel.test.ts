/**
 * `weft run --otel [endpoint]` exports the run's trace to a real Jaeger (v2, built with Go into
 * `.cache/` by `node scripts/jaeger.mjs build`): one trace per run, the run's span its root, every
 * node's span its child, on the in-process runners, on worker threads and on worker processes.
 * Without the Jaeger binary these tests are skipped with a message saying how to get it; under
 * `CI=true` it is built (or the tests fail without Go).
 */
import { findRedisServer } from '@weft/distributed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildJaeger,
  findGo,
  freePort,
  JAEGER_HINT,
  jaegerBinary,
  type RunningJaeger,
  startJaeger,
} from '../../../scripts/jaeger.mjs';
import type { RunRecord } from '../src/index.js';
import { copyProject, SLOW, type TempProject, weft } from './support/projects.js';

const ci = process.env.CI === 'true' || process.env.CI === '1';
const skipWithoutJaeger = jaegerBinary() === undefined && !ci;
if (skipWithoutJaeger) {
  console.warn(`\n[@weft/cli] Jaeger not built: skipping weft run --otel. To run it, ${JAEGER_HINT}.\n`);
}
const skipWithoutRedis = findRedisServer() === undefined && !ci;

interface Span {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: readonly { refType: string; spanID: string }[];
  readonly tags: readonly { key: string; value: unknown }[];
}

const tag = (span: Span, key: string) => span.tags.find((t) => t.key === key)?.value;
const parentOf = (span: Span) => span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;

/** The spans of every trace holding a span of run `runId`, once `count` node spans arrived. */
async function spansOfRun(jaeger: RunningJaeger, service: string, runId: string, count: number) {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const url = `${jaeger.queryUrl}/api/traces?service=${encodeURIComponent(service)}&limit=1000&lookback=1h`;
    const body = (await (await fetch(url)).json()) as { data: { traceID: string; spans: Span[] }[] | null };
    const traces = (body.data ?? []).filter((t) => t.spans.some((s) => tag(s, 'weft.run.id') === runId));
    const spans = traces.flatMap((t) => t.spans);
    const nodes = spans.filter((s) => s.operationName.startsWith('weft node '));
    if (nodes.length >= count && spans.some((s) => s.operationName === 'weft pipeline')) {
      return { traces, spans };
    }
    if (performance.now() > deadline) {
      throw new Error(`Jaeger has not got run ${runId}: ${spans.map((s) => s.operationName).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(skipWithoutJaeger)('weft run --otel', { timeout: SLOW }, () => {
  let jaeger: RunningJaeger;
  let project: TempProject;

  beforeAll(async () => {
    let binary = jaegerBinary();
    if (binary === undefined) {
      if (findGo() === undefined) throw new Error(`Jaeger is missing and CI=true: ${JAEGER_HINT}`);
      binary = await buildJaeger();
    }
    jaeger = await startJaeger({ binary });
    project = await copyProject();
  }, 900_000);
  afterAll(async () => {
    await project?.remove();
    await jaeger?.stop();
  });

  it.each([
    { runner: 'sequential', skip: false },
    { runner: 'thread', skip: false },
    { runner: 'parallel', skip: false },
    { runner: 'distributed', skip: skipWithoutRedis },
  ])(
    'exports one trace of the run on $runner: node spans children of the run span',
    async ({ runner, skip }) => {
      if (skip) return;
      const result = await weft(project.dir, [
        'run',
        '--runner',
        runner,
        '--otel',
        jaeger.otlpEndpoint,
        '--report',
        `out/otel-${runner}.json`,
      ]);
      expect(result.code, result.stderr).toBe(0);
      const record = await project.json<RunRecord>(`out/otel-${runner}.json`);
      const traceId = /Trace: ([0-9a-f]{32}) exported to (\S+)/.exec(result.stdout);
      expect(traceId?.[2]).toBe(`${jaeger.otlpEndpoint}/v1/traces`);
      expect(record.trace?.traceId).toBe(traceId?.[1]);

      const { traces, spans } = await spansOfRun(jaeger, record.project, record.runId, record.nodes.length);
      expect(traces.map((t) => t.traceID)).toEqual([traceId?.[1]]);
      const run = spans.filter((s) => s.operationName === 'weft pipeline');
      expect(run).toHaveLength(1);
      const runSpan = run[0] as Span;
      expect(parentOf(runSpan)).toBeUndefined();
      expect(String(tag(runSpan, 'weft.runner'))).toMatch(/Runner$/);
      const nodeSpans = spans.filter((s) => s.operationName.startsWith('weft node '));
      expect(nodeSpans.map((s) => tag(s, 'weft.node.name')).sort()).toEqual(
        record.nodes.map((n) => n.name).sort(),
      );
      for (const s of nodeSpans) expect(parentOf(s)).toBe(runSpan.spanID);
    },
  );

  it('completes the run and says so when the endpoint cannot be reached', async () => {
    const port = await freePort();
    const result = await weft(project.dir, ['run', '--otel', `http://127.0.0.1:${port}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Completed: 7 of 7 nodes ran');
    expect(result.stdout).toMatch(
      new RegExp(`Trace: [0-9a-f]{32}: exporting to http://127\\.0\\.0\\.1:${port}/v1/traces failed \\(`),
    );
  });

  it('refuses an endpoint that is not an http(s) URL, before running', async () => {
    const result = await weft(project.dir, ['run', '--otel', 'grpc://127.0.0.1:4317']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--otel grpc://127.0.0.1:4317: OTLP/HTTP needs an http:// or https:// URL',
    );
  });
});
