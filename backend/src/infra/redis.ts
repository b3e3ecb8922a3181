import { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import type { Logger } from './logger.js';

export type RedisClient = Redis;

/**
 * An ioredis client that waits for the connection. ioredis resends unanswered commands after a
 * reconnect, so every effect written through it must be idempotent.
 */
export async function createRedis(opts: {
  url: string;
  log: Logger;
  name: string;
}): Promise<RedisClient> {
  const redis = new Redis(opts.url, {
    connectionName: opts.name,
    lazyConnect: true,
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(100 * 2 ** times, 5_000),
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    if (err.message !== lastError) opts.log.warn({ err: err.message }, 'redis connection error');
    lastError = err.message;
  });
  redis.on('ready', () => {
    if (lastError) opts.log.info('redis reconnected');
    lastError = '';
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new AppError(
      'REDIS_UNAVAILABLE',
      `cannot connect to Redis at ${opts.url}: ${(err as Error).message}`,
      { cause: err, retriable: true },
    );
  }
  return redis;
}
