import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/run-record.js';
import { escapeHtml, formatDuration, layoutPipeline, renderRunReport } from '../src/run-report.js';

function record(): RunRecord {
  const log = (message: string, level = 20) => ({
    timestamp: 1_700_000_000_000_000,
    level,
    message,
    formatted: message,
  });
  return {
    pipeline: 'tiny',
    runId: 'run-1',
    flowRunName: 'tiny-abc',
    flowRunId: 'f-1',
    reportedTo: 'local',
    runner: 'thread',
    propagateContext: true,
    userContext: { tenant: 'acme' },
    status: 'failed',
    startedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
    durationMs: 1234,
    error: "Node 'b' failed",
    resumeHint: '--from-nodes "b"',
    nodes: [
      {
        name: 'a',
        inputs: ['raw', 'params:x'],
        outputs: ['mid'],
        tags: ['t'],
        status: 'completed',
        durationMs: 12,
        thread: 'main',
        taskRunName: 'a-0',
        taskRunId: 'ta',
        logs: [log('hello from a')],
      },
      {
        name: 'b',
        inputs: ['mid'],
        outputs: ['out'],
        tags: [],
        status: 'failed',
        durationMs: 3,
        thread: 'worker 2',
        error: 'Error: </script><script>alert(1)</script>',
        logs: [log('boom </script>', 40)],
      },
      { name: 'c', inputs: ['out'], outputs: ['final'], tags: [], status: 'not-run', logs: [] },
    ],
    datasets: [
      { name: 'raw', kind: 'csv', filepath: 'data/raw.csv' },
      { name: 'params:x', kind: 'parameters' },
      { name: 'mid', kind: 'memory' },
      { name: 'out', kind: 'memory' },
      { name: 'final', kind: 'json', filepath: 'data/final.json' },
    ],
    flowLogs: [log('Beginning flow run')],
  };
}

describe('layoutPipeline', () => {
  it('places every node and dataset without overlaps, data flowing downwards', () => {
    const r = record();
    const layout = layoutPipeline(r.nodes, r.datasets);
    expect(layout.boxes).toHaveLength(8);
    expect(layout.edges).toHaveLength(7);
    const box = (id: string) =>
      layout.boxes.find((b) => b.id === id) as { x: number; y: number; width: number; height: number };
    expect(box('node:a').y).toBeLessThan(box('node:b').y);
    expect(box('node:b').y).toBeLessThan(box('node:c').y);
    for (const p of layout.boxes) {
      for (const q of layout.boxes) {
        if (p === q) continue;
        const apart =
          Math.abs(p.x - q.x) * 2 >= p.width + q.width || Math.abs(p.y - q.y) * 2 >= p.height + q.height;
        expect(apart, `${p.id} overlaps ${q.id}`).toBe(true);
      }
      expect(p.x - p.width / 2).toBeGreaterThanOrEqual(0);
      expect(p.x + p.width / 2).toBeLessThanOrEqual(layout.width);
    }
  });
});

describe('renderRunReport', () => {
  const html = renderRunReport(record());

  it('draws every node with its status and duration, and carries the logs', () => {
    for (const n of ['a', 'b', 'c']) expect(html).toContain(`data-node="${n}"`);
    expect(html).toContain('class="node status-failed"');
    expect(html).toContain('12 ms');
    expect(html).toContain('hello from a');
    expect(html).toContain('--from-nodes &quot;b&quot;');
  });

  it('is self-contained: a CSP forbidding network loads, no external URL', () => {
    expect(html).toContain(
      `content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`,
    );
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).not.toMatch(/@import|url\(http/);
  });

  it('escapes log text so it cannot close the data script or inject markup', () => {
    expect(html.match(/<\/script>/g)).toHaveLength(2); // the JSON block and the inline script
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('boom \\u003c/script>');
  });

  it('formats durations and escapes text', () => {
    expect(formatDuration(undefined)).toBe('–');
    expect(formatDuration(56.7)).toBe('57 ms');
    expect(formatDuration(1234)).toBe('1.23 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
