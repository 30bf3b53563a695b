/**
 * Waiting for node jobs to finish, for a whole run at once: one `QueueEvents` reader (Redis stream
 * of the queue's events) dispatching `completed`/`failed` by job id, started from a snapshot of the
 * stream's last id so no event after the start can be missed, plus a slow poll of the pending
 * jobs' states for events lost anyway (the stream is capped; connections drop).
 *
 * @module
 */
import { type Queue, QueueEvents } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';

/** How a job ended. */
export type JobOutcome =
  | { readonly state: 'completed'; readonly returnvalue: unknown }
  | { readonly state: 'failed'; readonly failedReason: string }
  | { readonly state: 'missing' };

interface Pending {
  readonly resolve: (outcome: JobOutcome) => void;
  /** Set once the job is known to exist in Redis (the poll only looks such jobs up). */
  added: boolean;
}

/** Tracks the jobs one runner waits for. */
export class JobWaiter {
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  readonly #pending = new Map<string, Pending>();
  readonly #timer: NodeJS.Timeout;
  #polling = false;
  #closed = false;

  private constructor(queue: Queue, events: QueueEvents, pollMs: number) {
    this.#queue = queue;
    this.#events = events;
    events.on('completed', ({ jobId, returnvalue }) =>
      this.#settle(jobId, { state: 'completed', returnvalue }),
    );
    events.on('failed', ({ jobId, failedReason }) => this.#settle(jobId, { state: 'failed', failedReason }));
    this.#timer = setInterval(() => void this.#poll(), pollMs);
    this.#timer.unref();
  }

  /** Starts reading the queue's events from now on. */
  static async open(
    queue: Queue,
    redis: Redis,
    connection: RedisOptions,
    pollMs: number,
    onError: (error: unknown) => void,
  ): Promise<JobWaiter> {
    const last = (await redis.xrevrange(queue.keys.events as string, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
    const events = new QueueEvents(queue.name, {
      connection: { ...connection, maxRetriesPerRequest: null },
      prefix: queue.opts.prefix,
      lastEventId: last,
    });
    // A reconnect is handled inside QueueEvents; its errors go to the runner's outage watch.
    events.on('error', onError);
    await events.waitUntilReady();
    return new JobWaiter(queue, events, pollMs);
  }

  /**
   * Resolves when job `jobId` completes, fails for good, or disappears. Register before adding
   * the job and call {@link added} once it is in Redis; the outcome of a job that had already
   * finished comes from {@link check}.
   */
  wait(jobId: string): Promise<JobOutcome> {
    return new Promise<JobOutcome>((resolve) => {
      this.#pending.get(jobId)?.resolve({ state: 'missing' });
      this.#pending.set(jobId, { resolve, added: false });
    });
  }

  /** Marks job `jobId` as added (from now on the poll looks it up). */
  added(jobId: string): void {
    const pending = this.#pending.get(jobId);
    if (pending !== undefined) pending.added = true;
  }

  /** Stops waiting for `jobId` (its promise never settles). */
  forget(jobId: string): void {
    this.#pending.delete(jobId);
  }

  /** Looks the job up now and settles its wait if it is finished. */
  async check(jobId: string): Promise<void> {
    if (!this.#pending.has(jobId)) return;
    let job = await this.#queue.getJob(jobId);
    if (job === undefined || job === null) return this.#settle(jobId, { state: 'missing' });
    const state = await job.getState();
    if ((state === 'completed' || state === 'failed') && job.finishedOn === undefined) {
      // It finished between the two reads: read it again for its return value or reason.
      job = await this.#queue.getJob(jobId);
      if (job === undefined || job === null) return this.#settle(jobId, { state: 'missing' });
    }
    if (state === 'completed') this.#settle(jobId, { state: 'completed', returnvalue: job.returnvalue });
    else if (state === 'failed')
      this.#settle(jobId, { state: 'failed', failedReason: job.failedReason ?? '' });
    else if (state === 'unknown') this.#settle(jobId, { state: 'missing' });
  }

  #settle(jobId: string, outcome: JobOutcome): void {
    const pending = this.#pending.get(jobId);
    if (pending === undefined) return;
    this.#pending.delete(jobId);
    pending.resolve(outcome);
  }

  async #poll(): Promise<void> {
    if (this.#polling || this.#closed || this.#pending.size === 0) return;
    this.#polling = true;
    try {
      for (const [jobId, pending] of [...this.#pending]) if (pending.added) await this.check(jobId);
    } catch {
      // Redis unreachable for a moment: the next poll tries again.
    } finally {
      this.#polling = false;
    }
  }

  /** Stops reading events. Pending waits are abandoned. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#pending.clear();
    await this.#events.close();
  }
}
