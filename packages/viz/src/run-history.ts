/**
 * The run history of a project: one JSON-lines file of {@link RunEvent}s per run, in
 * `<project>/.weft/runs/`.
 *
 * Why this shape: one file per run means concurrent runs (several `weft run` processes) never
 * write to the same file, so no lock is needed; each file is append-only and written a whole line
 * per `write(2)` on an `O_APPEND` descriptor, so a killed run leaves at worst a cut last line,
 * which readers skip (a file is never corrupt for a reader); a viewer in another process follows a
 * live run by reading what was appended since its last read. Files are named
 * `<UTC start>_<run id>.jsonl`, so sorting names sorts runs by start; the history keeps the newest
 * `maxRuns` runs (pruning never removes a run whose process is still alive), and the recorder caps
 * each run's log lines (`maxLogBytes`).
 *
 * @module
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { RunHistoryError } from './errors.js';
import { type RunEvent, RunFolder, type RunStartedEvent } from './run-events.js';
import type { RunRecord, RunStatus } from './run-record.js';

/** Options of a {@link RunHistory}. */
export interface RunHistoryOptions {
  /** The folder holding the run files (created when the first run is written). */
  readonly dir: string;
  /** Runs kept; the oldest finished ones beyond this are deleted when a run starts. Default 100. */
  readonly maxRuns?: number;
  /** How long log lines may wait in memory before they are written, in ms. Default 100. */
  readonly flushIntervalMs?: number;
}

/** One run of the history, as listed. */
export interface RunSummary {
  /** History id: the file name without `.jsonl`. */
  readonly id: string;
  readonly runId: string;
  readonly pipeline: string;
  readonly project?: string;
  readonly status: RunStatus;
  readonly startedAt: number;
  readonly durationMs?: number;
  readonly runner: string;
  /** Nodes of the run's pipeline. */
  readonly nodes: number;
  /** Nodes completed and failed, for ended runs (from the runner's timings). */
  readonly completed?: number;
  readonly failed?: number;
  readonly error?: string;
}

/** The folder of a project's run history. */
export function projectRunsDir(projectDir: string): string {
  return join(projectDir, '.weft', 'runs');
}

const DEFAULT_MAX_RUNS = 100;
const HEAD_CHUNK = 64 * 1024;
const MAX_FIRST_LINE = 64 * 1024 * 1024;

/** `2026-12-03T08:17:00.123Z` → `20261203T081700123Z`. */
function stamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:.]/g, '');
}

/** A run id made safe for a file name (other characters become `_`, at most 100 kept). */
function safeRunId(runId: string): string {
  return runId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || 'run';
}

/** Parses JSON lines; lines that are not complete JSON objects (a cut last line) are skipped. */
export function parseEventLines(text: string): RunEvent[] {
  const events: RunEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    try {
      const value = JSON.parse(line) as unknown;
      if (value !== null && typeof value === 'object' && typeof (value as { e?: unknown }).e === 'string') {
        events.push(value as RunEvent);
      }
    } catch {
      // a line cut by a killed writer: skip it
    }
  }
  return events;
}

/**
 * Whether the process that wrote a run is alive. Only answerable on the same host; elsewhere the
 * run is taken as alive (its status stays as recorded).
 */
export function isWriterAlive(pid: number | undefined, host: string | undefined): boolean {
  if (pid === undefined || host === undefined) return false;
  if (host !== hostname()) return true;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A project's run history: writes runs (through {@link RunWriter}s), lists and reads them.
 *
 * @example
 * ```ts
 * const history = RunHistory.forProject(process.cwd());
 * for (const run of await history.list()) console.log(run.id, run.status);
 * const record = await history.read((await history.list())[0].id);
 * ```
 */
export class RunHistory {
  /** The folder of run files. */
  readonly dir: string;
  readonly maxRuns: number;
  readonly flushIntervalMs: number;

  /** @throws {RunHistoryError} for a bad option. */
  constructor(options: RunHistoryOptions) {
    if (typeof options?.dir !== 'string' || options.dir.length === 0) {
      throw new RunHistoryError('RUN_HISTORY_CONFIG', "RunHistory needs a 'dir' (the folder of run files)");
    }
    this.dir = options.dir;
    this.maxRuns = positive(options.maxRuns, DEFAULT_MAX_RUNS, 'maxRuns');
    this.flushIntervalMs = positive(options.flushIntervalMs, 100, 'flushIntervalMs', true);
  }

  /** The history of a project: `<projectDir>/.weft/runs`. */
  static forProject(projectDir: string, options: Omit<RunHistoryOptions, 'dir'> = {}): RunHistory {
    return new RunHistory({ ...options, dir: projectRunsDir(projectDir) });
  }

  /** Path of a run's file. */
  fileOf(id: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(id) || id.startsWith('.')) {
      throw new RunHistoryError('RUN_HISTORY_ID', `Invalid run id '${id}'`);
    }
    return join(this.dir, `${id}.jsonl`);
  }

  /**
   * Starts writing a run: creates its file with the `run` event (never overwriting a file), then
   * prunes old runs.
   *
   * @throws {RunHistoryError} when the folder or the file cannot be created.
   */
  async open(
    start: RunStartedEvent,
    options: { onError?: (error: unknown) => void } = {},
  ): Promise<RunWriter> {
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (error) {
      throw new RunHistoryError('RUN_HISTORY_WRITE', `Cannot create the run history folder ${this.dir}`, {
        cause: error,
      });
    }
    const base = `${stamp(start.startedAt)}_${safeRunId(start.runId)}`;
    let id = base;
    let fd: number | undefined;
    for (let attempt = 1; fd === undefined; attempt++) {
      try {
        fd = openSync(this.fileOf(id), 'wx');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 50) {
          throw new RunHistoryError('RUN_HISTORY_WRITE', `Cannot create the run file ${this.fileOf(id)}`, {
            cause: error,
          });
        }
        id = `${base}-${attempt + 1}`;
      }
    }
    const writer = new RunWriter(id, this.fileOf(id), fd, this, options.onError);
    writer.append(start);
    await this.prune().catch(() => {});
    return writer;
  }

  /** Ids of the runs on disk, oldest first. */
  async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new RunHistoryError('RUN_HISTORY_READ', `Cannot read the run history folder ${this.dir}`, {
        cause: error,
      });
    }
    return names
      .filter((n) => n.endsWith('.jsonl') && !n.startsWith('.'))
      .map((n) => basename(n, '.jsonl'))
      .sort();
  }

  /**
   * Deletes the oldest runs beyond `maxRuns`, skipping runs whose process is still running.
   * Safe when several processes prune at once.
   */
  async prune(): Promise<string[]> {
    const ids = await this.ids();
    const removed: string[] = [];
    let excess = ids.length - this.maxRuns;
    for (const id of ids) {
      if (excess <= 0) break;
      const summary = await this.summary(id).catch(() => undefined);
      if (summary?.status === 'running') continue;
      try {
        await unlink(this.fileOf(id));
        removed.push(id);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') continue;
      }
      excess--;
    }
    return removed;
  }

  /** Runs of the history, newest first. Unreadable files are left out. */
  async list(): Promise<RunSummary[]> {
    const ids = await this.ids();
    const summaries = await Promise.all(ids.map((id) => this.summary(id).catch(() => undefined)));
    return summaries.filter((s): s is RunSummary => s !== undefined).reverse();
  }

  /**
   * One run's summary, from its first and last events only (cheap whatever the run's log size).
   *
   * @throws {RunHistoryError} when the run does not exist or has no `run` event.
   */
  async summary(id: string): Promise<RunSummary> {
    const file = this.fileOf(id);
    const { first, last } = await readEnds(file).catch((error: unknown) => {
      throw notFoundOr(error, id, file);
    });
    if (first === undefined || first.e !== 'run') {
      throw new RunHistoryError('RUN_HISTORY_CORRUPT', `Run '${id}' has no start event (${file})`);
    }
    const done = last?.e === 'done' ? last : undefined;
    let status: RunStatus = done?.status ?? 'running';
    if (done === undefined && !isWriterAlive(first.pid, first.host)) status = 'interrupted';
    const timings = done?.timings ?? [];
    return {
      id,
      runId: first.runId,
      pipeline: first.pipeline,
      ...(first.project === undefined ? {} : { project: first.project }),
      status,
      startedAt: first.startedAt,
      ...(done === undefined ? {} : { durationMs: done.durationMs }),
      runner: first.runner,
      nodes: first.nodes.length,
      ...(done === undefined
        ? {}
        : {
            completed: timings.filter((t) => t.status === 'completed').length,
            failed: timings.filter((t) => t.status === 'failed').length,
          }),
      ...(done?.error === undefined ? {} : { error: done.error }),
    };
  }

  /**
   * A run folded into a {@link RunRecord}; a run without outcome whose process is gone is
   * `interrupted`.
   *
   * @throws {RunHistoryError} when the run does not exist or has no `run` event.
   */
  async read(id: string): Promise<RunRecord> {
    const file = this.fileOf(id);
    const text = await readFile(file, 'utf8').catch((error: unknown) => {
      throw notFoundOr(error, id, file);
    });
    const folder = new RunFolder();
    for (const event of parseEventLines(text)) folder.apply(event);
    if (folder.record === undefined) {
      throw new RunHistoryError('RUN_HISTORY_CORRUPT', `Run '${id}' has no start event (${file})`);
    }
    if (folder.record.status === 'running' && !isWriterAlive(folder.record.pid, folder.record.host)) {
      folder.markInterrupted();
    }
    return folder.record;
  }
}

function notFoundOr(error: unknown, id: string, file: string): RunHistoryError {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    return new RunHistoryError(
      'RUN_NOT_FOUND',
      `No run '${id}' in the run history (${file} does not exist)`,
      {
        cause: error,
      },
    );
  }
  return new RunHistoryError('RUN_HISTORY_READ', `Cannot read run '${id}' (${file})`, { cause: error });
}

function positive(value: number | undefined, fallback: number, name: string, zeroOk = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < (zeroOk ? 0 : 1)) {
    throw new RunHistoryError(
      'RUN_HISTORY_CONFIG',
      `RunHistory option '${name}' must be a ${zeroOk ? 'non-negative' : 'positive'} number, got ${String(value)}`,
    );
  }
  return value;
}

/** The first and the last complete event of a run file. */
async function readEnds(file: string): Promise<{ first: RunEvent | undefined; last: RunEvent | undefined }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    // first line: read until its newline
    let head = Buffer.alloc(0);
    let newline = -1;
    while (newline < 0 && head.length < Math.min(size, MAX_FIRST_LINE)) {
      const chunk = Buffer.alloc(Math.min(HEAD_CHUNK, size - head.length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, head.length);
      if (bytesRead === 0) break;
      head = Buffer.concat([head, chunk.subarray(0, bytesRead)]);
      newline = head.indexOf(10);
    }
    const first = parseEventLines(head.subarray(0, newline < 0 ? head.length : newline).toString('utf8'))[0];
    // last line: from the tail
    const tailStart = Math.max(newline + 1, size - HEAD_CHUNK);
    let last: RunEvent | undefined;
    if (tailStart < size) {
      const tail = Buffer.alloc(size - tailStart);
      await handle.read(tail, 0, tail.length, tailStart);
      const lines = tail.toString('utf8').split('\n');
      for (let i = lines.length - 1; i >= 0 && last === undefined; i--) {
        last = parseEventLines(lines[i] as string)[0];
        // a huge last line cut by the tail window: look further back only for its kind
      }
    }
    return { first, last: last ?? first };
  } finally {
    await handle.close();
  }
}

/**
 * Appends one run's events to its file. Events other than log lines are written at once; log
 * lines wait at most `flushIntervalMs` (and are written before any later event, and at process
 * exit). Never throws into the run: a write error is passed to `onError` once and writing stops.
 */
export class RunWriter {
  /** History id of the run. */
  readonly id: string;
  /** The run's file. */
  readonly file: string;
  readonly #history: RunHistory;
  readonly #onError: ((error: unknown) => void) | undefined;
  #fd: number | undefined;
  #lines: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #onExit = () => this.close();

  /** @internal Created by {@link RunHistory.open}. */
  constructor(id: string, file: string, fd: number, history: RunHistory, onError?: (error: unknown) => void) {
    this.id = id;
    this.file = file;
    this.#fd = fd;
    this.#history = history;
    this.#onError = onError;
    process.on('exit', this.#onExit);
  }

  /** Whether the file is still open for writing. */
  get open(): boolean {
    return this.#fd !== undefined;
  }

  /** Appends an event (log lines are buffered briefly; everything else is written now). */
  append(event: RunEvent): void {
    if (this.#fd === undefined) return;
    this.#lines.push(JSON.stringify(event));
    if (event.e !== 'logs' || this.#history.flushIntervalMs === 0) {
      this.flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), this.#history.flushIntervalMs);
      this.#timer.unref();
    }
  }

  /** Writes what is buffered, synchronously, as one `write(2)` of whole lines. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#fd === undefined || this.#lines.length === 0) return;
    const text = `${this.#lines.join('\n')}\n`;
    this.#lines = [];
    try {
      const data = Buffer.from(text, 'utf8');
      let offset = 0;
      while (offset < data.length) offset += writeSync(this.#fd, data, offset, data.length - offset);
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Flushes and closes the file (idempotent). */
  close(): void {
    if (this.#fd === undefined) return;
    this.flush();
    const fd = this.#fd;
    this.#fd = undefined;
    process.off('exit', this.#onExit);
    try {
      closeSync(fd);
    } catch (error) {
      this.#onError?.(error);
    }
  }

  #fail(error: unknown): void {
    const fd = this.#fd;
    this.#fd = undefined;
    process.off('exit', this.#onExit);
    try {
      if (fd !== undefined) closeSync(fd);
    } catch {
      // already reported the write error
    }
    this.#onError?.(
      new RunHistoryError(
        'RUN_HISTORY_WRITE',
        `Cannot write the run file ${this.file}; the run goes on unrecorded`,
        {
          cause: error,
        },
      ),
    );
  }
}

/**
 * Follows a run file as it grows: each {@link RunTail.poll} reads what was appended since the last
 * one and folds the complete lines into the run's record.
 */
export class RunTail {
  /** The run file followed. */
  readonly file: string;
  #offset = 0;
  #partial: Buffer = Buffer.alloc(0);

  /** @param file A run file (it may not exist yet). */
  constructor(file: string) {
    this.file = file;
  }

  /** Reads the events appended since the last poll (complete lines only; empty when nothing new). */
  async poll(): Promise<RunEvent[]> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    try {
      const { size } = await handle.stat();
      if (size < this.#offset) {
        // the file was replaced: start over
        this.#offset = 0;
        this.#partial = Buffer.alloc(0);
      }
      if (size === this.#offset) return [];
      const buffer = Buffer.alloc(size - this.#offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.#offset);
      this.#offset += bytesRead;
      const bytes = Buffer.concat([this.#partial, buffer.subarray(0, bytesRead)]);
      const cut = bytes.lastIndexOf(10);
      this.#partial = Buffer.from(bytes.subarray(cut + 1));
      return cut < 0 ? [] : parseEventLines(bytes.subarray(0, cut + 1).toString('utf8'));
    } finally {
      await handle.close();
    }
  }
}
