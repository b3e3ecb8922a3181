import { Router } from 'express';
import type { AppContext } from '../../context.js';
import { readRoleReports } from '../../health.js';

export interface HealthDeps {
  ctx: AppContext;
  kafkaCheck: () => Promise<{ ok: boolean; error?: string }>;
}

/** GET /healthz: 200 once Kafka, Redis and every required role are ready, 503 otherwise. */
export function healthRoutes({ ctx, kafkaCheck }: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const [kafka, redis] = await Promise.all([kafkaCheck(), redisCheck(ctx)]);
    const reports = redis.ok ? await readRoleReports(ctx).catch(() => []) : [];
    const roles: Record<string, { ok: boolean; instances: number; ready: number }> = {};
    for (const role of ctx.config.healthRoles) {
      const mine = reports.filter((r) => r.role === role);
      const ready = mine.filter((r) => r.ready).length;
      roles[role] = { ok: ready > 0, instances: mine.length, ready };
    }
    const ok = kafka.ok && redis.ok && Object.values(roles).every((r) => r.ok);
    res
      .status(ok ? 200 : 503)
      .json({ status: ok ? 'ok' : 'unavailable', components: { kafka, redis, roles } });
  });
  return router;
}

/**
 * Redis as /healthz reports it: down at once while the client is not connected (commands then
 * wait in ioredis's queue until it is back, so a ping would hang the health check), and down
 * when a ping takes longer than a second.
 */
async function redisCheck(ctx: AppContext): Promise<{ ok: boolean; error?: string }> {
  if (ctx.redis.status !== 'ready') return { ok: false, error: `redis ${ctx.redis.status}` };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: boolean; error?: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: 'redis ping timed out' }), 1_000);
  });
  try {
    return await Promise.race([
      ctx.redis.ping().then(
        () => ({ ok: true }),
        (err: Error) => ({ ok: false, error: err.message }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
