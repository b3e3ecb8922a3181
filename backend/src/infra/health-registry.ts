import type { Redis } from 'ioredis';
import { isCluster, type RedisClient } from './redis.js';

/**
 * Where roles report their readiness (one hash field per role instance, health.ts decides what
 * a report says and when it is stale), and whether Redis itself answers. HSET of the same
 * field is idempotent, which matters because ioredis may resend it after a reconnect.
 */
export function createHealthRegistry(redis: RedisClient, prefix: string) {
  const key = `${prefix}health`;
  return {
    put: async (field: string, report: string) => void (await redis.hset(key, field, report)),
    /** Every report, by field. */
    all: (): Promise<Record<string, string>> => redis.hgetall(key),
    remove: async (...fields: string[]) => void (await redis.hdel(key, ...fields)),
    /**
     * Redis as /healthz reports it, node by node (the one server, or each primary and replica
     * of a cluster as the client knows them): down at once while the client is not connected
     * (commands then wait in ioredis's queue until it is back, so a ping would hang the health
     * check), and a node down when its ping takes longer than a second. A cluster is ok while
     * every primary answers (a replica down is shown, but serves nothing).
     */
    async check(): Promise<RedisHealth> {
      const mode = isCluster(redis) ? 'cluster' : 'standalone';
      if (redis.status !== 'ready')
        return { ok: false, error: `redis ${redis.status}`, mode, nodes: [] };
      const primaries = new Set<Redis>(isCluster(redis) ? redis.nodes('master') : [redis]);
      const all = isCluster(redis) ? redis.nodes('all') : [redis];
      const nodes = await Promise.all(
        all.map(async (node): Promise<RedisNodeHealth> => {
          const role = primaries.has(node) ? 'primary' : 'replica';
          const address = `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`;
          const started = performance.now();
          const answer = await pingWithin(node, 1_000);
          return answer.ok
            ? {
                address,
                role,
                ok: true,
                pingMs: Math.round((performance.now() - started) * 10) / 10,
              }
            : { address, role, ok: false, error: answer.error };
        }),
      );
      nodes.sort((a, b) =>
        a.role === b.role ? (a.address < b.address ? -1 : 1) : a.role === 'primary' ? -1 : 1,
      );
      const down = nodes.filter((n) => n.role === 'primary' && !n.ok);
      if (nodes.length === 0) return { ok: false, error: 'no Redis node known', mode, nodes };
      if (down.length > 0)
        return {
          ok: false,
          error: down.map((n) => `${n.address}: ${n.error}`).join('; '),
          mode,
          nodes,
        };
      return { ok: true, mode, nodes };
    },
  };
}

/** One Redis node as /healthz shows it. */
export interface RedisNodeHealth {
  /** host:port as the client reaches it. */
  address: string;
  role: 'primary' | 'replica';
  ok: boolean;
  /** How long its PING took. */
  pingMs?: number;
  error?: string;
}

export interface RedisHealth {
  ok: boolean;
  error?: string;
  mode: 'standalone' | 'cluster';
  nodes: RedisNodeHealth[];
}

async function pingWithin(
  node: Redis,
  ms: number,
): Promise<{ ok: true } | { ok: false; error: string }> {
  // A cluster connects to a node when it first sends it a command: only a node given up on
  // is down before its ping (a reconnecting one answers within the second, or is down then).
  if (node.status === 'end' || node.status === 'close')
    return { ok: false, error: `redis ${node.status}` };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: false; error: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: 'redis ping timed out' }), ms);
  });
  try {
    return await Promise.race([
      node.ping().then(
        () => ({ ok: true as const }),
        (err: Error) => ({ ok: false as const, error: err.message }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export type HealthRegistry = ReturnType<typeof createHealthRegistry>;
