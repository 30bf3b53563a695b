/**
 * Progress of a run on the terminal: on a TTY a live block (nodes done of total, the nodes running
 * now, elapsed time) redrawn under the log lines; elsewhere one plain line per finished node, so
 * output piped to a file or a CI log stays readable.
 *
 * @module
 */
import { styleText } from 'node:util';
import { createLogUpdate } from 'log-update';
import type { NodeRecord, RunEvent } from './run-events.js';

/** A text stream (stderr by default). */
export interface TextStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Receives the run's events and draws them. */
export interface ProgressDisplay {
  handle(event: RunEvent): void;
  /** Removes the live block (idempotent). */
  stop(): void;
}

/** `1.2 s`, `340 ms`, `–`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The live display on a TTY (unless `live` says otherwise), plain lines otherwise. */
export function createProgressDisplay(
  stream: TextStream,
  options: { live?: boolean; colour?: boolean } = {},
): ProgressDisplay {
  const live = options.live ?? stream.isTTY === true;
  return live ? new LiveDisplay(stream, options.colour ?? true) : new PlainDisplay(stream);
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

class LiveDisplay implements ProgressDisplay {
  readonly #update: ReturnType<typeof createLogUpdate>;
  readonly #colour: boolean;
  readonly #stream: TextStream;
  readonly #running = new Set<string>();
  #title = '';
  #total = 0;
  #done = 0;
  #failed = 0;
  #frame = 0;
  #startedAt = performance.now();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #restoreOutput: (() => void) | undefined;

  constructor(stream: TextStream, colour: boolean) {
    this.#stream = stream;
    // log-update writes through the stream's own write, captured now: other writes to the
    // terminal are routed above the block while it is drawn (see #captureOutput).
    const write = stream.write;
    const direct = Object.create(stream, {
      write: { value: (...args: unknown[]) => (write as (...a: unknown[]) => unknown).apply(stream, args) },
    });
    this.#update = createLogUpdate(direct as NodeJS.WriteStream);
    this.#colour = colour;
  }

  /**
   * While the block is drawn, whatever else this process writes to the terminal (console output,
   * worker threads' output, which reaches the main thread's stdout and stderr) is printed above
   * the block, line by line, instead of through it.
   */
  #captureOutput(): void {
    const streams = [this.#stream, process.stdout, process.stderr].filter(
      (s, i, all) => all.indexOf(s) === i && (s === this.#stream || (s as TextStream).isTTY === true),
    ) as TextStream[];
    const restores = streams.map((target) => {
      const original = target.write;
      let pending = '';
      target.write = ((chunk: unknown, ...rest: unknown[]) => {
        pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) this.#update.persist(line);
        if (lines.length > 0) this.#render();
        const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }) as TextStream['write'];
      return () => {
        target.write = original;
        if (pending !== '') this.#update.persist(pending);
      };
    });
    this.#restoreOutput = () => {
      for (const restore of restores) restore();
    };
  }

  #paint(style: Parameters<typeof styleText>[0], text: string): string {
    return this.#colour ? styleText(style, text) : text;
  }

  handle(event: RunEvent): void {
    switch (event.type) {
      case 'run-start':
        this.#title = `${event.record.project} · ${event.record.pipelines.join('+')} · ${event.record.runner}`;
        this.#total = event.record.nodes.length;
        this.#startedAt = performance.now();
        this.#timer = setInterval(() => {
          this.#frame++;
          this.#render();
        }, 100);
        this.#timer.unref();
        this.#captureOutput();
        break;
      case 'node-start':
        this.#running.add(event.node.name);
        break;
      case 'node-end':
        this.#running.delete(event.node.name);
        this.#done++;
        if (event.node.status === 'failed') this.#failed++;
        break;
      case 'log':
        this.#update.persist(event.level === 'warning' ? this.#paint('yellow', event.text) : event.text);
        break;
      case 'run-end':
        this.stop();
        return;
      default:
        return;
    }
    this.#render();
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#restoreOutput?.();
    this.#update.clear();
    this.#update.done();
  }

  #render(): void {
    if (this.#stopped || this.#timer === undefined) return;
    const width = 24;
    const filled = this.#total === 0 ? width : Math.round((this.#done / this.#total) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const spin = SPINNER[this.#frame % SPINNER.length] as string;
    const failed = this.#failed > 0 ? this.#paint('red', ` · ${this.#failed} failed`) : '';
    const running = [...this.#running];
    const head = `${this.#paint('cyan', spin)} ${this.#paint('bold', this.#title)}  ${this.#paint('green', bar)} ${this.#done}/${this.#total} nodes${failed} · ${formatDuration(performance.now() - this.#startedAt)}`;
    const tail = running.length === 0 ? this.#paint('dim', '  waiting…') : `  running: ${running.join(', ')}`;
    this.#update(`${head}\n${tail}`);
  }
}

class PlainDisplay implements ProgressDisplay {
  readonly #stream: TextStream;
  #total = 0;
  #done = 0;

  constructor(stream: TextStream) {
    this.#stream = stream;
  }

  handle(event: RunEvent): void {
    switch (event.type) {
      case 'run-start':
        this.#total = event.record.nodes.length;
        break;
      case 'node-end':
        this.#line(event.node);
        break;
      case 'log':
        this.#stream.write(`${event.text}\n`);
        break;
      default:
        break;
    }
  }

  #line(node: NodeRecord): void {
    this.#done++;
    const width = String(this.#total).length;
    this.#stream.write(
      `[${String(this.#done).padStart(width)}/${this.#total}] ${node.status} ${node.name} (${formatDuration(node.durationMs)})\n`,
    );
  }

  stop(): void {}
}
