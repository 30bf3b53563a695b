// The page of the Weft run report and of the live viewer: one plain script, no framework. It draws
// a pipeline graph (laid out here with d3-dag's Sugiyama layout, inlined in the page), a details
// panel and a node table; in the viewer it also lists pipelines and past runs and follows a run
// live over server-sent events. The report embeds one finished run; both draw it the same way.
(() => {
  const d3 = window.d3;
  const boot = JSON.parse(document.getElementById('weft-data').textContent);
  const $ = (sel) => document.querySelector(sel);

  const S = {
    mode: boot.mode, // 'report' | 'viewer'
    api: boot.api || '',
    project: null,
    pipelineName: null,
    runs: [],
    runId: null,
    run: null,
    collapsed: new Set(),
    collapseTouched: false,
    showParams: true,
    paramsTouched: false,
    tags: new Set(),
    query: '',
    selected: null, // { kind: 'node'|'dataset'|'group', name }
    focusId: null,
    showDebug: false,
    graphKey: null,
    view: null, // the visible graph and its layout
    runEvents: null,
    timings: { layoutMs: 0, renderMs: 0, vertices: 0 },
  };
  const api = { state: S, timings: S.timings, renders: 0, updates: 0 };
  window.weftViz = api;

  // ---------- helpers ----------
  const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ESC[c]);
  const STATUS_ICON = {
    completed: '✓',
    failed: '✗',
    running: '▶',
    pending: '○',
    skipped: '↷',
    'not-run': '○',
  };
  const statusText = (s) => (s === 'not-run' ? 'not run' : s);
  function duration(ms) {
    if (ms === undefined || ms === null) return '–';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60000) return `${(ms / 1000).toFixed(2)} s`;
    const m = Math.floor(ms / 60000);
    return `${m} min ${Math.round((ms - m * 60000) / 1000)} s`;
  }
  function levelName(level) {
    if (level >= 50) return 'CRITICAL';
    if (level >= 40) return 'ERROR';
    if (level >= 30) return 'WARNING';
    if (level >= 20) return 'INFO';
    return 'DEBUG';
  }
  const clock = (us) => new Date(Math.floor(us / 1000)).toISOString().slice(11, 23);
  const when = (ms) =>
    new Date(ms)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC');
  const shortName = (n) =>
    n.namespace && n.name.startsWith(`${n.namespace}.`) ? n.name.slice(n.namespace.length + 1) : n.name;
  function announce(text) {
    const el = $('#announce');
    if (el) el.textContent = text;
  }

  // ---------- the graph shown: base graph, tag filter, collapsed namespaces ----------
  function baseGraph() {
    if (S.run) return { nodes: S.run.nodes, datasets: S.run.datasets };
    const p = S.project?.pipelines.find((x) => x.name === S.pipelineName);
    return p ? { nodes: p.nodes, datasets: p.datasets } : { nodes: [], datasets: [] };
  }
  function projectNode(name) {
    if (!S.project) return undefined;
    for (const p of S.project.pipelines) {
      const n = p.nodes.find((x) => x.name === name);
      if (n) return n;
    }
    return undefined;
  }
  function namespacesOf(nodes) {
    const all = new Set();
    for (const n of nodes) {
      if (!n.namespace) continue;
      const parts = n.namespace.split('.');
      for (let i = 1; i <= parts.length; i++) all.add(parts.slice(0, i).join('.'));
    }
    return [...all].sort();
  }
  function groupOf(n) {
    if (!n.namespace) return null;
    const parts = n.namespace.split('.');
    for (let i = 1; i <= parts.length; i++) {
      const ns = parts.slice(0, i).join('.');
      if (S.collapsed.has(ns)) return ns;
    }
    return null;
  }
  function visibleGraph() {
    const base = baseGraph();
    const nodes = S.tags.size ? base.nodes.filter((n) => n.tags.some((t) => S.tags.has(t))) : base.nodes;
    const dsByName = new Map(base.datasets.map((d) => [d.name, d]));
    const vertexOf = new Map(); // node name -> vertex id
    const vertices = new Map(); // id -> vertex
    for (const n of nodes) {
      const g = groupOf(n);
      if (g === null) {
        const id = `n:${n.name}`;
        vertexOf.set(n.name, id);
        vertices.set(id, { id, kind: 'node', name: n.name, node: n });
      } else {
        const id = `g:${g}`;
        vertexOf.set(n.name, id);
        if (!vertices.has(id)) vertices.set(id, { id, kind: 'group', name: g, members: [] });
        vertices.get(id).members.push(n);
      }
    }
    const producers = new Map();
    const consumers = new Map();
    for (const n of nodes) {
      const v = vertexOf.get(n.name);
      for (const d of n.outputs) (producers.get(d) || producers.set(d, new Set()).get(d)).add(v);
      for (const d of n.inputs) (consumers.get(d) || consumers.set(d, new Set()).get(d)).add(v);
    }
    const edges = [];
    const seen = new Set();
    const addEdge = (from, to) => {
      const key = `${from}>${to}`;
      if (seen.has(key)) return;
      seen.add(key);
      edges.push({ from, to });
    };
    const names = new Set([...producers.keys(), ...consumers.keys()]);
    for (const d of names) {
      if (!S.showParams && dsByName.get(d)?.kind === 'parameters') continue;
      const p = producers.get(d) || new Set();
      const c = consumers.get(d) || new Set();
      const ends = new Set([...p, ...c]);
      // a dataset only a collapsed namespace writes and reads (or nobody reads) is not shown
      if (ends.size === 1 && [...ends][0].startsWith('g:')) continue;
      const id = `d:${d}`;
      vertices.set(id, {
        id,
        kind: 'dataset',
        name: d,
        dataset: dsByName.get(d) || { name: d, type: 'MemoryDataset', kind: 'memory' },
      });
      for (const v of p) addEdge(v, id);
      for (const v of c) if (!p.has(v)) addEdge(id, v);
    }
    return { vertices, edges, nodeCount: nodes.length };
  }

  // ---------- sizes ----------
  const CHAR = 7.3;
  const META_CHAR = 6.2;
  function nodeMeta(n) {
    if (!S.run) return n.tags.length ? n.tags.join(' · ') : 'node';
    const parts = [STATUS_ICON[n.status] || '', statusText(n.status)];
    if (n.durationMs !== undefined && n.durationMs !== null) parts.push(`· ${duration(n.durationMs)}`);
    if (n.thread) parts.push(`· ${n.thread}`);
    return parts.join(' ');
  }
  function groupCounts(members) {
    const c = { completed: 0, failed: 0, running: 0, skipped: 0, pending: 0, 'not-run': 0 };
    for (const m of members) c[m.status] = (c[m.status] || 0) + 1;
    return c;
  }
  function groupStatus(members) {
    if (!S.run) return 'none';
    const c = groupCounts(members);
    if (c.failed) return 'failed';
    if (c.running) return 'running';
    if (c.completed + c.skipped === members.length) return 'completed';
    if (c.pending) return 'pending';
    return 'not-run';
  }
  function groupMeta(v) {
    const n = v.members.length;
    if (!S.run) return `${n} node${n === 1 ? '' : 's'} · collapsed`;
    const c = groupCounts(v.members);
    return `${c.completed + c.skipped}/${n} done${c.running ? ` · ${c.running} running` : ''}${c.failed ? ` · ${c.failed} failed` : ''}`;
  }
  const logWord = (k) => `${k} log${k === 1 ? '' : 's'}`;
  function vertexSize(v) {
    if (v.kind === 'dataset') return [Math.max(90, Math.ceil(v.name.length * CHAR * 0.92) + 40), 26];
    if (v.kind === 'group') {
      const label = `▸ ${v.name}`;
      return [
        Math.max(170, Math.ceil(Math.max(label.length * CHAR, groupMeta(v).length * META_CHAR)) + 36),
        46,
      ];
    }
    const n = v.node;
    const extra = S.run ? logWord(n.logs.length).length + 3 : 0;
    return [
      Math.max(
        150,
        Math.ceil(Math.max(shortName(n).length * CHAR, (nodeMeta(n).length + extra) * META_CHAR)) + 36,
      ),
      46,
    ];
  }

  // ---------- layout (d3-dag Sugiyama, operators chosen by size) ----------
  const sum = (layers) => layers.reduce((s, l) => s + l.length, 0);
  // Linear-time coordinates for very large layered graphs: each vertex goes to the mean of its
  // neighbours in the previous layer, then the layer is packed to respect the separations (the
  // mean of a left-packed and a right-packed placement, both valid); sweeps down, up, down.
  function fastCoord(layers, sep) {
    for (const layer of layers) {
      let x = 0;
      let prev;
      for (const v of layer) {
        x += sep(prev, v);
        v.x = x;
        prev = v;
      }
    }
    const place = (layer, neighbours) => {
      const want = layer.map((v) => {
        let s = 0;
        let k = 0;
        for (const u of neighbours(v)) {
          s += u.x;
          k++;
        }
        return k ? s / k : v.x;
      });
      const left = [];
      const right = [];
      for (let i = 0; i < layer.length; i++)
        left[i] = i === 0 ? want[0] : Math.max(want[i], left[i - 1] + sep(layer[i - 1], layer[i]));
      for (let i = layer.length - 1; i >= 0; i--)
        right[i] =
          i === layer.length - 1 ? want[i] : Math.min(want[i], right[i + 1] - sep(layer[i], layer[i + 1]));
      for (let i = 0; i < layer.length; i++) layer[i].x = (left[i] + right[i]) / 2;
    };
    for (let pass = 0; pass < 3; pass++) {
      if (pass % 2 === 0) for (let i = 1; i < layers.length; i++) place(layers[i], (v) => v.parents());
      else for (let i = layers.length - 2; i >= 0; i--) place(layers[i], (v) => v.children());
    }
    let min = Infinity;
    let max = -Infinity;
    for (const layer of layers) {
      for (const v of layer) {
        min = Math.min(min, v.x - sep(undefined, v));
        max = Math.max(max, v.x + sep(v, undefined));
      }
    }
    for (const layer of layers) for (const v of layer) v.x -= min;
    return max - min;
  }
  const simplexCoord = d3.coordSimplex();
  const twoLayer = d3.decrossTwoLayer();
  const dfs = d3.decrossDfs();
  function adaptiveCoord(layers, sep) {
    const n = sum(layers);
    S.timings.vertices = n;
    if (n <= 250) return simplexCoord(layers, sep);
    return fastCoord(layers, sep);
  }
  function adaptiveDecross(layers) {
    return sum(layers) <= 300 ? twoLayer(layers) : dfs(layers);
  }
  // Where the segment from a box's centre towards \`toward\` leaves the box (w × h).
  function border(centre, toward, w, h) {
    const dx = toward[0] - centre[0];
    const dy = toward[1] - centre[1];
    if (dx === 0 && dy === 0) return centre;
    const t = Math.min(
      dx === 0 ? Infinity : w / 2 / Math.abs(dx),
      dy === 0 ? Infinity : h / 2 / Math.abs(dy),
    );
    return t >= 1 ? centre : [centre[0] + dx * t, centre[1] + dy * t];
  }
  function layout(graph) {
    const started = performance.now();
    const g = d3.graph();
    const handles = new Map();
    for (const v of graph.vertices.values()) {
      const size = vertexSize(v);
      v.width = size[0];
      v.height = size[1];
      handles.set(v.id, g.node(v));
    }
    const links = [];
    for (const e of graph.edges) links.push({ e, link: g.link(handles.get(e.from), handles.get(e.to)) });
    let width = 0;
    let height = 0;
    if (graph.vertices.size > 0) {
      const run = d3
        .sugiyama()
        .nodeSize((node) => (node === undefined ? [0, 0] : [node.data.width, node.data.height]))
        .gap([22, 34])
        .layering(d3.layeringSimplex())
        .decross(adaptiveDecross)
        .coord(adaptiveCoord);
      const size = run(g);
      width = size.width;
      height = size.height;
    }
    for (const [id, h] of handles) {
      const v = graph.vertices.get(id);
      v.x = h.x;
      v.y = h.y;
    }
    // d3-dag routes edges centre to centre: end them on the boxes' borders, so arrowheads show
    for (const { e, link } of links) {
      const pts = link.points.map((p) => [p[0], p[1]]);
      const from = graph.vertices.get(e.from);
      const to = graph.vertices.get(e.to);
      if (pts.length >= 2) {
        pts[0] = border(pts[0], pts[1], from.width, from.height);
        pts[pts.length - 1] = border(pts[pts.length - 1], pts[pts.length - 2], to.width, to.height);
      }
      e.points = pts;
    }
    S.timings.layoutMs = performance.now() - started;
    const margin = 16;
    for (const v of graph.vertices.values()) {
      v.x += margin;
      v.y += margin;
    }
    for (const e of graph.edges) e.points = e.points.map((p) => [p[0] + margin, p[1] + margin]);
    graph.width = Math.ceil(width + 2 * margin);
    graph.height = Math.ceil(height + 2 * margin);
    return graph;
  }

  // ---------- SVG ----------
  function edgePath(points) {
    if (!points.length) return '';
    const f = (n) => n.toFixed(1);
    let d = `M${f(points[0][0])},${f(points[0][1])}`;
    if (points.length === 2) return `${d} L${f(points[1][0])},${f(points[1][1])}`;
    for (let i = 1; i < points.length - 1; i++) {
      const p = points[i];
      const q = points[i + 1];
      const last = i === points.length - 2;
      d += ` Q${f(p[0])},${f(p[1])} ${f(last ? q[0] : (p[0] + q[0]) / 2)},${f(last ? q[1] : (p[1] + q[1]) / 2)}`;
    }
    return d;
  }
  function datasetIcon(d) {
    if (d.kind === 'parameters') return 'P';
    if (d.kind === 'memory') return '◇';
    const key = `${d.type} ${d.filepath || ''}`.toLowerCase();
    if (key.includes('csv')) return 'CSV';
    if (key.includes('json')) return '{ }';
    if (key.includes('parquet')) return 'PQ';
    if (key.includes('text') || key.includes('.txt')) return 'TXT';
    return '▤';
  }
  function vertexClass(v) {
    if (v.kind === 'dataset') return `dataset kind-${v.dataset.kind}`;
    if (v.kind === 'group') return `node group status-${groupStatus(v.members)}`;
    return `node status-${S.run ? v.node.status : 'none'}`;
  }
  function vertexLabel(v) {
    if (v.kind === 'dataset') {
      const d = v.dataset;
      return `Dataset ${d.name}, ${d.type}${d.filepath ? `, ${d.filepath}` : ''}`;
    }
    if (v.kind === 'group') return `Namespace ${v.name}, ${groupMeta(v)}; press Enter to expand`;
    const n = v.node;
    return S.run
      ? `${n.name}: ${statusText(n.status)}${n.durationMs !== undefined ? `, ${duration(n.durationMs)}` : ''}`
      : `Node ${n.name}`;
  }
  function vertexSvg(v) {
    const left = (v.x - v.width / 2).toFixed(1);
    const top = (v.y - v.height / 2).toFixed(1);
    const tab = v.id === S.focusId ? '0' : '-1';
    const common = `data-id="${esc(v.id)}" tabindex="${tab}" role="button" aria-label="${esc(vertexLabel(v))}" transform="translate(${left},${top})"`;
    if (v.kind === 'dataset') {
      const d = v.dataset;
      const icon = datasetIcon(d);
      const lx = icon.length > 1 ? 12 + icon.length * 6.5 : 28;
      return `<g class="${vertexClass(v)}" data-dataset="${esc(d.name)}" ${common}><title>${esc(`${d.name} — ${d.type}${d.filepath ? ` (${d.filepath})` : ''}`)}</title><rect width="${v.width}" height="${v.height}" rx="${v.height / 2}"/><text class="kind" x="12" y="${v.height / 2 + 4}">${esc(icon)}</text><text class="label" x="${lx}" y="${v.height / 2 + 4}">${esc(d.name)}</text></g>`;
    }
    if (v.kind === 'group') {
      return `<g class="${vertexClass(v)}" data-namespace="${esc(v.name)}" ${common}><rect class="box" width="${v.width}" height="${v.height}" rx="9"/><rect class="bar" width="6" height="${v.height}" rx="3"/><text class="label" x="18" y="19">${esc(`▸ ${v.name}`)}</text><text class="meta" x="18" y="35">${esc(groupMeta(v))}</text></g>`;
    }
    const n = v.node;
    const count = S.run
      ? `<text class="count" x="${v.width - 10}" y="35" text-anchor="end">${esc(logWord(n.logs.length))}</text>`
      : '';
    return `<g class="${vertexClass(v)}" data-node="${esc(n.name)}" ${common}><rect class="box" width="${v.width}" height="${v.height}" rx="9"/><rect class="bar" width="6" height="${v.height}" rx="3"/><text class="label" x="18" y="19">${esc(shortName(n))}</text><text class="meta" x="18" y="35">${esc(nodeMeta(n))}</text>${count}</g>`;
  }
  function renderGraph() {
    const started = performance.now();
    const base = baseGraph();
    const key = `${S.run ? `run:${S.run.runId}` : `p:${S.pipelineName}`}|${[...S.collapsed].sort().join(',')}|${[...S.tags].sort().join(',')}`;
    const view = layout(visibleGraph());
    S.view = view;
    S.graphKey = key;
    if (!S.focusId || !view.vertices.has(S.focusId)) S.focusId = firstVertex(view);
    const title = S.run ? S.run.pipeline : S.pipelineName || '';
    const parts = [
      `<svg class="graph" id="graph" xmlns="http://www.w3.org/2000/svg" width="${view.width}" height="${view.height}" viewBox="0 0 ${view.width} ${view.height}" role="group" aria-roledescription="pipeline graph" aria-label="${esc(`Pipeline graph of ${title}: ${base.nodes.length} nodes. Arrow keys move between boxes, Enter opens one.`)}">`,
      '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#94a3b8"/></marker><marker id="arrow-hot" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#4f46e5"/></marker></defs><g class="edges">',
    ];
    for (const e of view.edges)
      parts.push(
        `<path class="edge" data-from="${esc(e.from)}" data-to="${esc(e.to)}" d="${edgePath(e.points)}" marker-end="url(#arrow)"/>`,
      );
    parts.push('</g><g class="boxes">');
    for (const v of view.vertices.values()) parts.push(vertexSvg(v));
    parts.push('</g></svg>');
    const scroll = $('#graph-scroll');
    scroll.innerHTML = view.vertices.size
      ? parts.join('')
      : '<p class="empty-state">No nodes to show (check the tag filter).</p>';
    scroll.classList.toggle('fit', view.width < scroll.clientWidth);
    // a graph wider or taller than its pane opens on the box that has the focus (the top one)
    const anchor = view.vertices.get(S.focusId);
    if (anchor && view.width >= scroll.clientWidth)
      scroll.scrollLeft = Math.max(0, anchor.x - scroll.clientWidth / 2);
    if (anchor && view.height >= scroll.clientHeight) scroll.scrollTop = Math.max(0, anchor.y - 60);
    S.timings.renderMs = performance.now() - started;
    api.renders++;
    applySearch();
    markSelection();
    renderNamespaces();
  }
  function firstVertex(view) {
    let best = null;
    for (const v of view.vertices.values()) {
      if (v.kind === 'dataset') continue;
      if (!best || v.y < best.y || (v.y === best.y && v.x < best.x)) best = v;
    }
    return best ? best.id : null;
  }

  // ---------- live updates of one node (no new layout) ----------
  // The box keeps the width it was laid out with (pending, no thread yet): the meta line is
  // shortened to it, the thread first (the table and the panel show it); the run's end lays out
  // again, with every line whole.
  function fittedMeta(v) {
    const text = v.kind === 'group' ? groupMeta(v) : nodeMeta(v.node);
    const extra = v.node && S.run ? logWord(v.node.logs.length).length + 3 : 0;
    const room = Math.floor((v.width - 36) / META_CHAR) - extra;
    if (text.length <= room) return text;
    if (v.node?.thread) {
      const shorter = nodeMeta({ ...v.node, thread: undefined });
      if (shorter.length <= room) return shorter;
    }
    return `${text.slice(0, Math.max(1, room - 1))}…`;
  }
  function updateVertex(id) {
    const v = S.view?.vertices.get(id);
    const el = document.querySelector(`[data-id="${CSS.escape(id)}"]`);
    if (!v || !el) return;
    el.setAttribute('class', vertexClass(v));
    el.setAttribute('aria-label', vertexLabel(v));
    const meta = el.querySelector('.meta');
    if (meta) meta.textContent = fittedMeta(v);
    const count = el.querySelector('.count');
    if (count && v.node) count.textContent = logWord(v.node.logs.length);
    if (
      S.selected &&
      `${S.selected.kind === 'node' ? 'n' : S.selected.kind === 'group' ? 'g' : 'd'}:${S.selected.name}` ===
        id
    )
      el.classList.add('selected');
    if (S.query) applySearch();
  }
  function updateNode(name) {
    const n = S.run?.nodes.find((x) => x.name === name);
    if (!n) return;
    const g = groupOf(n);
    updateVertex(g === null ? `n:${name}` : `g:${g}`);
    const row = document.querySelector(`tr[data-row="${CSS.escape(name)}"]`);
    if (row) row.outerHTML = tableRow(n);
  }

  // ---------- header ----------
  function counts(nodes) {
    const c = { completed: 0, failed: 0, skipped: 0, 'not-run': 0, running: 0, pending: 0 };
    for (const n of nodes) c[n.status] = (c[n.status] || 0) + 1;
    return c;
  }
  function renderHeader() {
    const r = S.run;
    let title;
    let sub;
    let facts = [];
    if (r) {
      const c = counts(r.nodes);
      title = `${esc(r.pipeline)} <span class="badge run-${esc(r.status)}" id="run-status">${esc(r.status)}</span>`;
      const bits = [`${c.completed} completed`];
      if (c.failed) bits.push(`${c.failed} failed`);
      if (c.running) bits.push(`${c.running} running`);
      if (c.skipped) bits.push(`${c.skipped} skipped`);
      if (c.pending) bits.push(`${c.pending} waiting`);
      if (c['not-run']) bits.push(`${c['not-run']} not run`);
      sub = `${r.project ? `${esc(r.project)} · ` : ''}${S.mode === 'report' ? 'Weft run report' : 'Weft run'} · run <code>${esc(r.runId)}</code> · <span id="run-summary">${r.nodes.length} nodes: ${bits.join(', ')}</span>`;
      facts = [
        ['Runner', `${r.runner}${r.maxWorkers === undefined ? '' : ` (max ${r.maxWorkers} workers)`}`],
        ['Flow run', r.flowRunName || '–'],
        ['Reported to', r.reportedTo || '–'],
        ['Started', when(r.startedAt)],
        ['Duration', r.status === 'running' ? 'running…' : duration(r.durationMs)],
        ['Context', r.propagateContext ? 'propagated' : 'NOT propagated'],
      ];
      for (const k of Object.keys(r.userContext || {})) facts.push([k, r.userContext[k]]);
      document.title = `${r.pipeline} · ${r.status} · Weft run report`;
    } else {
      const p = S.project?.pipelines.find((x) => x.name === S.pipelineName);
      title = esc(S.pipelineName || S.project?.name || 'Weft');
      sub = `${esc(S.project?.name || '')} · pipeline · ${p ? `${p.nodes.length} nodes, ${p.datasets.length} datasets` : 'no pipeline'}`;
      document.title = `${S.pipelineName || ''} · Weft viewer`;
    }
    $('#title').innerHTML = title;
    $('#sub').innerHTML = sub;
    $('#facts').innerHTML = facts.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join('');
    const bar = $('#progress');
    if (r) {
      const c = counts(r.nodes);
      const done = c.completed + c.failed + c.skipped;
      bar.hidden = false;
      bar.classList.toggle('has-failed', c.failed > 0);
      bar.setAttribute('aria-valuenow', String(done));
      bar.setAttribute('aria-valuemax', String(r.nodes.length));
      bar.setAttribute('aria-valuetext', `${done} of ${r.nodes.length} nodes finished`);
      bar.firstElementChild.style.width = `${r.nodes.length ? (100 * done) / r.nodes.length : 0}%`;
    } else bar.hidden = true;
    const alert = $('#alert');
    if (r?.error) {
      alert.hidden = false;
      alert.innerHTML = `<strong>Run ${esc(r.status)}:</strong> ${esc(r.error)}${r.resumeHint ? `<br>Resume with <code>${esc(r.resumeHint)}</code>` : r.resumeFromNodes?.length ? `<br>Resume from nodes <code>${esc(r.resumeFromNodes.join(','))}</code>` : ''}`;
    } else alert.hidden = true;
  }

  // ---------- panel ----------
  function logList(logs) {
    if (!logs.length) return '<ul class="logs"><li class="empty">no log lines</li></ul>';
    const debug = logs.filter((l) => l.level < 20).length;
    const shown = S.showDebug ? logs : logs.filter((l) => l.level >= 20);
    const toggle = debug
      ? `<label class="toggle"><input type="checkbox" id="show-debug"${S.showDebug ? ' checked' : ''}> show ${debug} DEBUG line${debug === 1 ? '' : 's'}</label>`
      : '';
    const items = shown.length
      ? shown
          .map(
            (l) =>
              `<li class="${levelName(l.level)}"><span class="ts">${clock(l.timestamp)}</span><span class="lv">${levelName(l.level)}</span>${esc(l.message)}</li>`,
          )
          .join('')
      : '<li class="empty">only DEBUG lines</li>';
    return `${toggle}<ul class="logs" aria-label="log lines">${items}</ul>`;
  }
  const pills = (xs, kind) =>
    xs.length
      ? xs
          .map((x) =>
            kind
              ? `<button type="button" class="pill" data-goto="${kind}:${esc(x)}">${esc(x)}</button>`
              : `<span class="pill">${esc(x)}</span>`,
          )
          .join('')
      : '<span class="muted">none</span>';
  function kv(rows) {
    return `<dl class="kv">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
  }
  function codeBlock(n) {
    const p = n.code ? n : projectNode(n.name) || n;
    let html = '';
    if (p.code)
      html += `<h3>Code</h3><p><code id="code-location">${esc(`${p.code.file}:${p.code.line}:${p.code.column}`)}</code>${p.code.functionName ? ` <span class="muted">${esc(p.code.functionName)}()</span>` : ''}</p>`;
    if (p.doc) html += `<h3>Description</h3><pre class="doc" id="docstring">${esc(p.doc)}</pre>`;
    return html;
  }
  function renderPanel() {
    const body = $('#panel-body');
    const sel = S.selected;
    const base = baseGraph();
    if (sel?.kind === 'node') {
      const n = base.nodes.find((x) => x.name === sel.name);
      if (n) {
        const rows = [];
        if (n.namespace) rows.push(['Namespace', esc(n.namespace)]);
        if (S.run) {
          rows.push(
            ['Duration', esc(duration(n.durationMs))],
            ['Thread', esc(n.thread || '–')],
            ['Task run', esc(n.taskRunName || '–')],
            ['Task run id', esc(n.taskRunId || '–')],
          );
          if (n.startedAt) rows.push(['Started', esc(when(n.startedAt))]);
        }
        body.innerHTML =
          `<h2 id="panel-title">${esc(n.name)}</h2>${S.run ? `<span class="st ${esc(n.status)}">${esc(statusText(n.status))}</span>` : ''}${kv(rows)}` +
          `${codeBlock(n)}<h3>Inputs</h3>${pills(n.inputs, 'dataset')}<h3>Outputs</h3>${pills(n.outputs, 'dataset')}${n.tags.length ? `<h3>Tags</h3>${pills(n.tags)}` : ''}` +
          `${n.error ? `<h3>Error${n.errorPhase ? ` (${esc(n.errorPhase)})` : ''}</h3><div class="err">${esc(n.error)}</div>` : ''}` +
          `${S.run ? `<h3>Logs (${n.logs.length})</h3>${logList(n.logs)}` : ''}<p><a href="#" id="back">← ${S.run ? 'run overview' : 'pipeline overview'}</a></p>`;
        wirePanel();
        return;
      }
    }
    if (sel?.kind === 'dataset') {
      const d = base.datasets.find((x) => x.name === sel.name) || {
        name: sel.name,
        type: 'MemoryDataset',
        kind: 'memory',
      };
      const by = base.nodes.filter((n) => n.outputs.includes(d.name)).map((n) => n.name);
      const to = base.nodes.filter((n) => n.inputs.includes(d.name)).map((n) => n.name);
      const rows = [
        ['Type', `<code>${esc(d.type)}</code>`],
        ['Kind', esc(d.kind)],
      ];
      if (d.filepath) rows.push(['File path', `<code id="dataset-filepath">${esc(d.filepath)}</code>`]);
      if (d.layer) rows.push(['Layer', esc(d.layer)]);
      let params = '';
      if (d.kind === 'parameters' && S.project?.parameters) {
        const value =
          d.name === 'parameters'
            ? S.project.parameters
            : lookup(S.project.parameters, d.name.slice('params:'.length));
        if (value !== undefined)
          params = `<h3>Value</h3><pre class="doc">${esc(JSON.stringify(value, null, 2))}</pre>`;
      }
      body.innerHTML = `<h2 id="panel-title">${esc(d.name)}</h2><span class="st">dataset</span>${kv(rows)}${params}<h3>Written by</h3>${pills(by, 'node')}<h3>Read by</h3>${pills(to, 'node')}<p><a href="#" id="back">← overview</a></p>`;
      wirePanel();
      return;
    }
    if (sel?.kind === 'group') {
      const members = base.nodes.filter(
        (n) => n.namespace === sel.name || n.namespace?.startsWith(`${sel.name}.`),
      );
      body.innerHTML = `<h2 id="panel-title">${esc(sel.name)}</h2><span class="st">namespace</span><p>${members.length} nodes${S.run ? `: ${esc(groupMeta({ members }))}` : ''}.</p><div class="panel-actions"><button type="button" id="expand-ns">Expand ${esc(sel.name)}</button></div><h3>Nodes</h3>${pills(
        members.map((m) => m.name),
        'node',
      )}<p><a href="#" id="back">← overview</a></p>`;
      $('#expand-ns').addEventListener('click', () => toggleNamespace(sel.name, false));
      wirePanel();
      return;
    }
    // overview
    if (S.run) {
      const r = S.run;
      body.innerHTML =
        `<h2 id="panel-title">${esc(r.pipeline)}</h2><span class="st ${esc(r.status)}">${esc(r.status)}</span>` +
        kv([
          ['Runner', esc(r.runner)],
          ['Flow run', esc(r.flowRunName || '–')],
          ['Flow run id', esc(r.flowRunId || '–')],
          ['Run id', esc(r.runId)],
        ]) +
        `${r.error ? `<h3>Error</h3><div class="err">${esc(r.error)}${r.resumeHint ? `\n\nResume with: ${esc(r.resumeHint)}` : ''}</div>` : ''}` +
        `<p class="muted">Select a node in the graph (click, or arrow keys and Enter) or a row of the table to see its task run and its logs.</p>` +
        `${r.droppedLogs ? `<p class="muted">${r.droppedLogs} log lines were not kept (the run's log budget was spent).</p>` : ''}<h3>Flow run logs</h3>${logList(r.flowLogs)}`;
    } else {
      const p = S.project?.pipelines.find((x) => x.name === S.pipelineName);
      const tags = p ? [...new Set(p.nodes.flatMap((n) => n.tags))].sort() : [];
      body.innerHTML = `<h2 id="panel-title">${esc(S.pipelineName || '')}</h2><span class="st">pipeline</span>${kv(
        [
          ['Nodes', String(p ? p.nodes.length : 0)],
          ['Datasets', String(p ? p.datasets.length : 0)],
          ['Namespaces', esc(p ? namespacesOf(p.nodes).join(', ') || '–' : '–')],
        ],
      )}${tags.length ? `<h3>Tags</h3>${pills(tags)}` : ''}${S.project?.parameters && Object.keys(S.project.parameters).length ? `<h3>Parameters</h3><pre class="doc" id="parameters">${esc(JSON.stringify(S.project.parameters, null, 2))}</pre>` : ''}<p class="muted">Select a node or dataset for its details.</p>`;
    }
    wirePanel();
  }
  function lookup(obj, path) {
    let cur = obj;
    for (const k of path.split('.')) {
      if (cur === null || typeof cur !== 'object' || !(k in cur)) return undefined;
      cur = cur[k];
    }
    return cur;
  }
  function wirePanel() {
    const back = $('#back');
    if (back)
      back.addEventListener('click', (ev) => {
        ev.preventDefault();
        select(null);
      });
    const box = $('#show-debug');
    if (box)
      box.addEventListener('change', () => {
        S.showDebug = box.checked;
        renderPanel();
      });
    for (const b of document.querySelectorAll('#panel-body [data-goto]')) {
      b.addEventListener('click', () => {
        const [kind, ...rest] = b.getAttribute('data-goto').split(':');
        selectByName(kind, rest.join(':'), true);
      });
    }
  }
  let panelQueued = false;
  function queuePanel() {
    if (panelQueued) return;
    panelQueued = true;
    requestAnimationFrame(() => {
      panelQueued = false;
      renderPanel();
    });
  }

  // ---------- selection, focus, keyboard ----------
  function idOf(sel) {
    if (!sel) return null;
    if (sel.kind === 'dataset') return `d:${sel.name}`;
    if (sel.kind === 'group') return `g:${sel.name}`;
    const n = baseGraph().nodes.find((x) => x.name === sel.name);
    const g = n ? groupOf(n) : null;
    return g === null ? `n:${sel.name}` : `g:${g}`;
  }
  function markSelection() {
    for (const el of document.querySelectorAll('.selected')) el.classList.remove('selected');
    for (const el of document.querySelectorAll('.edge.hot')) el.classList.remove('hot');
    const id = idOf(S.selected);
    if (!id) return;
    const el = document.querySelector(`[data-id="${CSS.escape(id)}"]`);
    if (el) el.classList.add('selected');
    if (S.selected.kind === 'node') {
      const tr = document.querySelector(`tr[data-row="${CSS.escape(S.selected.name)}"]`);
      if (tr) tr.classList.add('selected');
    }
    for (const e of document.querySelectorAll('.edge'))
      if (e.dataset.from === id || e.dataset.to === id) e.classList.add('hot');
  }
  function select(sel) {
    S.selected = sel;
    markSelection();
    renderPanel();
  }
  function selectByName(kind, name, focus) {
    const sel = { kind, name };
    select(sel);
    const id = idOf(sel);
    if (id && S.view?.vertices.has(id)) {
      setFocus(id, focus);
    }
  }
  function setFocus(id, move) {
    const old = S.focusId && document.querySelector(`[data-id="${CSS.escape(S.focusId)}"]`);
    if (old) old.setAttribute('tabindex', '-1');
    S.focusId = id;
    const el = document.querySelector(`[data-id="${CSS.escape(id)}"]`);
    if (!el) return;
    el.setAttribute('tabindex', '0');
    if (move) {
      el.focus({ preventScroll: true });
      el.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
    }
  }
  function activate(id) {
    const v = S.view?.vertices.get(id);
    if (!v) return;
    setFocus(id, false);
    if (v.kind === 'group') select({ kind: 'group', name: v.name });
    else if (v.kind === 'dataset') select({ kind: 'dataset', name: v.name });
    else select({ kind: 'node', name: v.name });
  }
  // Arrow keys: Left/Right to the nearest box in the same row, Up/Down to the nearest box in the
  // row above or below (by horizontal distance).
  function neighbour(id, key) {
    const cur = S.view.vertices.get(id);
    if (!cur) return null;
    let best = null;
    let bestScore = Infinity;
    for (const v of S.view.vertices.values()) {
      if (v === cur) continue;
      const dx = v.x - cur.x;
      const dy = v.y - cur.y;
      let score;
      if (key === 'ArrowRight' || key === 'ArrowLeft') {
        if (Math.abs(dy) > 1 || (key === 'ArrowRight' ? dx <= 0 : dx >= 0)) continue;
        score = Math.abs(dx);
      } else {
        if (key === 'ArrowDown' ? dy <= 1 : dy >= -1) continue;
        score = Math.abs(dy) * 4 + Math.abs(dx);
      }
      if (score < bestScore) {
        bestScore = score;
        best = v;
      }
    }
    return best ? best.id : null;
  }
  function onGraphKey(ev) {
    const target = ev.target.closest?.('[data-id]');
    if (!target) return;
    const id = target.getAttribute('data-id');
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      const v = S.view.vertices.get(id);
      if (v?.kind === 'group' && S.selected?.kind === 'group' && S.selected.name === v.name)
        toggleNamespace(v.name, false);
      else activate(id);
    } else if (ev.key.startsWith('Arrow')) {
      ev.preventDefault();
      const next = neighbour(id, ev.key);
      if (next) setFocus(next, true);
    } else if (ev.key === 'Escape') {
      select(null);
    } else if (ev.key === 'Home' || ev.key === 'End') {
      ev.preventDefault();
      const all = [...S.view.vertices.values()].sort((a, b) => a.y - b.y || a.x - b.x);
      const v = ev.key === 'Home' ? all[0] : all[all.length - 1];
      if (v) setFocus(v.id, true);
    }
  }

  // ---------- tooltip ----------
  function tooltipFor(id) {
    const v = S.view?.vertices.get(id);
    if (!v) return '';
    if (v.kind === 'dataset')
      return `<strong>${esc(v.name)}</strong> · ${esc(v.dataset.type)}${v.dataset.filepath ? `<div class="tl">${esc(v.dataset.filepath)}</div>` : ''}`;
    if (v.kind === 'group') return `<strong>${esc(v.name)}</strong> · namespace · ${esc(groupMeta(v))}`;
    const n = v.node;
    if (!S.run)
      return `<strong>${esc(n.name)}</strong>${n.tags.length ? ` · ${esc(n.tags.join(', '))}` : ''}`;
    const last = n.logs.length ? n.logs[n.logs.length - 1].message : '(no logs)';
    return `<strong>${esc(n.name)}</strong> · ${esc(statusText(n.status))} · ${esc(duration(n.durationMs))}${n.thread ? ` · ${esc(n.thread)}` : ''}<div class="tl">${n.logs.length} log line${n.logs.length === 1 ? '' : 's'}${n.logs.length ? `; last: ${esc(last.length > 160 ? `${last.slice(0, 160)}…` : last)}` : ''}</div>`;
  }

  // ---------- search, tags, namespaces ----------
  function matches(v, q) {
    if (v.name.toLowerCase().includes(q)) return true;
    if (v.kind === 'node') return v.node.tags.some((t) => t.toLowerCase().includes(q));
    if (v.kind === 'group') return v.members.some((m) => m.name.toLowerCase().includes(q));
    return false;
  }
  function applySearch() {
    const q = S.query.trim().toLowerCase();
    let count = 0;
    for (const el of document.querySelectorAll('#graph [data-id]')) {
      const v = S.view.vertices.get(el.getAttribute('data-id'));
      const hit = q !== '' && v && matches(v, q);
      if (hit) count++;
      el.classList.toggle('match', hit);
      el.classList.toggle('dim', q !== '' && !hit);
    }
    for (const el of document.querySelectorAll('#graph .edge')) el.classList.toggle('dim', q !== '');
    const status = $('#search-status');
    if (status) status.textContent = q ? `${count} match${count === 1 ? '' : 'es'}` : '';
    return count;
  }
  function firstMatch() {
    const q = S.query.trim().toLowerCase();
    if (!q || !S.view) return null;
    return (
      [...S.view.vertices.values()].filter((v) => matches(v, q)).sort((a, b) => a.y - b.y || a.x - b.x)[0] ||
      null
    );
  }
  function renderTags() {
    const all = [...new Set(baseGraph().nodes.flatMap((n) => n.tags))].sort();
    for (const t of [...S.tags]) if (!all.includes(t)) S.tags.delete(t);
    $('#tag-menu').innerHTML = all.length
      ? `<fieldset><legend>Show nodes tagged</legend>${all.map((t) => `<label><input type="checkbox" value="${esc(t)}"${S.tags.has(t) ? ' checked' : ''}> ${esc(t)}</label>`).join('')}</fieldset>`
      : '<p class="muted">No tags in this pipeline.</p>';
    $('#tag-summary').textContent = S.tags.size ? `Tags: ${[...S.tags].join(', ')}` : 'Tags: all';
  }
  function renderNamespaces() {
    const all = namespacesOf(baseGraph().nodes);
    const menu = $('#ns-menu');
    menu.innerHTML = all.length
      ? `<fieldset><legend>Collapsed namespaces</legend>${all.map((ns) => `<label><input type="checkbox" value="${esc(ns)}"${S.collapsed.has(ns) ? ' checked' : ''}> ${esc(ns)}</label>`).join('')}</fieldset>`
      : '<p class="muted">No namespaces in this pipeline.</p>';
    $('#ns-details').hidden = all.length === 0;
    $('#expand-all').hidden = all.length === 0;
    $('#collapse-all').hidden = all.length === 0;
  }
  function toggleNamespace(ns, collapse) {
    if (collapse) S.collapsed.add(ns);
    else {
      S.collapsed.delete(ns);
      for (const c of [...S.collapsed]) if (c.startsWith(`${ns}.`)) S.collapsed.delete(c);
    }
    S.collapseTouched = true;
    const sel = S.selected;
    if (sel?.kind === 'group' && !collapse) S.selected = null;
    renderGraph();
    renderPanel();
    announce(`${collapse ? 'Collapsed' : 'Expanded'} namespace ${ns}`);
  }
  function defaultCollapse() {
    const nodes = baseGraph().nodes;
    // parameters read all over a large pipeline make long edges; they stay in each node's inputs
    if (!S.paramsTouched) S.showParams = nodes.length <= 80;
    $('#show-params').checked = S.showParams;
    if (S.collapseTouched) return;
    S.collapsed = new Set(nodes.length > 80 ? namespacesOf(nodes).filter((ns) => !ns.includes('.')) : []);
  }

  // ---------- table ----------
  function tableRow(n) {
    if (S.run)
      return `<tr data-row="${esc(n.name)}" class="status-${esc(n.status)}"><td><button type="button" class="link"><span class="dot ${esc(n.status)}"></span>${esc(n.name)}</button></td><td>${esc(statusText(n.status))}</td><td>${esc(n.thread || '–')}</td><td class="num">${esc(duration(n.durationMs))}</td><td class="num">${n.logs.length}</td><td>${esc(n.taskRunName || '–')}</td></tr>`;
    return `<tr data-row="${esc(n.name)}"><td><button type="button" class="link">${esc(n.name)}</button></td><td>${esc(n.namespace || '–')}</td><td>${esc(n.tags.join(', ') || '–')}</td><td>${esc(n.inputs.join(', '))}</td><td>${esc(n.outputs.join(', '))}</td></tr>`;
  }
  function renderTable() {
    const nodes = baseGraph().nodes;
    const head = S.run
      ? '<tr><th scope="col">Node</th><th scope="col">Status</th><th scope="col">Thread</th><th scope="col" class="num">Duration</th><th scope="col" class="num">Logs</th><th scope="col">Task run</th></tr>'
      : '<tr><th scope="col">Node</th><th scope="col">Namespace</th><th scope="col">Tags</th><th scope="col">Inputs</th><th scope="col">Outputs</th></tr>';
    $('#nodes-table').innerHTML =
      `<caption>Nodes</caption><thead>${head}</thead><tbody>${nodes.map(tableRow).join('')}</tbody>`;
    markSelection();
  }

  // ---------- viewer: pipelines and runs ----------
  function renderNav() {
    const nav = $('#nav');
    if (S.mode !== 'viewer') return;
    const pipes = S.project ? S.project.pipelines.map((p) => p.name) : [];
    const runs = S.runs;
    nav.innerHTML =
      `<h2 id="pipelines-heading">Pipelines</h2><ul aria-labelledby="pipelines-heading">${pipes
        .map(
          (p) =>
            `<li><button type="button" class="item" data-pipeline="${esc(p)}" aria-current="${!S.runId && S.pipelineName === p}">${esc(p)}</button></li>`,
        )
        .join('')}</ul>` +
      `<h2 id="runs-heading">Runs</h2><ul id="runs" aria-labelledby="runs-heading">${
        runs.length
          ? runs
              .map(
                (r) =>
                  `<li><button type="button" class="item" data-run-id="${esc(r.id)}" aria-current="${S.runId === r.id}"><span class="dot ${esc(r.status)}"></span>${esc(r.pipeline)} <span class="st ${esc(r.status)}">${esc(r.status)}</span><span class="when">${esc(when(r.startedAt))} · ${esc(r.status === 'running' ? 'running…' : duration(r.durationMs))}</span></button></li>`,
              )
              .join('')
          : '<li class="muted">No runs recorded yet: <code>weft run</code> records each run here.</li>'
      }</ul>`;
  }
  async function getJson(path) {
    const res = await fetch(`${S.api}${path}`);
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res.json();
  }
  function showPipeline(name) {
    closeRunEvents();
    S.runId = null;
    S.run = null;
    S.pipelineName = name;
    S.selected = null;
    S.collapseTouched = false;
    location.hash = `pipeline=${encodeURIComponent(name)}`;
    renderAll();
  }
  function closeRunEvents() {
    if (S.runEvents) S.runEvents.close();
    S.runEvents = null;
  }
  function openRun(id) {
    closeRunEvents();
    S.runId = id;
    S.selected = null;
    S.collapseTouched = false;
    location.hash = `run=${encodeURIComponent(id)}`;
    renderNav();
    const es = new EventSource(`${S.api}/api/runs/${encodeURIComponent(id)}/events`);
    S.runEvents = es;
    es.addEventListener('snapshot', (ev) => {
      if (S.runEvents !== es) return;
      S.run = JSON.parse(ev.data);
      renderAll();
      const failed = S.run.nodes.find((n) => n.status === 'failed');
      if (failed) select({ kind: 'node', name: failed.name });
    });
    es.addEventListener('update', (ev) => {
      if (S.runEvents !== es || !S.run) return;
      applyUpdate(JSON.parse(ev.data));
    });
    es.addEventListener('gone', () => {
      es.close();
      announce('This run is no longer in the history.');
    });
  }
  function applyUpdate(u) {
    const r = S.run;
    api.updates++;
    const wasRunning = r.status === 'running';
    if (u.run) Object.assign(r, u.run);
    for (const n of u.nodes || []) {
      const cur = r.nodes.find((x) => x.name === n.name);
      if (!cur) continue;
      const { logs: _ignored, ...fields } = n;
      const before = cur.status;
      Object.assign(cur, fields);
      if (before !== cur.status) announce(`${cur.name} ${statusText(cur.status)}`);
    }
    for (const entry of u.logs || []) {
      const target = entry.node === null ? r.flowLogs : r.nodes.find((x) => x.name === entry.node)?.logs;
      if (target) for (const l of entry.lines) target.push(l);
    }
    const touched = new Set([
      ...(u.nodes || []).map((n) => n.name),
      ...(u.logs || []).filter((e) => e.node).map((e) => e.node),
    ]);
    for (const name of touched) updateNode(name);
    renderHeader();
    const sel = S.selected;
    if (
      !sel ||
      (sel.kind === 'node' && touched.has(sel.name)) ||
      (sel.kind !== 'node' && sel.kind !== 'dataset') ||
      u.run
    )
      queuePanel();
    if (wasRunning && r.status !== 'running') {
      document.body.dataset.runStatus = r.status;
      renderAll();
      const failed = r.nodes.find((n) => n.status === 'failed');
      if (failed && !S.selected) select({ kind: 'node', name: failed.name });
    }
    document.body.dataset.runStatus = r.status;
  }
  function followRuns() {
    const es = new EventSource(`${S.api}/api/events`);
    es.addEventListener('runs', (ev) => {
      const runs = JSON.parse(ev.data);
      const known = new Set(S.runs.map((r) => r.id));
      S.runs = runs;
      renderNav();
      const fresh = runs.find((r) => r.status === 'running' && !known.has(r.id));
      if (fresh && S.follow) openRun(fresh.id);
    });
    es.addEventListener('project', (ev) => {
      S.project = JSON.parse(ev.data);
      if (!S.run) renderAll();
      else renderNav();
    });
  }

  // ---------- everything ----------
  function renderAll() {
    defaultCollapse();
    document.body.dataset.runStatus = S.run ? S.run.status : 'none';
    renderHeader();
    renderTags();
    renderGraph();
    renderTable();
    renderPanel();
    renderNav();
    $('#legend').hidden = !S.run;
  }

  function wire() {
    const scroll = $('#graph-scroll');
    scroll.addEventListener('click', (ev) => {
      const el = ev.target.closest('[data-id]');
      if (el) activate(el.getAttribute('data-id'));
    });
    scroll.addEventListener('dblclick', (ev) => {
      const el = ev.target.closest('[data-namespace]');
      if (el) toggleNamespace(el.getAttribute('data-namespace'), false);
    });
    scroll.addEventListener('keydown', onGraphKey);
    scroll.addEventListener('focusin', (ev) => {
      const el = ev.target.closest?.('[data-id]');
      if (el && el.getAttribute('data-id') !== S.focusId) setFocus(el.getAttribute('data-id'), false);
    });
    const tip = $('#tooltip');
    scroll.addEventListener('mouseover', (ev) => {
      const el = ev.target.closest('[data-id]');
      if (!el) return;
      tip.innerHTML = tooltipFor(el.getAttribute('data-id'));
      tip.hidden = false;
    });
    scroll.addEventListener('mousemove', (ev) => {
      tip.style.left = `${Math.min(ev.clientX + 14, window.innerWidth - 390)}px`;
      tip.style.top = `${ev.clientY + 16}px`;
    });
    scroll.addEventListener('mouseout', (ev) => {
      if (!ev.relatedTarget?.closest?.('[data-id]')) tip.hidden = true;
    });
    $('#nodes-table').addEventListener('click', (ev) => {
      const tr = ev.target.closest('tr[data-row]');
      if (tr) selectByName('node', tr.getAttribute('data-row'), false);
    });
    const search = $('#search');
    search.addEventListener('input', () => {
      S.query = search.value;
      applySearch();
    });
    search.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        const v = firstMatch();
        if (v) {
          ev.preventDefault();
          setFocus(v.id, true);
          activate(v.id);
        }
      } else if (ev.key === 'Escape') {
        search.value = '';
        S.query = '';
        applySearch();
      }
    });
    $('#tag-menu').addEventListener('change', (ev) => {
      const t = ev.target.value;
      if (ev.target.checked) S.tags.add(t);
      else S.tags.delete(t);
      $('#tag-summary').textContent = S.tags.size ? `Tags: ${[...S.tags].join(', ')}` : 'Tags: all';
      renderGraph();
      announce(S.tags.size ? `Showing nodes tagged ${[...S.tags].join(', ')}` : 'Showing all nodes');
    });
    $('#show-params').addEventListener('change', (ev) => {
      S.showParams = ev.target.checked;
      S.paramsTouched = true;
      renderGraph();
      announce(S.showParams ? 'Showing parameters' : 'Parameters hidden');
    });
    $('#ns-menu').addEventListener('change', (ev) => toggleNamespace(ev.target.value, ev.target.checked));
    $('#expand-all').addEventListener('click', () => {
      S.collapsed.clear();
      S.collapseTouched = true;
      renderGraph();
      renderPanel();
      announce('Expanded every namespace');
    });
    $('#collapse-all').addEventListener('click', () => {
      S.collapsed = new Set(namespacesOf(baseGraph().nodes).filter((ns) => !ns.includes('.')));
      S.collapseTouched = true;
      S.selected = null;
      renderGraph();
      renderPanel();
      announce('Collapsed every namespace');
    });
    document.addEventListener('keydown', (ev) => {
      if (ev.key === '/' && document.activeElement?.tagName !== 'INPUT') {
        ev.preventDefault();
        search.focus();
      }
    });
    $('#nav').addEventListener('click', (ev) => {
      const b = ev.target.closest('button.item');
      if (!b) return;
      if (b.dataset.runId) {
        S.follow = false;
        openRun(b.dataset.runId);
      } else if (b.dataset.pipeline) {
        S.follow = false;
        showPipeline(b.dataset.pipeline);
      }
    });
  }

  async function start() {
    wire();
    if (S.mode === 'report') {
      S.run = boot.run;
      renderAll();
      const failed = S.run.nodes.find((n) => n.status === 'failed');
      if (failed) select({ kind: 'node', name: failed.name });
    } else {
      $('#layout').classList.add('with-nav');
      $('#nav').hidden = false;
      S.follow = !/follow=0/.test(location.search);
      [S.project, S.runs] = await Promise.all([getJson('/api/project'), getJson('/api/runs')]);
      const hash = new URLSearchParams(location.hash.slice(1));
      const names = S.project.pipelines.map((p) => p.name);
      S.pipelineName = names.includes('__default__') ? '__default__' : names[0] || null;
      const live = S.runs.find((r) => r.status === 'running');
      if (hash.get('run')) openRun(hash.get('run'));
      else if (hash.get('pipeline') && names.includes(hash.get('pipeline')))
        showPipeline(hash.get('pipeline'));
      else if (live && S.follow) openRun(live.id);
      else renderAll();
      followRuns();
    }
    document.body.dataset.ready = 'true';
  }
  start().catch((error) => {
    document.body.dataset.ready = 'error';
    $('#graph-scroll').innerHTML = `<div class="err">${esc(error?.message || String(error))}</div>`;
  });
})();
