/**
 * A circuit breaker for one Prefect server: once the server is known to be down, requests fail at
 * once instead of each one waiting through its own retries and timeouts; `GET /health` checks,
 * spaced out with backoff, let requests through again when the server is back.
 *
 * @module
 */
import { describeCause } from './errors.js';

/**
 * Whether a client's server is answering, as its circuit sees it.
 *
 * @since 0.1.0
 */
export interface ServerAvailability {
  /** False while the circuit is open (requests fail at once). */
  readonly available: boolean;
  /** When the server was found unavailable (epoch ms); `undefined` while available. */
  readonly since: number | undefined;
  /** The failure that opened the circuit; `undefined` while available. */
  readonly reason: string | undefined;
  /** Earliest time of the next `GET /health` check (epoch ms); `undefined` while available. */
  readonly nextCheckAt: number | undefined;
}

/** Timing of a {@link ServerCircuit}. */
export interface ServerCircuitOptions {
  /** How long a `GET /health` check may take before the server counts as not answering. */
  readonly probeTimeoutMs: number;
  /** Wait before the first re-check of an unavailable server; doubles per failed check. */
  readonly probeIntervalMs: number;
  /** Longest wait between re-checks. */
  readonly maxProbeIntervalMs: number;
}

/**
 * The circuit of one client. Closed: requests go out. A request that fails in a way that could mean
 * the server is gone (no connection, reset, timeout, 502/504) asks `GET /health` right away; if
 * that fails too, or two requests in a row got no answer in time, the circuit opens: requests in
 * flight are aborted and new ones fail at once. While open, the first request after the re-check
 * time runs one `GET /health` (the others fail at once meanwhile); an answer closes the circuit and
 * lets that request through.
 */
export class ServerCircuit {
  readonly #options: ServerCircuitOptions;
  readonly #check: (signal: AbortSignal) => Promise<boolean>;
  readonly #onChange: (available: boolean) => void;
  #open = false;
  #since = 0;
  #reason = '';
  #interval: number;
  #nextCheckAt = 0;
  #probe: Promise<boolean> | undefined;
  #epoch = new AbortController();
  #timeoutsInARow = 0;

  /**
   * @param check Sends `GET /health` with the signal; resolves whether the server answered.
   * @param options Timing.
   * @param onChange Called when the server becomes unavailable (`false`) or available again (`true`).
   */
  constructor(
    check: (signal: AbortSignal) => Promise<boolean>,
    options: ServerCircuitOptions,
    onChange: (available: boolean) => void = () => {},
  ) {
    this.#check = check;
    this.#options = options;
    this.#onChange = onChange;
    this.#interval = options.probeIntervalMs;
  }

  /** Aborted when the circuit opens: requests in flight stop waiting for a server that is gone. */
  get signal(): AbortSignal {
    return this.#epoch.signal;
  }

  /** Current availability. */
  get availability(): ServerAvailability {
    return this.#open
      ? { available: false, since: this.#since, reason: this.#reason, nextCheckAt: this.#nextCheckAt }
      : { available: true, since: undefined, reason: undefined, nextCheckAt: undefined };
  }

  /**
   * Whether a request may go out now. Closed: yes. Open: no, unless the re-check is due, in which
   * case this waits for one `GET /health` (shared with concurrent callers) and says whether it
   * answered.
   */
  async admit(): Promise<boolean> {
    if (!this.#open) return true;
    if (this.#probe === undefined && Date.now() < this.#nextCheckAt) return false;
    return this.#probeOnce(undefined);
  }

  /** The server answered a request (any HTTP status but 502/504): it is there. */
  answered(): void {
    this.#timeoutsInARow = 0;
    this.#interval = this.#options.probeIntervalMs;
    if (this.#open) this.#close();
  }

  /**
   * A request failed without an answer from the server (`timedOut`: none came in time) or with a
   * gateway error. Checks `GET /health` unless the circuit is already open; resolves whether the
   * server still looks up (so that retrying the request makes sense).
   */
  async failed(reason: string, timedOut: boolean): Promise<boolean> {
    if (timedOut) this.#timeoutsInARow++;
    if (this.#open) return false;
    if (this.#timeoutsInARow >= 2) {
      this.#trip(`${reason} (${this.#timeoutsInARow} requests in a row got no answer in time)`);
      return false;
    }
    return this.#probeOnce(reason);
  }

  /**
   * A request has waited long for its answer: check `GET /health` meanwhile; if the server does not
   * answer that either, open the circuit (which aborts the waiting requests).
   */
  stalled(waitedMs: number): void {
    if (this.#open) return;
    void this.#probeOnce(`no answer within ${waitedMs} ms`);
  }

  /** Runs one health check, or joins the one in flight; opens or closes the circuit by its result. */
  #probeOnce(reasonIfDown: string | undefined): Promise<boolean> {
    this.#probe ??= this.#runProbe(reasonIfDown).finally(() => {
      this.#probe = undefined;
    });
    return this.#probe;
  }

  async #runProbe(reasonIfDown: string | undefined): Promise<boolean> {
    let up: boolean;
    let why: string;
    try {
      up = await this.#check(AbortSignal.timeout(this.#options.probeTimeoutMs));
      why = 'GET /health answered with a gateway error';
    } catch (error) {
      up = false;
      why =
        (error as Error)?.name === 'TimeoutError'
          ? `GET /health got no answer within ${this.#options.probeTimeoutMs} ms`
          : `GET /health failed: ${describeCause(error)}`;
    }
    if (up) {
      if (this.#open) this.#close();
    } else {
      this.#trip(reasonIfDown === undefined ? why : `${reasonIfDown}; ${why}`);
    }
    return up;
  }

  #trip(reason: string): void {
    const now = Date.now();
    if (!this.#open) {
      this.#open = true;
      this.#since = now;
      this.#reason = reason;
      const epoch = this.#epoch;
      this.#epoch = new AbortController();
      epoch.abort(new Error(`Prefect server unavailable: ${reason}`));
      this.#onChange(false);
    }
    this.#nextCheckAt = now + this.#interval;
    this.#interval = Math.min(this.#interval * 2, this.#options.maxProbeIntervalMs);
  }

  #close(): void {
    this.#open = false;
    this.#onChange(true);
  }
}
