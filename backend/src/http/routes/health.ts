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
    const [kafka, redis] = await Promise.all([kafkaCheck(), ctx.stores.health.check()]);
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
