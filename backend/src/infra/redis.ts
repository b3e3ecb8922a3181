import { Cluster, Redis } from 'ioredis';
import { AppError } from '../errors.js';
import type { Logger } from './logger.js';

/** A standalone Redis or a Redis Cluster: the roles use the commands both answer. */
export type RedisClient = Redis | Cluster;

/** The seed nodes and credentials of a `redis+cluster://[user:password@]host:port,host:port` URL. */
export interface ClusterAddress {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
}

/**
 * Reads a Redis Cluster URL: `redis+cluster://` (or `rediss+cluster://` for TLS), then optional
 * credentials, then one or more `host:port` seed nodes separated by commas. Returns null for a
 * standalone URL; throws on a malformed cluster URL.
 */
export function parseClusterUrl(url: string): ClusterAddress | null {
  const m = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)\/?$/.exec(url);
  if (!m) {
    if (/^rediss?\+cluster:/.test(url))
      throw new Error(`bad Redis Cluster URL ${url}: expected redis+cluster://host:port,host:port`);
    return null;
  }
  const nodes = m[4]!.split(',').map((hp) => {
    const at = hp.lastIndexOf(':');
    const host = hp.slice(0, at).replace(/^\[(.*)\]$/, '$1');
    const port = Number(hp.slice(at + 1));
    if (at <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535)
      throw new Error(`bad Redis Cluster URL ${url}: "${hp}" is not host:port`);
    return { host, port };
  });
  return {
    nodes,
    ...(m[2] ? { username: decodeURIComponent(m[2]) } : {}),
    ...(m[3] !== undefined ? { password: decodeURIComponent(m[3]) } : {}),
    tls: m[1] === 'rediss',
  };
}

/**
 * An ioredis client that waits for the connection: a Cluster client for a `redis+cluster://`
 * URL (it follows slot moves and failovers), else a standalone one. ioredis resends unanswered
 * commands after a reconnect, so every effect written through it must be idempotent.
 */
export async function createRedis(opts: {
  url: string;
  log: Logger;
  name: string;
}): Promise<RedisClient> {
  const cluster = parseClusterUrl(opts.url);
  const common = { connectionName: opts.name, maxRetriesPerRequest: null };
  const redis: RedisClient = cluster
    ? new Cluster(cluster.nodes, {
        lazyConnect: true,
        enableAutoPipelining: true,
        // A promoted replica is found within a second of the failover.
        slotsRefreshInterval: 1_000,
        clusterRetryStrategy: (times) => Math.min(100 * 2 ** times, 5_000),
        redisOptions: {
          ...common,
          ...(cluster.username ? { username: cluster.username } : {}),
          ...(cluster.password !== undefined ? { password: cluster.password } : {}),
          ...(cluster.tls ? { tls: {} } : {}),
        },
      })
    : new Redis(opts.url, {
        ...common,
        lazyConnect: true,
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

/** Whether the client talks to a Redis Cluster (where a command's keys must share a slot). */
export const isCluster = (redis: RedisClient): redis is Cluster => redis instanceof Cluster;

/** Every key matching a pattern, on each primary of a cluster (tests and tools: KEYS blocks). */
export async function keysMatching(redis: RedisClient, pattern: string): Promise<string[]> {
  const nodes: Redis[] = isCluster(redis) ? redis.nodes('master') : [redis];
  return (await Promise.all(nodes.map((n) => n.keys(pattern)))).flat();
}

const MOVE_KEYS = `
local moved = 0
for i = 1, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 and redis.call('EXISTS', KEYS[i + 1]) == 0 then
    redis.call('RENAME', KEYS[i], KEYS[i + 1])
    moved = moved + 1
  end
end
return moved
`;

/**
 * Renames keys written under the names of before (`[old, new]` pairs) that a newer layout
 * gives a cluster hash tag, in one step, where the new one does not exist yet: on a standalone
 * Redis only (a cluster never held the old names). Returns a function that does it once, for a
 * store to await before its first read or write.
 */
export function legacyKeyMove(
  redis: RedisClient,
  pairs: readonly (readonly [string, string])[],
): () => Promise<void> {
  let done: Promise<void> | null = null;
  return () => {
    if (isCluster(redis)) return Promise.resolve();
    done ??= redis.eval(MOVE_KEYS, pairs.length * 2, ...pairs.flat()).then(
      () => undefined,
      (err: unknown) => {
        done = null;
        throw err;
      },
    );
    return done;
  };
}
