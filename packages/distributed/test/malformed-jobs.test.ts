/**
 * What a worker cannot run can never get better by retrying: a job whose context envelope is
 * missing its carrier, has another version, fails a codec's decode, carries a field its
 * propagator cannot read (a header that is not a string) or is over the worker's cap fails at once (BullMQ's UnrecoverableError), naming
 * the job and the node, whatever its retry policy. And whatever a node throws (an error named
 * `toString`, `__proto__` among its properties) fails only that node, through DistributedRunner.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ContextPropagator, compositePropagator, declaredVariablesPropagator } from '@weft/contextvars';
import { DataCatalog, NodeFailedError, node, pipeline } from '@weft/runner';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf, moduleFingerprint, weftVersions } from '../src/code-fingerprint.js';
import {
  DistributedRunner,
  type RedisServer,
  StorageDataset,
  startRedisServer,
  startWorker,
  type WeftWorker,
} from '../src/index.js';
import { encodeInline } from '../src/inline-value.js';
import { mix, throwsNamed, throwsWithProps } from './fixtures/nodes.js';
import { NODES_MODULE, SLOW, skipWithoutRedis } from './support/cluster.js';

const origin = { runId: 'r', node: 'n', host: 'h', pid: 1 };
/** The fingerprint an in-process worker of this code expects. */
const code = fingerprintOf(
  { weft: weftVersions(), modules: { [NODES_MODULE]: moduleFingerprint(NODES_MODULE) } },
  [NODES_MODULE],
);

/** A job of one node, as a DistributedRunner builds it, with its inputs inline. */
function jobOf(node: string, exportName: string, ctx: unknown, args: unknown[]): Record<string, unknown> {
  return {
    v: 2,
    runId: 'r',
    nodes: [{ node, module: NODES_MODULE, export: exportName, streaming: false, ctx }],
    input: encodeInline([args]),
    inline: 16384,
    code,
  };
}
const emptyVars = { v: 1, vars: {} };

/** A strict propagator of this worker: a string header 'x-tenant', anything else is refused. */
const tenantHeader: ContextPropagator = {
  fields: () => ['x-tenant'],
  inject: () => {},
  extract(context, carrier) {
    const value = carrier['x-tenant'];
    if (value !== undefined && typeof value !== 'string') {
      throw new Error(`carrier field 'x-tenant' is ${JSON.stringify(value)}, not a string`);
    }
    return context;
  },
};

describe.skipIf(skipWithoutRedis)('jobs a worker cannot run', { timeout: SLOW }, () => {
  let redis: RedisServer;
  let storage: string;
  let worker: WeftWorker;
  let queue: Queue;
  let events: QueueEvents;
  const workerErrors: Error[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    storage = await mkdtemp(join(tmpdir(), 'weft-malformed-'));
    worker = await startWorker({
      redis: redis.socket,
      storage,
      modules: NODES_MODULE,
      prefix: 'bad',
      maxEnvelopeBytes: 8192,
      propagator: compositePropagator(declaredVariablesPropagator, tenantHeader),
      onError: (e) => void workerErrors.push(e),
    });
    queue = new Queue('weft-nodes', { connection: { path: redis.socket }, prefix: 'bad' });
    events = new QueueEvents('weft-nodes', { connection: { path: redis.socket }, prefix: 'bad' });
    await events.waitUntilReady();
  }, SLOW);
  afterAll(async () => {
    await worker?.close();
    await events?.close();
    await queue?.close();
    await redis?.close();
    await rm(storage, { recursive: true, force: true });
  }, SLOW);

  const cases: [string, unknown, RegExp][] = [
    ['no carrier', { v: 2, origin }, /has no context carrier: 'carrier' is undefined, not an object/],
    ['a carrier that is not an object', { v: 2, carrier: 'x', origin }, /'carrier' is "x", not an object/],
    [
      'another version',
      { v: 1, vars: emptyVars, origin },
      /has version 1; this worker understands version 2/,
    ],
    [
      'a codec that cannot decode',
      { v: 2, carrier: { context: { v: 1, vars: { 'dist.date': 42 } } }, origin },
      /cannot be restored: cannot decode the value of context variable 'dist\.date': not an ISO date: 42/,
    ],
    [
      'serialized vars of another version',
      { v: 2, carrier: { context: { v: 7, vars: {} } }, origin },
      /cannot be restored: .*version 7/,
    ],
    [
      'a header of its propagator that is not a string',
      { v: 2, carrier: { 'x-tenant': 5 }, origin },
      /carrier field 'x-tenant' is 5, not a string/,
    ],
    [
      'a malformed list of names that did not travel',
      { v: 2, carrier: { unpropagated: { local: [1] } }, origin },
      /carrier field 'unpropagated' has 'local' that is not a list of variable names/,
    ],
    [
      'an envelope over the cap',
      { v: 2, carrier: { context: { v: 1, vars: { 'dist.user': 'x'.repeat(10_000) } } }, origin },
      /is \d+ bytes, over this worker's limit of 8192 \(maxEnvelopeBytes/,
    ],
    ['not an object', 'ctx', /'ctx' is not an object/],
  ];

  it.each(cases)(
    'fails a job whose envelope has %s at once, naming the job and the node',
    async (_label, ctx, reason) => {
      const jobId = `r__case${cases.findIndex((c) => c[1] === ctx)}`;
      const data = jobOf('victim', 'mix', ctx, [1, 2]);
      const job = await queue.add('victim', data, {
        jobId,
        attempts: 4,
        backoff: { type: 'fixed', delay: 50 },
      });
      await job.waitUntilFinished(events).catch(() => {});
      const done = await queue.getJob(jobId);
      expect(await done?.getState()).toBe('failed');
      expect(done?.attemptsMade).toBe(1);
      expect(done?.failedReason).toMatch(reason);
      expect(done?.failedReason).toMatch(/node 'victim' \(job r__case\d+\)|Job r__case\d+ \(node 'victim'\)/);
      expect(workerErrors).toEqual([]);
    },
  );

  it('runs a job whose carrier has a field no propagator of the worker reads, and warns once', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      for (const n of [1, 2]) {
        const jobId = `r__unread${n}`;
        const ctx = { v: 2, carrier: { 'x-unknown-header': 'a' }, origin };
        const job = await queue.add('unread', jobOf('unread', 'mix', ctx, [1, 2]), { jobId });
        await job.waitUntilFinished(events);
      }
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    const unread = warnings.filter((w) => (w as { code?: string }).code === 'WEFT_CARRIER_FIELD_UNREAD');
    expect(unread).toHaveLength(1);
    expect(unread[0]?.message).toMatch(/carrier field "x-unknown-header" is not read by any propagator here/);
  });

  it('still retries what the node itself throws (the control case)', async () => {
    const jobId = 'r__flaky_control';
    const data = jobOf('control', 'throwsNamed', { v: 2, carrier: {}, origin }, ['thrown']);
    const job = await queue.add('control', data, {
      jobId,
      attempts: 3,
      backoff: { type: 'fixed', delay: 20 },
    });
    await job.waitUntilFinished(events).catch(() => {});
    expect((await queue.getJob(jobId))?.attemptsMade).toBe(3);
  });

  describe('errors thrown by nodes, through DistributedRunner', () => {
    let runner: DistributedRunner;
    beforeAll(() => {
      runner = new DistributedRunner({ module: NODES_MODULE, redis: redis.socket, storage, prefix: 'bad' });
    });
    afterAll(() => runner?.close());

    it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'])(
      'fail only the node that threw an error named %s, with its name and message; saved outputs stay and the runner goes on',
      async (name) => {
        const kept = join(storage, `kept-${name}.v8`);
        const p = pipeline([
          node(throwsNamed, 'name', 'never', { name: 'thrower' }),
          node(mix, ['params:a', 'x'], 'kept', { name: 'fine' }),
        ]);
        const catalog = new DataCatalog({
          name,
          'params:a': 1,
          x: 2,
          kept: new StorageDataset({ filepath: kept }),
        });
        const error = (await runner.run(p, catalog).catch((e: unknown) => e)) as NodeFailedError;
        expect(error).toBeInstanceOf(NodeFailedError);
        expect(error.node).toBe('thrower');
        expect(error.cause).toBeInstanceOf(Error);
        expect((error.cause as Error).name).toBe(name);
        expect((error.cause as Error).message).toBe(`thrown with name ${name}`);
        expect(await new StorageDataset({ filepath: kept }).load()).toBe(mix(1, 2));
        const again = pipeline([node(mix, ['params:a', 'x'], 'y', { name: 'after' })]);
        expect(await runner.run(again, new DataCatalog({ 'params:a': 1, x: 3 }))).toEqual({ y: mix(1, 3) });
      },
    );

    it('keep the prototype of an error whose properties include __proto__ and constructor', async () => {
      const p = pipeline([node(throwsWithProps, 'props', 'never', { name: 'props' })]);
      const props = [
        ['__proto__', { polluted: true }],
        ['constructor', 'x'],
        ['code', 'E_HOSTILE'],
      ];
      const error = (await runner
        .run(p, new DataCatalog({ props }))
        .catch((e: unknown) => e)) as NodeFailedError;
      expect(error.node).toBe('props');
      expect(Object.getPrototypeOf(error.cause)).toBe(Error.prototype);
      expect((error.cause as { code?: unknown }).code).toBe('E_HOSTILE');
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    });
  });
});
