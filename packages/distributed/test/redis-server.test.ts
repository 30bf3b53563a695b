import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedisServer, workerCommand } from '../src/index.js';
import { SLOW, skipWithoutRedis } from './support/cluster.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

describe.skipIf(skipWithoutRedis)('startRedisServer', { timeout: SLOW }, () => {
  it('serves on a Unix socket in a temporary folder, and close() stops it and removes the folder', async () => {
    const redis = await startRedisServer();
    const client = new Redis({ path: redis.socket, lazyConnect: true });
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    expect(await client.config('GET', 'port')).toEqual(['port', '0']);
    client.disconnect();
    expect(alive(redis.pid)).toBe(true);
    await redis.close();
    expect(await gone(redis.pid, 5000)).toBe(true);
    expect(existsSync(redis.dir)).toBe(false);
  });

  it('stops the server when the process that started it dies without cleaning up', async () => {
    const { execPath, args } = workerCommand();
    const script = fileURLToPath(new URL('./fixtures/orphan-redis.ts', import.meta.url));
    const r = spawnSync(execPath, [...args.slice(0, -1), script], { encoding: 'utf8' });
    expect(r.signal).toBe('SIGKILL');
    const { pid, dir } = JSON.parse(r.stdout) as { pid: number; dir: string };
    try {
      expect(await gone(pid, 5000)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
