/**
 * The HTML run report: one self-contained file (inline CSS, inline SVG, a few lines of inline
 * script, a Content-Security-Policy that forbids loading anything) showing the pipeline graph with
 * each node's status and duration; clicking (or focusing) a node shows its logs, hovering shows a
 * summary. The graph is laid out here, in Node, with dagre, so the page needs no library at all.
 *
 * @module
 */
import dagre from '@dagrejs/dagre';
import type { DatasetRecord, LogLine, NodeRunRecord, RunRecord } from './run-record.js';

/** Width of one character of the monospace label font (12 px DejaVu Sans Mono / ui-monospace). */
const CHAR_WIDTH = 7.3;
/** Average width of one character of the 10.5 px sans-serif meta line. */
const META_CHAR_WIDTH = 6.2;
const NODE_HEIGHT = 46;
const DATASET_HEIGHT = 26;

/** A positioned box of the laid-out graph. */
export interface LaidOutBox {
  /** Graph id: `node:<name>` or `dataset:<name>`. */
  readonly id: string;
  readonly kind: 'node' | 'dataset';
  readonly name: string;
  /** Centre. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A laid-out edge (a polyline from dagre). */
export interface LaidOutEdge {
  readonly from: string;
  readonly to: string;
  readonly points: readonly { x: number; y: number }[];
}

/** The laid-out graph. */
export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly boxes: readonly LaidOutBox[];
  readonly edges: readonly LaidOutEdge[];
}

/**
 * Lays out the pipeline graph (datasets and nodes as boxes, data flow as edges, top to bottom)
 * with dagre.
 */
export function layoutPipeline(
  nodes: readonly NodeRunRecord[],
  datasets: readonly DatasetRecord[],
): GraphLayout {
  const g = new dagre.graphlib.Graph<
    { rankdir: string },
    { width: number; height: number; x?: number; y?: number },
    object
  >();
  g.setGraph({ rankdir: 'TB', nodesep: 22, ranksep: 34, edgesep: 12, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const boxSize = new Map<
    string,
    { kind: 'node' | 'dataset'; name: string; width: number; height: number }
  >();
  for (const n of nodes) {
    const metaChars = nodeMeta(n).length + `${n.logs.length} logs`.length + 3;
    const width = Math.max(
      150,
      Math.ceil(Math.max(n.name.length * CHAR_WIDTH, metaChars * META_CHAR_WIDTH)) + 36,
    );
    boxSize.set(`node:${n.name}`, { kind: 'node', name: n.name, width, height: NODE_HEIGHT });
  }
  for (const d of datasets) {
    const width = Math.max(90, Math.ceil(d.name.length * CHAR_WIDTH * 0.92) + 34);
    boxSize.set(`dataset:${d.name}`, { kind: 'dataset', name: d.name, width, height: DATASET_HEIGHT });
  }
  for (const [id, b] of boxSize) g.setNode(id, { width: b.width, height: b.height });
  for (const n of nodes) {
    for (const i of n.inputs) if (boxSize.has(`dataset:${i}`)) g.setEdge(`dataset:${i}`, `node:${n.name}`);
    for (const o of n.outputs) if (boxSize.has(`dataset:${o}`)) g.setEdge(`node:${n.name}`, `dataset:${o}`);
  }
  dagre.layout(g);
  const boxes: LaidOutBox[] = [];
  for (const [id, b] of boxSize) {
    const label = g.node(id);
    boxes.push({
      id,
      kind: b.kind,
      name: b.name,
      x: label.x ?? 0,
      y: label.y ?? 0,
      width: b.width,
      height: b.height,
    });
  }
  const edges: LaidOutEdge[] = g.edges().map((e: { v: string; w: string }) => ({
    from: e.v,
    to: e.w,
    points: ((g.edge(e) as { points?: { x: number; y: number }[] }).points ?? []).map((p) => ({
      x: p.x,
      y: p.y,
    })),
  }));
  const graph = g.graph() as { width?: number; height?: number };
  return { width: Math.ceil(graph.width ?? 0), height: Math.ceil(graph.height ?? 0), boxes, edges };
}

/** Escapes text for HTML and SVG. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** `1234` → `1.23 s`, `56.7` → `57 ms`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms - m * 60_000) / 1000)} s`;
}

const STATUS_ICON: Readonly<Record<string, string>> = {
  completed: '✓',
  failed: '✗',
  running: '…',
  skipped: '↷',
  'not-run': '○',
};

/** The second line of a node box: `✓ completed · 12 ms · worker 2`. */
function nodeMeta(n: NodeRunRecord): string {
  const meta = [STATUS_ICON[n.status] ?? '', n.status === 'not-run' ? 'not run' : n.status];
  if (n.durationMs !== undefined) meta.push(`· ${formatDuration(n.durationMs)}`);
  if (n.thread !== undefined) meta.push(`· ${n.thread}`);
  return meta.join(' ');
}

/** A smooth SVG path through dagre's edge points. */
function edgePath(points: readonly { x: number; y: number }[]): string {
  if (points.length === 0) return '';
  const f = (n: number) => n.toFixed(1);
  const first = points[0] as { x: number; y: number };
  let d = `M${f(first.x)},${f(first.y)}`;
  if (points.length === 2) {
    const last = points[1] as { x: number; y: number };
    return `${d} L${f(last.x)},${f(last.y)}`;
  }
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i] as { x: number; y: number };
    const q = points[i + 1] as { x: number; y: number };
    const mx = i === points.length - 2 ? q.x : (p.x + q.x) / 2;
    const my = i === points.length - 2 ? q.y : (p.y + q.y) / 2;
    d += ` Q${f(p.x)},${f(p.y)} ${f(mx)},${f(my)}`;
  }
  return d;
}

function renderSvg(record: RunRecord, layout: GraphLayout): string {
  const nodesByName = new Map(record.nodes.map((n) => [n.name, n]));
  const datasetsByName = new Map(record.datasets.map((d) => [d.name, d]));
  const parts: string[] = [];
  parts.push(
    `<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" role="img" aria-label="Pipeline graph of ${escapeHtml(record.pipeline)}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#94a3b8"/></marker>',
    '<marker id="arrow-hot" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#4f46e5"/></marker></defs>',
  );
  parts.push('<g class="edges">');
  for (const e of layout.edges) {
    parts.push(
      `<path class="edge" data-from="${escapeHtml(e.from)}" data-to="${escapeHtml(e.to)}" d="${edgePath(e.points)}" marker-end="url(#arrow)"/>`,
    );
  }
  parts.push('</g><g class="boxes">');
  for (const b of layout.boxes) {
    const left = b.x - b.width / 2;
    const top = b.y - b.height / 2;
    if (b.kind === 'dataset') {
      const d = datasetsByName.get(b.name) as DatasetRecord;
      const tip = `${d.name} — ${d.kind}${d.filepath ? ` (${d.filepath})` : ''}`;
      parts.push(
        `<g class="dataset kind-${d.kind}" data-dataset="${escapeHtml(d.name)}" transform="translate(${left.toFixed(1)},${top.toFixed(1)})">`,
        `<title>${escapeHtml(tip)}</title>`,
        `<rect width="${b.width}" height="${b.height}" rx="${b.height / 2}"/>`,
        `<text class="kind" x="12" y="${b.height / 2 + 4}">${d.kind === 'csv' ? 'CSV' : d.kind === 'json' ? '{ }' : d.kind === 'parameters' ? 'P' : '◇'}</text>`,
        `<text class="label" x="${d.kind === 'csv' ? 40 : 32}" y="${b.height / 2 + 4}">${escapeHtml(d.name)}</text>`,
        '</g>',
      );
    } else {
      const n = nodesByName.get(b.name) as NodeRunRecord;
      parts.push(
        `<g class="node status-${n.status}" data-node="${escapeHtml(n.name)}" tabindex="0" role="button" aria-label="${escapeHtml(`${n.name}: ${n.status}`)}" transform="translate(${left.toFixed(1)},${top.toFixed(1)})">`,
        `<rect class="box" width="${b.width}" height="${b.height}" rx="9"/>`,
        `<rect class="bar" width="6" height="${b.height}" rx="3"/>`,
        `<text class="label" x="18" y="19">${escapeHtml(n.name)}</text>`,
        `<text class="meta" x="18" y="35">${escapeHtml(nodeMeta(n))}</text>`,
        `<text class="count" x="${b.width - 10}" y="35" text-anchor="end">${n.logs.length} log${n.logs.length === 1 ? '' : 's'}</text>`,
        '</g>',
      );
    }
  }
  parts.push('</g></svg>');
  return parts.join('');
}

/** JSON for a `<script type="application/json">`: `<` escaped so no `</script>` can appear. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function levelName(level: number): string {
  if (level >= 50) return 'CRITICAL';
  if (level >= 40) return 'ERROR';
  if (level >= 30) return 'WARNING';
  if (level >= 20) return 'INFO';
  return 'DEBUG';
}

function clientLog(l: LogLine) {
  return { t: l.timestamp, l: levelName(l.level), m: l.message };
}

/** Renders the run report as one self-contained HTML document. */
export function renderRunReport(record: RunRecord): string {
  const layout = layoutPipeline(record.nodes, record.datasets);
  const counts = { completed: 0, failed: 0, skipped: 0, 'not-run': 0, running: 0 };
  for (const n of record.nodes) counts[n.status]++;
  const data = {
    run: {
      pipeline: record.pipeline,
      status: record.status,
      runner: record.runner,
      flowRunName: record.flowRunName ?? null,
      flowRunId: record.flowRunId ?? null,
      error: record.error ?? null,
      resumeHint: record.resumeHint ?? null,
      flowLogs: record.flowLogs.map(clientLog),
    },
    nodes: Object.fromEntries(
      record.nodes.map((n) => [
        n.name,
        {
          status: n.status,
          duration: formatDuration(n.durationMs),
          thread: n.thread ?? null,
          taskRunName: n.taskRunName ?? null,
          taskRunId: n.taskRunId ?? null,
          inputs: n.inputs,
          outputs: n.outputs,
          tags: n.tags,
          error: n.error ?? null,
          logs: n.logs.map(clientLog),
        },
      ]),
    ),
  };
  const started = new Date(record.startedAt);
  const facts: [string, string][] = [
    [
      'Runner',
      `${record.runner}${record.maxWorkers === undefined ? '' : ` (max ${record.maxWorkers} workers)`}`,
    ],
    ['Flow run', record.flowRunName === undefined ? '–' : `${record.flowRunName}`],
    ['Reported to', record.reportedTo],
    [
      'Started',
      started
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC'),
    ],
    ['Duration', formatDuration(record.durationMs)],
    ['Context', record.propagateContext ? 'propagated' : 'NOT propagated (--no-context)'],
  ];
  for (const [k, v] of Object.entries(record.userContext)) facts.push([k, v]);
  const rows = record.nodes
    .map(
      (n) =>
        `<tr data-row="${escapeHtml(n.name)}" class="status-${n.status}"><td><span class="dot"></span>${escapeHtml(n.name)}</td><td>${escapeHtml(n.status === 'not-run' ? 'not run' : n.status)}</td><td>${escapeHtml(n.thread ?? '–')}</td><td class="num">${escapeHtml(formatDuration(n.durationMs))}</td><td class="num">${n.logs.length}</td><td>${escapeHtml(n.taskRunName ?? '–')}</td></tr>`,
    )
    .join('');
  const summary = `${record.nodes.length} nodes: ${counts.completed} completed${counts.failed ? `, ${counts.failed} failed` : ''}${counts.skipped ? `, ${counts.skipped} skipped` : ''}${counts['not-run'] ? `, ${counts['not-run']} not run` : ''}`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${record.pipeline} · ${record.status} · Weft run report`)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
  <div class="title">
    <h1>${escapeHtml(record.pipeline)} <span class="badge run-${record.status}">${escapeHtml(record.status)}</span></h1>
    <p class="sub">Weft run report · run <code>${escapeHtml(record.runId)}</code> · ${escapeHtml(summary)}</p>
  </div>
  <dl class="facts">${facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl>
</header>
${record.error === undefined ? '' : `<div class="alert"><strong>Run failed:</strong> ${escapeHtml(record.error)}${record.resumeHint === undefined ? '' : `<br>Resume with <code>${escapeHtml(record.resumeHint)}</code>`}</div>`}
<main>
  <section class="graph-pane">
    <div class="legend"><span class="lg completed">completed</span><span class="lg failed">failed</span><span class="lg skipped">skipped</span><span class="lg not-run">not run</span><span class="lg ds-file">file dataset</span><span class="lg ds-memory">memory dataset</span><span class="hint">Click a node for its logs</span></div>
    <div class="graph-scroll">${renderSvg(record, layout)}</div>
  </section>
  <aside id="panel" aria-live="polite">
    <div id="panel-body"></div>
  </aside>
</main>
<section class="table-pane">
  <table id="nodes-table"><thead><tr><th>Node</th><th>Status</th><th>Thread</th><th class="num">Duration</th><th class="num">Logs</th><th>Task run</th></tr></thead><tbody>${rows}</tbody></table>
</section>
<div id="tooltip" role="tooltip" hidden></div>
<script type="application/json" id="run-data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const CSS = `
:root{--bg:#f6f7fb;--card:#fff;--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--ok:#16a34a;--ok-bg:#f0fdf4;--bad:#dc2626;--bad-bg:#fef2f2;--skip:#64748b;--skip-bg:#f8fafc;--idle:#a3acb9;--accent:#4f46e5;--mono:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
header{display:flex;flex-wrap:wrap;gap:12px 32px;align-items:flex-end;justify-content:space-between;padding:18px 24px 14px;background:var(--card);border-bottom:1px solid var(--line)}
h1{margin:0;font-size:22px;font-weight:650;letter-spacing:-.01em}
.sub{margin:4px 0 0;color:var(--muted)}
code{font-family:var(--mono);font-size:12px;background:#eef2ff;color:#3730a3;padding:1px 5px;border-radius:4px}
.badge{display:inline-block;vertical-align:middle;font-size:12px;font-weight:600;padding:2px 10px;border-radius:999px;text-transform:uppercase;letter-spacing:.04em}
.run-completed{background:var(--ok-bg);color:var(--ok);border:1px solid #bbf7d0}
.run-failed{background:var(--bad-bg);color:var(--bad);border:1px solid #fecaca}
.run-running{background:#eff6ff;color:#2563eb;border:1px solid #bfdbfe}
.facts{display:flex;flex-wrap:wrap;gap:6px 22px;margin:0}
.facts div{min-width:80px}.facts dt{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}.facts dd{margin:0;font-weight:550}
.alert{margin:14px 24px 0;padding:10px 14px;border-radius:8px;background:var(--bad-bg);border:1px solid #fecaca;color:#7f1d1d}
main{display:grid;grid-template-columns:minmax(0,1fr) 440px;gap:16px;padding:16px 24px}
.graph-pane,aside,.table-pane{background:var(--card);border:1px solid var(--line);border-radius:12px;box-shadow:0 1px 2px rgba(15,23,42,.04)}
.graph-pane{display:flex;flex-direction:column;min-height:0}
.legend{display:flex;flex-wrap:wrap;gap:14px;align-items:center;padding:10px 14px;border-bottom:1px solid var(--line);font-size:12px;color:var(--muted)}
.lg::before{content:"";display:inline-block;width:10px;height:10px;border-radius:3px;margin-right:6px;vertical-align:-1px;border:2px solid}
.lg.completed::before{border-color:var(--ok);background:var(--ok-bg)}.lg.failed::before{border-color:var(--bad);background:var(--bad-bg)}
.lg.skipped::before{border-color:var(--skip);border-style:dashed}.lg.not-run::before{border-color:var(--idle);border-style:dotted}
.lg.ds-file::before{border-radius:6px;border-color:#93c5fd;background:#eff6ff}.lg.ds-memory::before{border-radius:6px;border-color:#cbd5e1;border-style:dashed}
.hint{margin-left:auto;font-style:italic}
.graph-scroll{overflow:auto;padding:8px;display:flex;justify-content:center}
svg{display:block;font-family:var(--mono)}
.edge{fill:none;stroke:#cbd5e1;stroke-width:1.4}
.edge.hot{stroke:var(--accent);stroke-width:2;marker-end:url(#arrow-hot)}
.dataset rect{fill:#f8fafc;stroke:#cbd5e1;stroke-width:1.2;stroke-dasharray:4 3}
.dataset.kind-csv rect,.dataset.kind-json rect{fill:#eff6ff;stroke:#93c5fd;stroke-dasharray:none}
.dataset.kind-parameters rect{fill:#fefce8;stroke:#fde047;stroke-dasharray:none}
.dataset text{font-size:11px;fill:#334155}.dataset .kind{font-size:9.5px;font-weight:700;fill:#2563eb}
.dataset.kind-memory .kind{fill:#94a3b8}.dataset.kind-parameters .kind{fill:#a16207}
.node{cursor:pointer;outline:none}
.node .box{fill:#fff;stroke:var(--idle);stroke-width:1.5}
.node .bar{fill:var(--idle)}
.node .label{font-size:12px;font-weight:700;fill:var(--ink)}
.node .meta{font-size:10.5px;fill:var(--muted);font-family:system-ui,"DejaVu Sans",sans-serif}
.node .count{font-size:10px;fill:#94a3b8;font-family:system-ui,"DejaVu Sans",sans-serif}
.node.status-completed .box{fill:var(--ok-bg);stroke:#86efac}.node.status-completed .bar{fill:var(--ok)}
.node.status-failed .box{fill:var(--bad-bg);stroke:#fca5a5}.node.status-failed .bar{fill:var(--bad)}.node.status-failed .meta{fill:var(--bad)}
.node.status-skipped .box{fill:var(--skip-bg);stroke:#94a3b8;stroke-dasharray:5 3}.node.status-skipped .bar{fill:#94a3b8}
.node.status-not-run .box{stroke-dasharray:2 3}.node.status-not-run .label{fill:#64748b}
.node:hover .box,.node:focus-visible .box{stroke:var(--accent);stroke-width:2}
.node.selected .box{stroke:var(--accent);stroke-width:2.5;filter:drop-shadow(0 2px 6px rgba(79,70,229,.25))}
aside{display:flex;flex-direction:column;max-height:calc(100vh - 150px);position:sticky;top:12px;overflow:hidden}
#panel-body{overflow:auto;padding:16px 18px}
#panel h2{margin:0 0 2px;font:700 16px/1.3 var(--mono);word-break:break-all}
#panel .kv{display:grid;grid-template-columns:92px 1fr;gap:3px 10px;margin:12px 0;font-size:13px}
#panel .kv dt{color:var(--muted)}#panel .kv dd{margin:0;word-break:break-all}
#panel h3{margin:16px 0 6px;font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
.pill{display:inline-block;font:11px var(--mono);background:#f1f5f9;border:1px solid var(--line);border-radius:999px;padding:1px 8px;margin:0 4px 4px 0}
.st{display:inline-block;font-size:11px;font-weight:600;padding:1px 8px;border-radius:999px;text-transform:uppercase;letter-spacing:.04em;background:#f1f5f9;color:var(--muted)}
.st.completed{background:var(--ok-bg);color:var(--ok)}.st.failed{background:var(--bad-bg);color:var(--bad)}
.logs{list-style:none;margin:0;padding:0;font:12px/1.5 var(--mono);border:1px solid var(--line);border-radius:8px;background:#0f172a;color:#e2e8f0;overflow:hidden}
.logs li{padding:4px 10px;border-bottom:1px solid #1e293b;white-space:pre-wrap;word-break:break-word}
.logs li:last-child{border-bottom:0}
.logs .ts{color:#64748b;margin-right:8px}.logs .lv{display:inline-block;width:58px;font-weight:700}
.logs .INFO .lv{color:#38bdf8}.logs .WARNING .lv{color:#fbbf24}.logs .ERROR .lv,.logs .CRITICAL .lv{color:#f87171}.logs .DEBUG .lv{color:#94a3b8}
.logs .empty{color:#94a3b8;font-style:italic}
.toggle{display:block;margin:0 0 6px;font-size:12px;color:var(--muted);cursor:pointer}.toggle input{vertical-align:-2px;margin:0 6px 0 0}
.err{white-space:pre-wrap;font:12px/1.45 var(--mono);background:var(--bad-bg);border:1px solid #fecaca;color:#7f1d1d;border-radius:8px;padding:8px 10px}
.muted{color:var(--muted)}
.table-pane{margin:0 24px 24px;overflow:auto}
table{width:100%;border-collapse:collapse;font-size:13px}
th,td{text-align:left;padding:8px 14px;border-bottom:1px solid var(--line)}
th{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);background:#f8fafc}
td:first-child{font-family:var(--mono);font-size:12px}
.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr{cursor:pointer}tbody tr:hover{background:#f8fafc}tbody tr.selected{background:#eef2ff}
.dot{display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:8px;background:var(--idle)}
.status-completed .dot{background:var(--ok)}.status-failed .dot{background:var(--bad)}
#tooltip{position:fixed;z-index:10;max-width:380px;pointer-events:none;background:#0f172a;color:#f8fafc;border-radius:8px;padding:8px 10px;font-size:12px;box-shadow:0 6px 20px rgba(15,23,42,.25)}
#tooltip .tl{font:11px/1.4 var(--mono);color:#cbd5e1;margin-top:4px;white-space:pre-wrap}
@media (max-width:1100px){main{grid-template-columns:1fr}aside{position:static;max-height:none}}
`;

const SCRIPT = `
(function(){
  var data = JSON.parse(document.getElementById('run-data').textContent);
  var panel = document.getElementById('panel-body');
  var tip = document.getElementById('tooltip');
  function esc(s){return String(s).replace(/[&<>"']/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c];});}
  function time(us){var d=new Date(Math.floor(us/1000));return d.toISOString().slice(11,23);}
  var showDebug=false;
  function logList(logs){
    if(!logs.length) return '<ul class="logs"><li class="empty">no log lines</li></ul>';
    var debug=logs.filter(function(l){return l.l==='DEBUG';}).length;
    var shown=showDebug?logs:logs.filter(function(l){return l.l!=='DEBUG';});
    var toggle=debug?'<label class="toggle"><input type="checkbox" id="show-debug"'+(showDebug?' checked':'')+'> show '+debug+' DEBUG line'+(debug===1?'':'s')+'</label>':'';
    return toggle+'<ul class="logs">'+(shown.length?shown.map(function(l){return '<li class="'+esc(l.l)+'"><span class="ts">'+time(l.t)+'</span><span class="lv">'+esc(l.l)+'</span>'+esc(l.m)+'</li>';}).join(''):'<li class="empty">only DEBUG lines</li>')+'</ul>';
  }
  function wireToggle(rerender){
    var box=document.getElementById('show-debug');
    if(box) box.addEventListener('change',function(){showDebug=box.checked;rerender();});
  }
  function pills(xs){return xs.length?xs.map(function(x){return '<span class="pill">'+esc(x)+'</span>';}).join(''):'<span class="muted">none</span>';}
  function showRun(){
    var r=data.run;
    panel.innerHTML='<h2>'+esc(r.pipeline)+'</h2><span class="st '+esc(r.status)+'">'+esc(r.status)+'</span>'+
      '<dl class="kv"><dt>Runner</dt><dd>'+esc(r.runner)+'</dd><dt>Flow run</dt><dd>'+esc(r.flowRunName||'–')+'</dd><dt>Flow run id</dt><dd>'+esc(r.flowRunId||'–')+'</dd></dl>'+
      (r.error?'<h3>Error</h3><div class="err">'+esc(r.error)+(r.resumeHint?'\\n\\nResume with: '+esc(r.resumeHint):'')+'</div>':'')+
      '<p class="muted">Click a node in the graph (or a row of the table) to see its task run and its logs.</p>'+
      '<h3>Flow run logs</h3>'+logList(r.flowLogs);
    wireToggle(showRun);
  }
  function select(name){
    var n=data.nodes[name]; if(!n) return;
    document.querySelectorAll('.node.selected,tr.selected').forEach(function(e){e.classList.remove('selected');});
    document.querySelectorAll('.edge.hot').forEach(function(e){e.classList.remove('hot');});
    var g=document.querySelector('.node[data-node="'+CSS.escape(name)+'"]'); if(g) g.classList.add('selected');
    var tr=document.querySelector('tr[data-row="'+CSS.escape(name)+'"]'); if(tr) tr.classList.add('selected');
    document.querySelectorAll('.edge').forEach(function(e){if(e.dataset.from==='node:'+name||e.dataset.to==='node:'+name) e.classList.add('hot');});
    panel.innerHTML='<h2 id="panel-title">'+esc(name)+'</h2><span class="st '+esc(n.status)+'">'+esc(n.status==='not-run'?'not run':n.status)+'</span>'+
      '<dl class="kv"><dt>Duration</dt><dd>'+esc(n.duration)+'</dd><dt>Thread</dt><dd>'+esc(n.thread||'–')+'</dd>'+
      '<dt>Task run</dt><dd>'+esc(n.taskRunName||'–')+'</dd><dt>Task run id</dt><dd>'+esc(n.taskRunId||'–')+'</dd></dl>'+
      '<h3>Inputs</h3>'+pills(n.inputs)+'<h3>Outputs</h3>'+pills(n.outputs)+(n.tags.length?'<h3>Tags</h3>'+pills(n.tags):'')+
      (n.error?'<h3>Error</h3><div class="err">'+esc(n.error)+'</div>':'')+
      '<h3>Logs ('+n.logs.length+')</h3>'+logList(n.logs)+
      '<p><a href="#" id="back">← run overview</a></p>';
    document.getElementById('back').addEventListener('click',function(ev){ev.preventDefault();clear();});
    wireToggle(function(){select(name);});
  }
  function clear(){
    document.querySelectorAll('.selected').forEach(function(e){e.classList.remove('selected');});
    document.querySelectorAll('.edge.hot').forEach(function(e){e.classList.remove('hot');});
    showRun();
  }
  document.querySelectorAll('.node').forEach(function(g){
    var name=g.getAttribute('data-node');
    g.addEventListener('click',function(){select(name);});
    g.addEventListener('keydown',function(ev){if(ev.key==='Enter'||ev.key===' '){ev.preventDefault();select(name);}});
    g.addEventListener('mouseenter',function(){
      var n=data.nodes[name]; var last=n.logs.length?n.logs[n.logs.length-1].m:'(no logs)';
      tip.innerHTML='<strong>'+esc(name)+'</strong> · '+esc(n.status==='not-run'?'not run':n.status)+' · '+esc(n.duration)+(n.thread?' · '+esc(n.thread):'')+
        '<div class="tl">'+n.logs.length+' log line'+(n.logs.length===1?'':'s')+(n.logs.length?'; last: '+esc(last.length>160?last.slice(0,160)+'…':last):'')+'</div>';
      tip.hidden=false;
    });
    g.addEventListener('mousemove',function(ev){tip.style.left=Math.min(ev.clientX+14,window.innerWidth-390)+'px';tip.style.top=(ev.clientY+16)+'px';});
    g.addEventListener('mouseleave',function(){tip.hidden=true;});
  });
  document.querySelectorAll('tr[data-row]').forEach(function(tr){tr.addEventListener('click',function(){select(tr.getAttribute('data-row'));});});
  var failed=Object.keys(data.nodes).filter(function(k){return data.nodes[k].status==='failed';});
  if(failed.length) select(failed[0]); else showRun();
})();
`;
