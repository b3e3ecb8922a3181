import { Router, type Request } from 'express';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';

/** An integer query parameter within [min, max], or its default when absent. */
function intParam(req: Request, name: string, fallback: number, min: number, max: number): number {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min || n > max)
    throw new AppError('BAD_REQUEST', `${name} must be an integer from ${min} to ${max}`, {
      status: 400,
    });
  return n;
}

/**
 * The analytics API (mounted behind the ops token):
 * - GET /analytics/summary: totals, average speed, active drivers
 * - GET /analytics/series?minutes=15: fixes per second and active drivers per minute
 * - GET /analytics/trips: trip duration histograms
 * - GET /analytics/heat?minutes=30: fixes per heat grid cell
 * - GET /analytics/drivers?limit=10: drivers by distance driven
 * Windows end now and cannot reach past the retention of the series.
 */
export function analyticsRoutes(ctx: AppContext): Router {
  const store = ctx.stores.analytics();
  const maxMinutes = Math.floor(ctx.config.analytics.retentionS / 60);
  const router = Router();
  router.get('/analytics/summary', async (_req, res) => {
    res.json(await store.summary(Date.now()));
  });
  router.get('/analytics/series', async (req, res) => {
    const minutes = intParam(req, 'minutes', 15, 1, maxMinutes);
    res.json(await store.series(Date.now(), minutes));
  });
  router.get('/analytics/trips', async (_req, res) => {
    res.json(await store.trips());
  });
  router.get('/analytics/heat', async (req, res) => {
    const minutes = intParam(req, 'minutes', 30, 1, maxMinutes);
    res.json(await store.heat(Date.now(), minutes));
  });
  router.get('/analytics/drivers', async (req, res) => {
    const limit = intParam(req, 'limit', 10, 1, 1000);
    res.json(await store.topDrivers(limit));
  });
  return router;
}
