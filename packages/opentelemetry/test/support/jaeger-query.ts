/**
 * Reading traces back from Jaeger's HTTP query API (`/api/traces`), waiting until what a test
 * expects has arrived (spans are exported in batches, some from other processes).
 */

/** A span as Jaeger's query API returns it, with the fields the tests read. */
export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: readonly { refType: string; traceID: string; spanID: string }[];
  readonly tags: readonly { key: string; type: string; value: unknown }[];
  readonly logs: readonly { fields: readonly { key: string; value: unknown }[] }[];
  readonly processID: string;
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
}

/** The value of tag `key` of a span, if any. */
export function tag(span: JaegerSpan, key: string): unknown {
  return span.tags.find((t) => t.key === key)?.value;
}

/** The span id of a span's parent (its CHILD_OF reference), if any. */
export function parentOf(span: JaegerSpan): string | undefined {
  return span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
}

/** Every trace of `service` (at most 1000, the last hour). */
export async function tracesOf(queryUrl: string, service: string): Promise<JaegerTrace[]> {
  const url = `${queryUrl}/api/traces?service=${encodeURIComponent(service)}&limit=1000&lookback=1h`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { data: JaegerTrace[] | null };
  return body.data ?? [];
}

/**
 * The traces of `service` holding a span with tag `weft.run.id` = `runId`, once `ready` says what
 * arrived is complete; fails with what arrived after `timeoutMs`.
 */
export async function waitForRun(
  queryUrl: string,
  service: string,
  runId: string,
  ready: (spans: JaegerSpan[]) => boolean,
  timeoutMs = 20_000,
): Promise<{ traces: JaegerTrace[]; spans: JaegerSpan[] }> {
  const deadline = performance.now() + timeoutMs;
  let last: { traces: JaegerTrace[]; spans: JaegerSpan[] } = { traces: [], spans: [] };
  for (;;) {
    const all = await tracesOf(queryUrl, service);
    const traces = all.filter((t) => t.spans.some((s) => tag(s, 'weft.run.id') === runId));
    last = { traces, spans: traces.flatMap((t) => [...t.spans]) };
    if (ready(last.spans)) return last;
    if (performance.now() > deadline) {
      throw new Error(
        `Jaeger has not got the spans of run ${runId} after ${timeoutMs} ms; it has: ${last.spans
          .map((s) => s.operationName)
          .join(', ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
