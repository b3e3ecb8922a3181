import { Router } from 'express';
import type { AlertList } from '@fleetstream/contracts';
import type { AppContext } from '../../context.js';

/**
 * GET /api/ops/alerts (ops token): the ops role's alerts, firing ones and their history,
 * newest first (ALERT_HISTORY of them at most, firing ones always).
 */
export function alertRoutes(ctx: AppContext): Router {
  const router = Router();
  const store = ctx.stores.alerts;
  router.get('/ops/alerts', async (_req, res) => {
    const body: AlertList = { alerts: await store.list(ctx.config.alerts.history * 2) };
    res.setHeader('Cache-Control', 'no-store');
    res.json(body);
  });
  return router;
}
