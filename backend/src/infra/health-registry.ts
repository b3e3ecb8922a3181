import type { RedisClient } from './redis.js';

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
     * Redis as /healthz reports it: down at once while the client is not connected (commands
     * then wait in ioredis's queue until it is back, so a ping would hang the health check), and
     * down when a ping takes longer than a second.
     */
    async check(): Promise<{ ok: boolean; error?: string }> {
      if (redis.status !== 'ready') return { ok: false, error: `redis ${redis.status}` };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<{ ok: boolean; error?: string }>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, error: 'redis ping timed out' }), 1_000);
      });
      try {
        return await Promise.race([
          redis.ping().then(
            () => ({ ok: true }),
            (err: Error) => ({ ok: false, error: err.message }),
          ),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export type HealthRegistry = ReturnType<typeof createHealthRegistry>;
