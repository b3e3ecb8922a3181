import { Router } from 'express';
import type { DeliveryList } from '@fleetstream/contracts';
import type { AppContext } from '../../context.js';
import { trackingPath } from '../../domain/tracking-token.js';
import { AppError } from '../../errors.js';
import type { DeliveryStore } from '../../infra/delivery-store.js';

/** A customer tracking link: `/track/<deliveryId>?t=<token>`, valid for TRACKING_TOKEN_TTL_S. */
export function trackingUrl(ctx: AppContext, deliveryId: string, now = Date.now()): string {
  return trackingPath(
    ctx.config.trackingSecret ?? '',
    deliveryId,
    now + ctx.config.trackingTokenTtlS * 1000,
  );
}

/** GET /api/deliveries (ops token): active deliveries with their tracking links. */
export function deliveryRoutes(ctx: AppContext, store: DeliveryStore): Router {
  const router = Router();
  router.get('/deliveries', async (req, res) => {
    const raw = req.query.limit ?? '100';
    const limit = Number(raw);
    if (typeof raw !== 'string' || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new AppError('BAD_REQUEST', 'limit must be an integer from 1 to 1000', { status: 400 });
    }
    const now = Date.now();
    const views = await store.listActive(limit, now);
    const body: DeliveryList = {
      deliveries: views.map((v) => ({
        deliveryId: v.deliveryId,
        driverId: v.driverId,
        status: v.status,
        trackingUrl: trackingUrl(ctx, v.deliveryId, now),
      })),
    };
    res.json(body);
  });
  return router;
}
