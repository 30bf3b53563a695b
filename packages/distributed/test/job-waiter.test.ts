/**
 * The poll that finds jobs whose completion event was missed must hand over the job's result even
 * when the job finishes between reading it and reading its state.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobWaiter } from '../src/job-waiter.js';
import { type RedisServer, startRedisServer } from '../src/redis-server.js';
import { SLOW, skipWithoutRedis } from './support/cluster.js';

describe.skipIf(skipWithoutRedis)('JobWaiter.check', { timeout: SLOW }, () => {
  let server: RedisServer;
  let redis: Redis;
  let queue: Queue;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis({ path: server.socket, maxRetriesPerRequest: null });
    queue = new Queue('waiter', { connection: { path: server.socket }, prefix: 'w' });
    await queue.waitUntilReady();
  }, SLOW);
  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    await server?.close();
  }, SLOW);

  it('reads a job again when it finished between the read of the job and that of its state', async () => {
    const finished = { returnvalue: { result: 'j[1]' }, finishedOn: 1, getState: async () => 'completed' };
    const racing = { returnvalue: null, finishedOn: undefined, getState: async () => 'completed' };
    let reads = 0;
    const view = Object.create(queue, {
      getJob: { value: async () => (reads++ === 0 ? racing : finished) },
    }) as Queue;
    const waiter = await JobWaiter.open(view, redis, { path: server.socket }, 60_000, () => {});
    try {
      const outcome = waiter.wait('job-1');
      waiter.added('job-1');
      await waiter.check('job-1');
      expect(await outcome).toEqual({ state: 'completed', returnvalue: { result: 'j[1]' } });
      expect(reads).toBe(2);
    } finally {
      await waiter.close();
    }
  });
});
