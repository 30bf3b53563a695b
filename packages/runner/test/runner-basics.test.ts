import { afterAll, describe, expect, it } from 'vitest';
import { DataCatalog, type Hooks, node, pipeline, ThreadRunner } from '../src/index.js';
import { fanOutFanIn } from '../src/testing/basics-suite.js';
import { describeBasicsSuite } from '../src/testing.js';
import { sleepThenReturn } from './fixtures/nodes.js';
import { closeRunners, RUNNERS } from './support/runners.js';

afterAll(closeRunners);

// The published suite (@weft/runner/testing): Kedro checklist 1-19 and 41-44, long pipelines, scheduling.
describeBasicsSuite({ describe, it, expect }, RUNNERS);

describe('ThreadRunner: maxWorkers', () => {
  it('never runs more than maxWorkers nodes at once', async () => {
    let running = 0;
    let peak = 0;
    const hooks: Hooks[] = [
      {
        beforeNodeRun: () => {
          running++;
          peak = Math.max(peak, running);
        },
        afterNodeRun: () => {
          running--;
        },
      },
    ];
    const p = pipeline(
      Array.from({ length: 6 }, (_, i) => node(sleepThenReturn, 'ms', `out${i}`, { name: `n${i}` })),
    );
    await new ThreadRunner({ maxWorkers: 2 }).run(p, new DataCatalog({ ms: 20 }), { hooks });
    expect(peak).toBe(2);
    peak = 0;
    await new ThreadRunner().run(p, new DataCatalog({ ms: 20 }), { hooks });
    expect(peak).toBe(6);
  });
});

describe('runner options', () => {
  it('validates maxWorkers (Kedro checklist 29)', () => {
    expect(() => new ThreadRunner({ maxWorkers: 0 })).toThrow(
      'ThreadRunner: max_workers should be positive (maxWorkers: 0).',
    );
    expect(() => new ThreadRunner({ maxWorkers: 1.5 })).toThrow(/max_workers should be positive/);
  });

  it('defaults ThreadRunner to 128 nodes in flight, not the CPU count', () => {
    expect(new ThreadRunner().maxWorkers).toBe(128);
  });

  it('reports per-run and per-node timings', async () => {
    const { outputs, report } = await new ThreadRunner().runWithReport(
      fanOutFanIn(),
      new DataCatalog({ A: 1 }),
      {
        runId: 'r1',
      },
    );
    expect(outputs).toEqual({ Z: [1, 1, 1] });
    expect(report.runId).toBe('r1');
    expect(report.runner).toBe('ThreadRunner');
    expect(report.status).toBe('completed');
    expect(report.totalNodes).toBe(5);
    expect(report.completedNodes).toBe(5);
    expect(report.nodes.map((n) => n.node).sort()).toEqual(['node1', 'node2', 'node3', 'node4', 'node5']);
    for (const t of report.nodes) {
      expect(t.durationMs).toBeGreaterThanOrEqual(0);
      expect(t.startMs).toBeGreaterThanOrEqual(0);
    }
    expect(report.durationMs).toBeGreaterThan(0);
  });

  it('logs Kedro-style completion lines to a logger', async () => {
    const lines: string[] = [];
    const logger = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(`WARN ${m}`) };
    await new ThreadRunner().run(fanOutFanIn(), new DataCatalog({ A: 1 }), { logger });
    expect(lines).toContain('Completed 5 out of 5 tasks');
    expect(lines.at(-1)).toMatch(/^Pipeline execution completed successfully in \d+\.\d sec\.$/);
  });
});
