/**
 * Progress of a run on the terminal: a live, redrawn status block on a TTY (nodes done / total,
 * the nodes running now, elapsed time) with log lines scrolling above it; plain lines otherwise
 * (one per finished node), so logs piped to a file stay readable.
 *
 * @module
 */
import { styleText } from 'node:util';
import { formatDuration, type NodeStatus } from '@weft/viz';
import { createLogUpdate } from 'log-update';

/** A text stream (stderr by default). */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** What the run tells the display. */
export interface Progress {
  /** The run starts with `total` nodes to run. */
  start(total: number): void;
  /** A node started. */
  nodeStarted(name: string): void;
  /** A node finished (`completed` or `failed`). */
  nodeFinished(name: string, status: NodeStatus, durationMs: number | undefined): void;
  /** Prints a log line (already formatted, one or more lines) above the live block. */
  log(text: string): void;
  /** The run is over: removes the live block. Idempotent. */
  stop(): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Where to draw; default `process.stderr`. */
  readonly stream?: ProgressStream;
  /** Force the live display on or off; default: on when `stream.isTTY`. */
  readonly live?: boolean;
  /** Title shown in the live block, e.g. `spaceflights · thread runner`. */
  readonly title?: string;
}

/** Live display on a TTY, plain lines otherwise. */
export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const live = options.live ?? stream.isTTY === true;
  return live ? new LiveProgress(stream, options.title ?? '') : new PlainProgress(stream);
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

class LiveProgress implements Progress {
  readonly #update: ReturnType<typeof createLogUpdate>;
  readonly #title: string;
  readonly #running = new Set<string>();
  #total = 0;
  #done = 0;
  #failed = 0;
  #frame = 0;
  #startedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(stream: ProgressStream, title: string) {
    this.#update = createLogUpdate(stream as NodeJS.WriteStream);
    this.#title = title;
  }

  start(total: number): void {
    this.#total = total;
    this.#startedAt = performance.now();
    this.#timer = setInterval(() => {
      this.#frame++;
      this.#render();
    }, 100);
    this.#timer.unref();
    this.#render();
  }

  nodeStarted(name: string): void {
    this.#running.add(name);
    this.#render();
  }

  nodeFinished(name: string, status: NodeStatus, _durationMs: number | undefined): void {
    this.#running.delete(name);
    this.#done++;
    if (status === 'failed') this.#failed++;
    this.#render();
  }

  log(text: string): void {
    if (this.#stopped) {
      this.#update.persist(text.replace(/\n$/, ''));
      return;
    }
    this.#update.persist(text.replace(/\n$/, ''));
    this.#render();
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#update.clear();
    this.#update.done();
  }

  #render(): void {
    if (this.#stopped) return;
    const width = 24;
    const filled = this.#total === 0 ? width : Math.round((this.#done / this.#total) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const spin = SPINNER[this.#frame % SPINNER.length] as string;
    const elapsed = formatDuration(performance.now() - this.#startedAt);
    const failed = this.#failed > 0 ? styleText('red', ` · ${this.#failed} failed`) : '';
    const running = [...this.#running];
    const head = `${styleText('cyan', spin)} ${styleText('bold', this.#title)}  ${styleText('green', bar)} ${this.#done}/${this.#total} nodes done${failed} · ${elapsed}`;
    const tail = running.length === 0 ? styleText('dim', '  waiting…') : `  running: ${running.join(', ')}`;
    this.#update(`${head}\n${tail}`);
  }
}

class PlainProgress implements Progress {
  readonly #stream: ProgressStream;
  #total = 0;
  #done = 0;

  constructor(stream: ProgressStream) {
    this.#stream = stream;
  }

  start(total: number): void {
    this.#total = total;
  }

  nodeStarted(_name: string): void {}

  nodeFinished(name: string, status: NodeStatus, durationMs: number | undefined): void {
    this.#done++;
    const width = String(this.#total).length;
    this.#stream.write(
      `[${String(this.#done).padStart(width)}/${this.#total}] ${status} ${name} (${formatDuration(durationMs)})\n`,
    );
  }

  log(text: string): void {
    this.#stream.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  stop(): void {}
}
