/**
 * The `redis` option shared by the runner, the workers and the CLI: a `redis://` URL, the path of
 * a Unix socket, or ioredis options.
 *
 * @module
 */
import { isAbsolute } from 'node:path';
import type { RedisOptions } from 'ioredis';
import { DistributedConfigError } from './errors.js';

/** Where Redis is: `redis://[user:pass@]host:port[/db]`, `rediss://…`, `/path/to/redis.sock`, or ioredis options. */
export type RedisLocation = string | RedisOptions;

/** Connection options for BullMQ from a {@link RedisLocation}. */
export function connectionOptions(redis: unknown, where: string): RedisOptions & { url?: string } {
  if (typeof redis === 'string') {
    if (/^rediss?:\/\//.test(redis)) return { url: redis };
    if (isAbsolute(redis)) return { path: redis };
  } else if (redis !== null && typeof redis === 'object' && !Array.isArray(redis)) {
    return { ...(redis as RedisOptions) };
  }
  throw new DistributedConfigError(
    'ERR_DISTRIBUTED_OPTIONS',
    `${where}: 'redis' must be a redis:// URL, the absolute path of a Unix socket, or ioredis options, got ${JSON.stringify(redis) ?? String(redis)}.`,
  );
}

/** A short description of where Redis is, for messages. */
export function describeRedis(options: RedisOptions & { url?: string }): string {
  if (options.url !== undefined) return options.url.replace(/\/\/[^@/]*@/, '//***@');
  if (options.path !== undefined) return `unix:${options.path}`;
  return `${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
}
