/**
 * bench:viz — how long the viewer takes to lay out and draw a pipeline of N nodes in headless
 * Chromium (Debian's), with d3-dag in the page, for N = 100, 250, 500, 1000; rounds interleaved,
 * medians. For reference, dagre (what the demo's report used before @weft/viz) laying out the same
 * graphs in Node, once each.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dagre from '@dagrejs/dagre';
import { node, type Pipeline, pipeline } from '@weft/runner';
import { describePipeline, describeProject, startViewer } from '@weft/viz';
import { chromium } from 'playwright-core';
import { fmt, median, printTable } from './harness.js';

const SIZES = [100, 250, 500, 1000];
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const DAGRE_UP_TO = Number(process.env.DAGRE_UP_TO ?? 500);

export function passThrough(...values: unknown[]): unknown {
  return values[0];
}

/** Kedro-like: namespaces of chained steps reading recent outputs, some cross-namespace reads and parameters. */
function generated(count: number, namespaces = 10): Pipeline {
  let seed = 11;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const per = Math.ceil(count / namespaces);
  const nodes = [];
  const outputsOf: string[][] = [];
  for (let s = 0; s < namespaces; s++) {
    const ns = `ns_${s}`;
    const local: string[] = [];
    for (let i = 0; i < per && nodes.length < count; i++) {
      const inputs = new Set<string>();
      if (local.length === 0) {
        inputs.add(`raw_${s}`);
        const prev = outputsOf[s - 1];
        if (prev !== undefined) inputs.add(prev[prev.length - 1] as string);
      } else {
        for (let j = 0, k = 1 + Math.floor(random() * 2); j < k; j++) {
          const lo = Math.max(0, local.length - 8);
          inputs.add(local[lo + Math.floor(random() * (local.length - lo))] as string);
        }
      }
      if (s > 0 && random() < 0.1) {
        const prev = outputsOf[Math.floor(random() * s)] as string[];
        inputs.add(prev[Math.floor(random() * prev.length)] as string);
      }
      if (random() < 0.2) inputs.add(`params:p${i % 5}`);
      const outputs = [`${ns}.ds_${i}`];
      if (random() < 0.25) outputs.push(`${ns}.ds_${i}_b`);
      local.push(...outputs);
      nodes.push(node(passThrough, [...inputs], outputs, { name: `step_${i}`, namespace: ns }));
    }
    outputsOf.push(local);
  }
  return pipeline(nodes);
}

function dagreMs(p: Pipeline): number {
  const graph = describePipeline(p);
  const started = performance.now();
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 22, ranksep: 34 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(`n:${n.name}`, { width: 180, height: 46 });
  for (const d of graph.datasets) g.setNode(`d:${d.name}`, { width: 140, height: 26 });
  for (const n of graph.nodes) {
    for (const i of n.inputs) g.setEdge(`d:${i}`, `n:${n.name}`);
    for (const o of n.outputs) g.setEdge(`n:${n.name}`, `d:${o}`);
  }
  dagre.layout(g);
  return performance.now() - started;
}

const pipelines = Object.fromEntries(SIZES.map((n) => [`p${n}`, generated(n)]));
const project = await describeProject({ name: 'bench', pipelines, locateCode: false });

const served = await startViewer({ projectDir: mkdtempSync(join(tmpdir(), 'weft-bench-viz-')), project });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const results = new Map<number, { layout: number[]; total: number[]; vertices: number }>();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  for (let round = 0; round < ROUNDS; round++) {
    for (const n of round % 2 === 0 ? SIZES : [...SIZES].reverse()) {
      await page.goto(`${served.url}#pipeline=p${n}`);
      await page.reload();
      await page.waitForFunction('document.body.dataset.ready === "true"');
      await page.click('#expand-all');
      await page.waitForFunction(`document.querySelectorAll('g.node[data-node]').length === ${n}`);
      const t = await page.evaluate<{ layoutMs: number; renderMs: number; vertices: number }>(
        '({ ...window.weftViz.timings })',
      );
      const r = results.get(n) ?? { layout: [], total: [], vertices: t.vertices };
      r.layout.push(t.layoutMs);
      r.total.push(t.renderMs);
      results.set(n, r);
    }
  }
} finally {
  await browser.close();
  await served.close();
}
const rows = SIZES.map((n) => {
  const r = results.get(n) as { layout: number[]; total: number[]; vertices: number };
  const graph = describePipeline(pipelines[`p${n}`] as Pipeline);
  const dagreTime = n <= DAGRE_UP_TO ? fmt(dagreMs(pipelines[`p${n}`] as Pipeline), 0) : '–';
  return [
    String(n),
    String(graph.datasets.length),
    String(r.vertices),
    fmt(median(r.layout), 0),
    fmt(median(r.total), 0),
    dagreTime,
  ];
});
console.log(
  `bench:viz — ${ROUNDS} rounds, medians, headless Chromium (${process.arch}); load ${(
    await import('node:os')
  )
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
printTable(
  [
    'nodes',
    'datasets',
    'layered vertices',
    'd3-dag layout ms',
    'layout + draw ms',
    'dagre layout ms (Node, once)',
  ],
  rows,
);
