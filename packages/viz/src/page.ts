/**
 * The HTML page shared by the run report and the viewer: one document with inline CSS and scripts
 * (the page's script, and d3-dag for the layout, read from the installed packages), allowed by a
 * Content-Security-Policy that lists their hashes and forbids loading anything else. The report
 * embeds a finished run; the viewer's page asks its server for everything.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VizError } from './errors.js';
import type { RunRecord } from './run-record.js';

/** What the page shows. */
export type PageData =
  | { readonly mode: 'report'; readonly run: RunRecord }
  | { readonly mode: 'viewer'; readonly api: string };

interface Assets {
  readonly css: string;
  readonly app: string;
  readonly layout: string;
}

let assets: Assets | undefined;

/** The client files: `client/` beside `src/` and `dist/`, and d3-dag's browser bundle. */
function loadAssets(): Assets {
  if (assets !== undefined) return assets;
  const clientDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'client');
  try {
    const d3dagMain = createRequire(import.meta.url).resolve('d3-dag');
    const layout = readFileSync(join(dirname(d3dagMain), 'd3-dag.iife.min.js'), 'utf8');
    assets = {
      css: readFileSync(join(clientDir, 'app.css'), 'utf8'),
      app: readFileSync(join(clientDir, 'app.js'), 'utf8'),
      layout: `/*! d3-dag (MIT, Erik Brinkman) with d3-array (ISC), javascript-lp-solver, quadprog and stringify-object (MIT), bundled by its authors */\n${layout}`,
    };
  } catch (error) {
    throw new VizError(
      'VIZ_ASSETS',
      `The page assets of @weft/viz are missing (${clientDir}): reinstall @weft/viz`,
      {
        cause: error,
      },
    );
  }
  return assets;
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON for a `<script type="application/json">`: `<` escaped so no `</script>` can appear. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Renders the page for a report (a run embedded) or for the viewer (data from its server). */
export function renderPage(data: PageData, title: string): string {
  const { css, app, layout } = loadAssets();
  const connect = data.mode === 'viewer' ? " connect-src 'self';" : '';
  const csp = `default-src 'none'; script-src ${hash(layout)} ${hash(app)}; style-src ${hash(css)}; img-src data:;${connect} base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body>
<a class="skip-link" href="#graph-scroll">Skip to the graph</a>
<header>
  <div class="title">
    <h1 id="title"></h1>
    <p class="sub" id="sub"></p>
    <div class="progress" id="progress" role="progressbar" aria-label="Nodes finished" aria-valuemin="0" hidden><span></span></div>
  </div>
  <dl class="facts" id="facts"></dl>
</header>
<div class="alert" id="alert" role="alert" hidden></div>
<div class="layout" id="layout">
  <nav class="side" id="nav" aria-label="Pipelines and runs" hidden></nav>
  <main class="graph-pane" id="main">
    <div class="toolbar" role="toolbar" aria-label="Graph tools">
      <label for="search" class="sr-only">Search nodes and datasets</label>
      <input type="search" id="search" placeholder="Search (press /)" autocomplete="off">
      <span id="search-status" class="muted" aria-live="polite"></span>
      <details id="tag-details"><summary id="tag-summary">Tags: all</summary><div class="menu" id="tag-menu"></div></details>
      <details id="ns-details"><summary>Namespaces</summary><div class="menu" id="ns-menu"></div></details>
      <label><input type="checkbox" id="show-params"> Parameters</label>
      <button type="button" id="expand-all">Expand all</button>
      <button type="button" id="collapse-all">Collapse all</button>
    </div>
    <div class="legend" id="legend"><span class="lg completed">completed</span><span class="lg running">running</span><span class="lg failed">failed</span><span class="lg skipped">skipped</span><span class="lg not-run">not run</span><span class="lg ds-file">file dataset</span><span class="lg ds-memory">memory dataset</span><span class="lg group">collapsed namespace</span><span class="hint">Click a node, or use the arrow keys and Enter</span></div>
    <div class="graph-scroll" id="graph-scroll"></div>
  </main>
  <aside id="panel" aria-label="Details">
    <div id="panel-body"></div>
  </aside>
</div>
<section class="table-pane" aria-label="Node table">
  <table id="nodes-table"></table>
</section>
<div id="tooltip" role="tooltip" hidden></div>
<div id="announce" class="sr-only" aria-live="polite"></div>
<script type="application/json" id="weft-data">${scriptJson(data)}</script>
<script>${layout}</script>
<script>${app}</script>
</body>
</html>
`;
}
