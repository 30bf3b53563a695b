/**
 * One run of a DistributedRunner on the coordinator: how node tasks become jobs and come back.
 *
 * A node's task (loads, hooks, saves: the runners' common node task) runs here, in the node's own
 * context; its `invoke` becomes a job. Without grouping every node is a job of its own. With
 * `groupNodes`, when the scheduler starts a node of a group, the group's further nodes that can run
 * with it are started too, one after the other, each in its own copy of the run's context: each
 * loads its inputs from outside the group (inputs produced inside the group are handed over on
 * the worker), runs its `beforeNodeRun` hooks and reaches `invoke`; then one job runs them all on
 * one worker. When it ends, the nodes' results are handed to their tasks one node after the other
 * (`afterNodeRun`, saves), each after its own log records.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { Context, ContextFilter } from '@weft/contextvars';
import { decodeThrown, type ThrownValue } from '@weft/executor';
import type { DataCatalog, Node, Pipeline, RunLogger } from '@weft/runner';
import { describeError, type Execution, type NodeFunctionRef, type NodeTaskFn } from '@weft/runner/extend';
import type { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { buildEnvelope, type ContextEnvelope } from './context-envelope.js';
import { JobSubmitError, NodeDataTransferError, RemoteJobError } from './errors.js';
import { groupNotRun } from './group-errors.js';
import type { GroupPlan } from './group-plan.js';
import { decodeInline } from './inline-value.js';
import { encodeJobInput, GroupInput, type InvokedArgs, outputSelector } from './job-input.js';
import { type JobLogs, sortJobLogs, workerOfAttempt } from './job-logs.js';
import type { JobOutcome, JobWaiter } from './job-waiter.js';
import type { LogBridge, LogRecordLike } from './log-bridge.js';
import { JOB_VERSION, type JobNode, type JobResults, jobIdOf, type NodeJobData } from './node-job.js';
import { jobFiles, readValue, removeFile, writeAtomic } from './shared-storage.js';
import type { JobSummary } from './worker.js';

/** What a run session needs from its runner. */
export interface SessionSetup {
  readonly pipeline: Pipeline;
  readonly catalog: DataCatalog;
  readonly runId: string;
  readonly runKey: string;
  readonly refs: ReadonlyMap<Node, NodeFunctionRef>;
  readonly groups: GroupPlan;
  readonly queue: Queue;
  readonly waiter: JobWaiter;
  readonly redis: Redis;
  readonly storage: string;
  readonly filter: ContextFilter | undefined;
  readonly maxContextBytes: number;
  readonly maxJobBytes: number;
  readonly inlineBytes: number;
  /** Job options (retries, retention, size limit) of a job of one node. */
  readonly jobOptions: (node: Node) => JobsOptions;
  /** Job options of a job of several nodes (no BullMQ retries: the worker retries each node). */
  readonly groupJobOptions: JobsOptions;
  /**
   * The code fingerprint of a job whose nodes come from `modules` (published in Redis before use):
   * the fingerprint itself once published, else a promise of it.
   */
  readonly codeFor: (modules: readonly string[]) => string | Promise<string>;
  readonly bridge: LogBridge | undefined;
  readonly slots: number;
  /** A job may exist already (a restarted coordinator with the same run id). */
  readonly mayExist: boolean;
  /** Where lost or dropped log records are reported. */
  readonly report: RunLogger['warn'];
  /** Each node's duration on its worker, as measured (for `groupNodes: 'auto'`). */
  readonly measured: (node: Node, ms: number) => void;
  readonly describeRedis: string;
}

/** What a job gave back, node by node. */
interface JobEnd {
  readonly results: readonly unknown[];
  /** Index of the node that failed, and its error (the nodes after it did not run). */
  readonly failed?: { readonly index: number; readonly error: unknown };
  readonly logs: JobLogs | undefined;
}

/** A node of a batch that reached `invoke`. */
interface Invoked {
  readonly args: unknown[];
  readonly ctx: ContextEnvelope;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Settles like a node's task: resolves when it completed, rejects with its error. */
interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A member whose task nobody awaits (the scheduler stopped first) must not go unhandled.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

function baseName(name: string): string {
  const at = name.indexOf('@');
  return at === -1 ? name : name.slice(0, at);
}

const NO_ERROR_FILE: unique symbol = Symbol('no error file');

/**
 * The error a worker recorded for a job (`<jobId>.error.json`), rebuilt with its name, message,
 * stack, code, cause and own properties. Whatever the file holds, this never throws: a record that
 * cannot be rebuilt becomes a {@link RemoteJobError} naming the node and the job. Resolves to
 * {@link NO_ERROR_FILE} when there is no such file.
 */
export async function readNodeError(
  path: string,
  node: string,
  jobId: string,
): Promise<unknown | typeof NO_ERROR_FILE> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return NO_ERROR_FILE;
  }
  try {
    return decodeThrown(JSON.parse(text) as ThrownValue);
  } catch (error) {
    return new RemoteJobError(
      'ERR_JOB_ERROR_UNREADABLE',
      `The job of node '${node}' (${jobId}) failed, but the error its worker recorded in ${path} cannot be rebuilt: ${describeError(error)}.`,
      node,
      jobId,
      { cause: error },
    );
  }
}

/** A group's nodes started together, to run as one job. */
class Batch {
  readonly members: Node[];
  readonly index = new Map<Node, number>();
  readonly invoked: (Invoked | undefined)[];
  readonly completions: Deferred[];
  /** Resolves when member i reaches `invoke`. */
  readonly reached: Deferred[];
  /** Members from this index on were not started (one before them failed before `invoke`). */
  cut: number;

  constructor(members: Node[]) {
    this.members = members;
    members.forEach((m, i) => {
      this.index.set(m, i);
    });
    this.invoked = new Array(members.length).fill(undefined);
    this.completions = members.map(() => deferred());
    this.reached = members.map(() => deferred());
    this.cut = members.length;
  }
}

/** One run's jobs. */
export class RunSession {
  readonly #s: SessionSetup;
  /** Jobs submitted and not finished. */
  readonly #inFlight = new Set<string>();
  /** Files this run wrote or saw written (removed when it completes). */
  readonly #files = new Set<string>();
  readonly #batchOf = new Map<Node, Batch>();
  readonly #done = new Set<Node>();
  #inRun: ReadonlySet<Node> | undefined;
  /** Each node's job options, made once per run. */
  readonly #options = new Map<Node, JobsOptions>();

  constructor(setup: SessionSetup) {
    this.#s = setup;
  }

  /** The execution the scheduler drives. */
  execution(): Execution {
    const grouped = this.#s.groups.groups.length > 0;
    return {
      slots: this.#s.slots,
      retriesNodes: true,
      invoke: (node, args) => this.#invoke(node, args),
      ...(grouped
        ? {
            begin: (pipeline: Pipeline) => {
              this.#inRun = new Set(pipeline.nodes);
            },
            start: (ctx: Context, task: NodeTaskFn, node: Node) => this.#start(ctx, task, node),
            deferInput: (node: Node, dataset: string) => this.#deferInput(node, dataset),
          }
        : {}),
      close: (abandon, failed) => this.#close(abandon, failed),
    };
  }

  // --- grouping -------------------------------------------------------------------------------

  #start(ctx: Context, task: NodeTaskFn, node: Node): PromiseLike<void> | void {
    const batch = this.#batchOf.get(node);
    if (batch !== undefined) {
      const i = batch.index.get(node) as number;
      if (i < batch.cut) return batch.completions[i]?.promise;
    }
    const group = this.#s.groups.groupOf.get(node);
    const members = group === undefined ? [node] : this.#batchMembers(group, node);
    if (members.length === 1) {
      const done = ctx.run(task, node);
      if (done === undefined) {
        this.#done.add(node);
        return undefined;
      }
      return Promise.resolve(done).then(() => {
        this.#done.add(node);
      });
    }
    const b = new Batch(members);
    for (const m of members) this.#batchOf.set(m, b);
    // Each node's context: a copy of the run's context taken now (ctx is still untouched).
    const contexts = members.map((_, i) => (i === 0 ? ctx : ctx.copy()));
    void this.#runBatch(b, contexts, task);
    return b.completions[0]?.promise;
  }

  /** `node` and the nodes after it in its group that can run in the same job now. */
  #batchMembers(group: number, node: Node): Node[] {
    const all = this.#s.groups.groups[group] as readonly Node[];
    const inRun = this.#inRun;
    const members = [node];
    const chosen = new Set<Node>(members);
    const parents = this.#s.pipeline._parents;
    for (let i = all.indexOf(node) + 1; i < all.length; i++) {
      const m = all[i] as Node;
      if ((inRun !== undefined && !inRun.has(m)) || this.#done.has(m) || this.#batchOf.has(m)) continue;
      const ready = (parents.get(m) ?? []).every(
        (p) => chosen.has(p) || this.#done.has(p) || (inRun !== undefined && !inRun.has(p)),
      );
      if (!ready) continue;
      members.push(m);
      chosen.add(m);
    }
    return members;
  }

  async #runBatch(batch: Batch, contexts: Context[], task: NodeTaskFn): Promise<void> {
    const { members } = batch;
    // Start the tasks one after the other: each loads, runs beforeNodeRun and reaches invoke.
    for (let i = 0; i < members.length; i++) {
      const node = members[i] as Node;
      const completion = batch.completions[i] as Deferred;
      let done: void | PromiseLike<void>;
      try {
        done = (contexts[i] as Context).run(task, node);
      } catch (error) {
        done = Promise.reject(error);
      }
      const settled = Promise.resolve(done).then(
        () => {
          this.#done.add(node);
          completion.resolve();
        },
        (error: unknown) => completion.reject(error),
      );
      const first = await Promise.race([
        (batch.reached[i] as Deferred).promise.then(() => 'invoked' as const),
        settled.then(() => 'settled' as const),
      ]);
      if (first !== 'invoked') {
        // It failed before invoke: the nodes after it are not started (the scheduler starts
        // them later, on their own, if the run goes on).
        batch.cut = i;
        for (let k = i + 1; k < members.length; k++) this.#batchOf.delete(members[k] as Node);
        break;
      }
    }
    const count = Math.min(batch.cut, members.length);
    if (count === 0) return;
    const invoked = batch.invoked.slice(0, count) as Invoked[];
    await this.#settleMembers(
      members.slice(0, count),
      invoked,
      (i) => (batch.completions[i] as Deferred).promise,
    );
  }

  #deferInput(node: Node, dataset: string): unknown {
    const batch = this.#batchOf.get(node);
    if (batch === undefined) return undefined;
    const producer = this.#s.pipeline._producer.get(baseName(dataset));
    if (producer === undefined) return undefined;
    const p = batch.index.get(producer);
    const n = batch.index.get(node);
    if (p === undefined || n === undefined || p >= n) return undefined;
    return new GroupInput(dataset, producer, outputSelector(producer, dataset));
  }

  // --- jobs -----------------------------------------------------------------------------------

  #invoke(node: Node, args: unknown[]): Promise<unknown> {
    // Inside the node's context, after beforeNodeRun: this is the context the worker restores.
    const ctx = buildEnvelope({
      runId: this.#s.runId,
      node: node.name,
      filter: this.#s.filter,
      maxBytes: this.#s.maxContextBytes,
    });
    const batch = this.#batchOf.get(node);
    const i = batch?.index.get(node);
    if (batch !== undefined && i !== undefined && i < batch.cut) {
      return new Promise((resolve, reject) => {
        batch.invoked[i] = { args, ctx, resolve, reject };
        (batch.reached[i] as Deferred).resolve();
      });
    }
    return new Promise((resolve, reject) => {
      void this.#settleMembers([node], [{ args, ctx, resolve, reject }], undefined);
    });
  }

  /**
   * Runs the job of `members` and hands each its outcome, in order: a node's invoke settles after
   * its log records are delivered and (in a group) after the task of the node before it settled.
   */
  async #settleMembers(
    members: readonly Node[],
    invoked: readonly Invoked[],
    taskOf: ((i: number) => Promise<void>) | undefined,
  ): Promise<void> {
    let end: JobEnd;
    try {
      end = await this.#runJob(members, invoked);
    } catch (error) {
      // Not submitted, or nothing came back: every node of the job fails with it.
      (invoked[0] as Invoked).reject(error);
      for (let i = 1; i < invoked.length; i++) {
        (invoked[i] as Invoked).reject(
          groupNotRun(members[i] as Node, members[0] as Node, 'not-submitted', error),
        );
      }
      return;
    }
    const failedAt = end.failed?.index ?? members.length;
    for (let i = 0; i < members.length; i++) {
      const node = members[i] as Node;
      const target = invoked[i] as Invoked;
      if (i > failedAt) {
        target.reject(groupNotRun(node, members[failedAt] as Node, 'failed-before', end.failed?.error));
        continue;
      }
      this.#deliver(end.logs?.byMember[i]);
      if (i === failedAt) {
        target.reject(end.failed?.error);
        continue;
      }
      target.resolve(end.results[i]);
      if (taskOf !== undefined && i < members.length - 1) {
        // The next node's results only after this node's task settled (its afterNodeRun, saves).
        const ok = await taskOf(i).then(
          () => true,
          () => false,
        );
        if (!ok) {
          for (let k = i + 1; k < members.length; k++) {
            (invoked[k] as Invoked).reject(groupNotRun(members[k] as Node, node, 'discarded', undefined));
          }
          return;
        }
      }
    }
  }

  #jobOptions(node: Node): JobsOptions {
    let options = this.#options.get(node);
    if (options === undefined) {
      options = this.#s.jobOptions(node);
      this.#options.set(node, options);
    }
    return options;
  }

  #deliver(records: readonly LogRecordLike[] | undefined): void {
    const bridge = this.#s.bridge;
    if (records === undefined || bridge === undefined) return;
    for (const record of records) {
      try {
        bridge.deliver(record);
      } catch {
        // a sink that throws does not keep the other records from the other sinks
      }
    }
  }

  async #runJob(members: readonly Node[], invoked: readonly Invoked[]): Promise<JobEnd> {
    const s = this.#s;
    const first = members[0] as Node;
    const jobId = jobIdOf(s.runKey, first.name, members.length);
    const position = new Map<Node, number>();
    members.forEach((m, i) => {
      position.set(m, i);
    });
    const list: InvokedArgs[] = members.map((node, i) => ({ node, args: (invoked[i] as Invoked).args }));
    const input = encodeJobInput(list, (producer) => position.get(producer), s.inlineBytes);
    const single = members.length === 1;
    const nodes: JobNode[] = members.map((node, i) => {
      const ref = s.refs.get(node) as NodeFunctionRef;
      const links = input.links[i];
      return {
        node: node.name,
        module: ref.moduleUrl,
        export: ref.exportName,
        streaming: node.streaming,
        ctx: (invoked[i] as Invoked).ctx,
        ...(links === undefined ? {} : { links }),
        ...(!single && node.retries > 0 ? { retries: node.retries } : {}),
        ...(!single && node.retryDelayMs > 0 ? { retryDelayMs: Math.round(node.retryDelayMs) } : {}),
      };
    });
    const codeOrPending = s.codeFor(single ? [(nodes[0] as JobNode).module] : nodes.map((n) => n.module));
    const code = typeof codeOrPending === 'string' ? codeOrPending : await codeOrPending;
    const data: NodeJobData = {
      v: JOB_VERSION,
      runId: s.runId,
      nodes,
      ...(input.inline === undefined ? {} : { input: input.inline }),
      inline: s.inlineBytes,
      code,
    };
    if (input.bytes !== undefined) {
      const files = jobFiles(s.storage, jobId);
      try {
        await writeAtomic(files.args, input.bytes);
        this.#files.add(files.args);
      } catch (error) {
        throw new NodeDataTransferError(
          'ERR_STORAGE_WRITE',
          `The inputs of node '${first.name}' cannot be written to shared storage (${files.args}): ${describeError(error)}`,
          first.name,
          { cause: error },
        );
      }
    }
    let attached = false;
    let outcome: JobOutcome | undefined;
    if (s.mayExist) {
      const existing = await s.queue.getJob(jobId);
      if (existing !== undefined && existing !== null) {
        const state = await existing.getState();
        const same = sameNodes(existing.data, members);
        if (same && state === 'completed') {
          outcome = { state: 'completed', returnvalue: existing.returnvalue };
        } else if (!same || state === 'completed' || state === 'failed') {
          // Submitted anew below, with this run's context; the old job's files must not linger.
          const files = jobFiles(s.storage, jobId);
          await existing.remove();
          await removeFile(files.error);
          await removeFile(files.result);
        } else {
          attached = true;
          const wait = s.waiter.wait(jobId);
          s.waiter.added(jobId);
          await s.waiter.check(jobId);
          outcome = await wait;
        }
      }
    }
    if (outcome === undefined) {
      const wait = s.waiter.wait(jobId);
      try {
        await s.queue.add(first.name, data, {
          ...(single ? this.#jobOptions(first) : s.groupJobOptions),
          jobId,
        });
      } catch (error) {
        s.waiter.forget(jobId);
        const message = describeError(error);
        const what = single
          ? `The job of node '${first.name}'`
          : `The job of nodes ${members.map((m) => `'${m.name}'`).join(', ')}`;
        if (/exceeds the limit/.test(message)) {
          throw new JobSubmitError(
            'ERR_JOB_TOO_LARGE',
            `${what} is over the per-job size limit of ${s.maxJobBytes} bytes (maxJobBytes): ${message}. Jobs carry names, small inputs and the context; deny large context variables with contextFilter${single ? '' : ', make groups smaller'}, lower inlineDataBytes, or raise maxJobBytes.`,
            first.name,
            { cause: error },
          );
        }
        throw new JobSubmitError(
          'ERR_JOB_SUBMIT',
          `${what} could not be submitted to Redis at ${s.describeRedis}: ${message}`,
          first.name,
          { cause: error },
        );
      }
      s.waiter.added(jobId);
      this.#inFlight.add(jobId);
      attached = true;
      try {
        outcome = await wait;
      } finally {
        this.#inFlight.delete(jobId);
      }
    }
    return this.#readOutcome(jobId, members, outcome, attached);
  }

  /**
   * A job's results (and log records). Returns them at once when they came inline and there are no
   * records to read (the common case of small nodes): no promise, no extra tick.
   */
  #readOutcome(
    jobId: string,
    members: readonly Node[],
    outcome: JobOutcome,
    deliverLogs: boolean,
  ): JobEnd | Promise<JobEnd> {
    const s = this.#s;
    const first = members[0] as Node;
    if (outcome.state === 'missing') {
      throw new RemoteJobError(
        'ERR_JOB_MISSING',
        `The job of node '${first.name}' (${jobId}) disappeared from Redis before it finished (removed by another client, or Redis lost its data).`,
        first.name,
        jobId,
      );
    }
    if (outcome.state === 'completed') {
      const summary = (outcome.returnvalue ?? {}) as Partial<JobSummary>;
      if (summary.results !== undefined) {
        return this.#completed(jobId, members, summary, summary.results, deliverLogs);
      }
      if (typeof summary.result === 'string') {
        let results: JobResults;
        try {
          results = decodeInline(summary.result) as JobResults;
        } catch (error) {
          throw this.#unreadable(first, `from its job ${jobId}`, error);
        }
        return this.#completed(jobId, members, summary, results, deliverLogs);
      }
      const files = jobFiles(s.storage, jobId);
      this.#files.add(files.result);
      return readValue(files.result).then(
        (results) => this.#completed(jobId, members, summary, results as JobResults, deliverLogs),
        (error: unknown) => {
          throw this.#unreadable(first, `from ${files.result}`, error);
        },
      );
    }
    return this.#readFailed(jobId, members, outcome, deliverLogs);
  }

  #unreadable(first: Node, where: string, error: unknown): NodeDataTransferError {
    return new NodeDataTransferError(
      'ERR_NODE_RESULT_UNREADABLE',
      `The result of node '${first.name}' cannot be read ${where}: ${describeError(error)}`,
      first.name,
      { cause: error },
    );
  }

  /** A completed job's results, checked, with its log records when it logged any. */
  #completed(
    jobId: string,
    members: readonly Node[],
    summary: Partial<JobSummary>,
    results: JobResults,
    deliverLogs: boolean,
  ): JobEnd | Promise<JobEnd> {
    const s = this.#s;
    const first = members[0] as Node;
    if (
      results === null ||
      typeof results !== 'object' ||
      !Array.isArray(results.r) ||
      results.r.length !== members.length
    ) {
      throw new NodeDataTransferError(
        'ERR_NODE_RESULT_UNREADABLE',
        `The results of job ${jobId} (node '${first.name}') are not one result per node.`,
        first.name,
      );
    }
    this.#measure(members, results.ms);
    const needLogs =
      deliverLogs &&
      s.bridge !== undefined &&
      ((summary.logRecords ?? 0) > 0 || (summary.attempt ?? 1) > 1 || typeof summary.logRecords !== 'number');
    const finishedBy =
      typeof summary.worker === 'string' && typeof summary.attempt === 'number'
        ? `${summary.worker}#${summary.attempt}#`
        : undefined;
    if (!needLogs) return { results: results.r, logs: undefined };
    const r = results.r;
    return this.#readLogs(jobId, members, finishedBy).then((logs) => ({ results: r, logs }));
  }

  /** A failed job: the node's error, and the results of the nodes before it. */
  async #readFailed(
    jobId: string,
    members: readonly Node[],
    outcome: Extract<JobOutcome, { state: 'failed' }>,
    deliverLogs: boolean,
  ): Promise<JobEnd> {
    const s = this.#s;
    const files = jobFiles(s.storage, jobId);
    this.#files.add(files.error);
    let partial: JobResults | undefined;
    if (members.length > 1) {
      this.#files.add(files.result);
      try {
        partial = (await readValue(files.result)) as JobResults;
      } catch {
        partial = undefined;
      }
    }
    const index =
      partial !== undefined && Number.isInteger(partial.failed) && (partial.failed as number) < members.length
        ? (partial.failed as number)
        : 0;
    const node = members[index] as Node;
    const recorded = await readNodeError(files.error, node.name, jobId);
    const error =
      recorded !== NO_ERROR_FILE
        ? recorded
        : new RemoteJobError(
            'ERR_JOB_FAILED',
            `The job of node '${node.name}' (${jobId}) failed without a node error: ${outcome.failedReason || 'no reason given'}.`,
            node.name,
            jobId,
          );
    if (partial !== undefined && Array.isArray(partial.ms)) this.#measure(members, partial.ms);
    const logs = deliverLogs && s.bridge !== undefined ? await this.#readLogs(jobId, members) : undefined;
    return {
      results: partial !== undefined && Array.isArray(partial.r) ? partial.r : [],
      failed: { index, error },
      logs,
    };
  }

  #measure(members: readonly Node[], ms: readonly number[] | undefined): void {
    if (!Array.isArray(ms)) return;
    for (let i = 0; i < members.length && i < ms.length; i++) {
      const value = ms[i];
      if (typeof value === 'number' && Number.isFinite(value)) this.#s.measured(members[i] as Node, value);
    }
  }

  async #readLogs(
    jobId: string,
    members: readonly Node[],
    finishedBy?: string,
  ): Promise<JobLogs | undefined> {
    const s = this.#s;
    let entries: string[];
    try {
      entries = await s.redis.lrange(`${s.queue.opts.prefix}:${s.queue.name}:${jobId}:logs`, 0, -1);
    } catch (error) {
      s.report(
        `DistributedRunner: the log records of job ${jobId} (node '${members[0]?.name}') cannot be read from Redis: ${describeError(error)}`,
      );
      return undefined;
    }
    if (entries.length === 0) return undefined;
    const logs = sortJobLogs(entries, members.length, finishedBy);
    const who =
      members.length === 1
        ? `node '${members[0]?.name}'`
        : `the job of ${members.map((m) => `'${m.name}'`).join(', ')}`;
    if (logs.lostAttempts.length > 0) {
      const workers = [...new Set(logs.lostAttempts.map(workerOfAttempt))].join(', ');
      s.report(
        logs.partial
          ? `DistributedRunner: ${who} (job ${jobId}): no attempt finished (worker ${workers} stopped mid-node); the ${logs.byMember.reduce((n, r) => n + r.length, 0)} log record(s) its last attempt had sent are delivered, any it logged after its last flush are lost${logs.dropped > 0 ? `; ${logs.dropped} record(s) of earlier attempts are dropped` : ''}.`
          : `DistributedRunner: ${who} (job ${jobId}): ${logs.lostAttempts.length} attempt(s) stopped mid-node (worker ${workers}) and ran again; their ${logs.dropped} log record(s) are dropped, the records of the attempt that finished are delivered.`,
      );
    }
    if (logs.missing > 0 || logs.unreadable > 0) {
      s.report(
        `DistributedRunner: ${who} (job ${jobId}): ${logs.missing} log record(s) never reached Redis${logs.unreadable > 0 ? ` and ${logs.unreadable} could not be read` : ''}.`,
      );
    }
    return logs;
  }

  async #close(abandon: boolean, failed: boolean): Promise<void> {
    const s = this.#s;
    if (abandon) {
      for (const jobId of this.#inFlight) {
        s.waiter.forget(jobId);
        // Jobs not started yet are withdrawn; running ones finish on their worker, unobserved.
        await s.queue.remove(jobId).catch(() => 0);
      }
    }
    if (!failed) await Promise.all([...this.#files].map((f) => removeFile(f).catch(() => {})));
  }
}

/** Whether an existing job's data names exactly these nodes, in this order. */
function sameNodes(data: unknown, members: readonly Node[]): boolean {
  const nodes = (data as { nodes?: unknown } | null)?.nodes;
  return (
    Array.isArray(nodes) &&
    nodes.length === members.length &&
    nodes.every((n, i) => (n as { node?: unknown } | null)?.node === members[i]?.name)
  );
}
