/**
 * The viewer: an HTTP server on a loopback port serving one page (the report's page in viewer
 * mode), the project's pipelines, the run history, and server-sent events (better-sse) for live
 * runs. It follows `.weft/runs/` with `fs.watch` (and a slow poll as a safety net), so a run of
 * `weft run` in another process — on any runner — shows on open pages as it happens.
 *
 * @module
 */
import { type FSWatcher, watch as watchDir } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSession, type Session } from 'better-sse';
import { RunHistoryError, VizConfigError } from './errors.js';
import { renderPage } from './page.js';
import type { ProjectDescription } from './project.js';
import { type RunChange, RunFolder } from './run-events.js';
import { isWriterAlive, RunHistory, type RunSummary, RunTail } from './run-history.js';
import type { NodeRunRecord, RunRecord } from './run-record.js';

/** Options of {@link startViewer}. */
export interface ViewerOptions {
  /** The project folder; the run history is `<projectDir>/.weft/runs`. */
  readonly projectDir?: string;
  /** The run history (instead of `projectDir`'s). */
  readonly history?: RunHistory;
  /** The project's pipelines, or a function giving them (called at start and on `refreshProject`). */
  readonly project?: ProjectDescription | (() => ProjectDescription | Promise<ProjectDescription>);
  /** Interface to listen on. Default `127.0.0.1`; only loopback addresses are accepted. */
  readonly host?: string;
  /** Port; default 0 (a free one). */
  readonly port?: number;
  /** How often the run folder is scanned besides file-system events, in ms. Default 1000. */
  readonly pollIntervalMs?: number;
}

/** A running viewer. */
export interface Viewer {
  /** `http://127.0.0.1:<port>/`. */
  readonly url: string;
  readonly port: number;
  readonly history: RunHistory;
  /** Reloads the project description (when `project` is a function) and pushes it to open pages. */
  refreshProject(): Promise<void>;
  /** Stops watching, ends the open event streams and closes the server. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

interface TrackedRun {
  readonly id: string;
  readonly tail: RunTail;
  readonly folder: RunFolder;
  readonly sessions: Set<Session>;
  ready: Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

function withoutLogs(n: NodeRunRecord): Omit<NodeRunRecord, 'logs'> & { logCount: number } {
  const { logs, ...rest } = n;
  return { ...rest, logCount: logs.length };
}

/** The update pushed to pages for what some events changed. */
function updateOf(record: RunRecord, change: RunChange) {
  const byName = new Map(record.nodes.map((n) => [n.name, n]));
  const nodes = [...change.nodes].flatMap((name) => {
    const n = byName.get(name);
    return n === undefined ? [] : [withoutLogs(n)];
  });
  const logs = [...change.logs].map(([node, count]) => {
    const all = node === null ? record.flowLogs : (byName.get(node)?.logs ?? []);
    return { node, lines: all.slice(Math.max(0, all.length - count)) };
  });
  const run = change.run
    ? {
        status: record.status,
        durationMs: record.durationMs,
        error: record.error,
        resumeFromNodes: record.resumeFromNodes,
        resumeHint: record.resumeHint,
        flowRunId: record.flowRunId,
        flowRunName: record.flowRunName,
        droppedLogs: record.droppedLogs,
      }
    : undefined;
  return { ...(run === undefined ? {} : { run }), nodes, logs };
}

function merge(into: RunChange, from: RunChange): void {
  into.run ||= from.run;
  for (const n of from.nodes) into.nodes.add(n);
  for (const [k, v] of from.logs) into.logs.set(k, (into.logs.get(k) ?? 0) + v);
}

/**
 * Starts the viewer.
 *
 * @throws {VizConfigError} for a non-loopback host or a missing history.
 *
 * @example
 * ```ts
 * const viewer = await startViewer({ projectDir, project: await describeProject({ ... }), port: 4141 });
 * console.log(`Weft viewer at ${viewer.url}`);
 * ```
 */
export async function startViewer(options: ViewerOptions): Promise<Viewer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) {
    throw new VizConfigError(
      `startViewer: host '${host}' is not a loopback address (use 127.0.0.1, ::1 or localhost)`,
    );
  }
  const history =
    options.history ??
    (options.projectDir === undefined ? undefined : RunHistory.forProject(options.projectDir));
  if (history === undefined) throw new VizConfigError("startViewer needs 'projectDir' or 'history'");
  const pollMs = options.pollIntervalMs ?? 1000;

  let project: ProjectDescription = { name: 'Weft', pipelines: [] };
  const loadProject = async () => {
    const p = options.project;
    if (p !== undefined) project = typeof p === 'function' ? await p() : p;
  };
  await loadProject();
  await mkdir(history.dir, { recursive: true });

  const page = renderPage({ mode: 'viewer', api: '' }, `${project.name} · Weft viewer`);
  const listeners = new Set<Session>();
  const tracked = new Map<string, TrackedRun>();
  let summaries: RunSummary[] = await history.list();
  let summaryKey = JSON.stringify(summaries);

  const track = (id: string): TrackedRun => {
    let t = tracked.get(id);
    if (t !== undefined) return t;
    const tail = new RunTail(history.fileOf(id));
    const folder = new RunFolder();
    t = { id, tail, folder, sessions: new Set(), ready: Promise.resolve() };
    t.ready = tail.poll().then((events) => {
      for (const e of events) folder.apply(e);
      const record = folder.record;
      if (record?.status === 'running' && !isWriterAlive(record.pid, record.host)) folder.markInterrupted();
    });
    tracked.set(id, t);
    return t;
  };

  // summaries are re-read only for files that grew, and for runs still running (which may have died)
  const known = new Map<string, { size: number; summary: RunSummary }>();
  const refreshRuns = async () => {
    const ids = await history.ids();
    const next: RunSummary[] = [];
    for (const id of ids) {
      const size = await stat(history.fileOf(id)).then(
        (s) => s.size,
        () => undefined,
      );
      if (size === undefined) continue;
      const cached = known.get(id);
      if (cached !== undefined && cached.size === size && cached.summary.status !== 'running') {
        next.push(cached.summary);
        continue;
      }
      const summary = await history.summary(id).catch(() => undefined);
      if (summary === undefined) continue;
      known.set(id, { size, summary });
      next.push(summary);
    }
    for (const id of known.keys()) if (!ids.includes(id)) known.delete(id);
    next.reverse();
    const key = JSON.stringify(next);
    if (key !== summaryKey) {
      summaries = next;
      summaryKey = key;
      for (const s of listeners) if (s.isConnected) s.push(summaries, 'runs');
    }
  };

  const refreshTracked = async () => {
    for (const t of tracked.values()) {
      await t.ready;
      const events = await t.tail.poll().catch(() => []);
      const change: RunChange = { run: false, nodes: new Set(), logs: new Map() };
      for (const e of events) merge(change, t.folder.apply(e));
      const record = t.folder.record;
      if (record?.status === 'running' && events.length === 0 && !isWriterAlive(record.pid, record.host)) {
        merge(change, t.folder.markInterrupted());
      }
      if (record === undefined || (!change.run && change.nodes.size === 0 && change.logs.size === 0))
        continue;
      const update = updateOf(record, change);
      for (const s of t.sessions) if (s.isConnected) s.push(update, 'update');
    }
  };

  // one scan at a time; a scan requested while one runs runs once more after it
  let scanning: Promise<void> | undefined;
  let again = false;
  const scan = (): Promise<void> => {
    if (scanning !== undefined) {
      again = true;
      return scanning;
    }
    scanning = (async () => {
      do {
        again = false;
        try {
          await refreshTracked();
          await refreshRuns();
        } catch {
          // a file vanishing mid-read (pruned): the next scan sees the new state
        }
      } while (again);
    })().finally(() => {
      scanning = undefined;
    });
    return scanning;
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watchDir(history.dir, () => void scan());
    watcher.on('error', () => {});
  } catch {
    watcher = undefined;
  }
  const timer = setInterval(() => void scan(), pollMs);
  timer.unref();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // only pages served from this loopback address (no DNS rebinding)
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (!LOOPBACK.has(hostHeader)) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('The Weft viewer answers on its loopback address only.\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('Method not allowed\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      res.end(page);
      return;
    }
    if (path === '/api/project') return json(res, 200, project);
    if (path === '/api/runs') return json(res, 200, summaries);
    if (path === '/api/events') {
      const session = await createSession(req, res, { keepAlive: 15_000 });
      listeners.add(session);
      session.on('disconnected', () => listeners.delete(session));
      session.push(summaries, 'runs');
      return;
    }
    const m = /^\/api\/runs\/([^/]+)(\/events)?$/.exec(path);
    if (m !== null) {
      const id = decodeURIComponent(m[1] as string);
      try {
        history.fileOf(id);
      } catch {
        return json(res, 400, { error: `Invalid run id '${id}'` });
      }
      if (m[2] === undefined) {
        try {
          return json(res, 200, await history.read(id));
        } catch (error) {
          const notFound = RunHistoryError.is(error) && error.code === 'RUN_NOT_FOUND';
          return json(res, notFound ? 404 : 500, { error: (error as Error).message });
        }
      }
      const t = track(id);
      await t.ready;
      if (t.folder.record === undefined) {
        tracked.delete(id);
        return json(res, 404, { error: `No run '${id}' in the run history` });
      }
      const session = await createSession(req, res, { keepAlive: 15_000 });
      t.sessions.add(session);
      session.on('disconnected', () => {
        t.sessions.delete(session);
        if (t.sessions.size === 0) tracked.delete(id);
      });
      session.push(t.folder.record, 'snapshot');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not found\n');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: (error as Error)?.message ?? String(error) });
      else res.end();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/`,
    port,
    history,
    async refreshProject() {
      await loadProject();
      for (const s of listeners) if (s.isConnected) s.push(project, 'project');
    },
    async close() {
      clearInterval(timer);
      watcher?.close();
      await scanning;
      await new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
      listeners.clear();
      tracked.clear();
    },
  };
}
