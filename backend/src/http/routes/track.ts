import { Router } from 'express';
import type { AppContext } from '../../context.js';
import { verifyTrackingToken } from '../../domain/tracking-token.js';
import { AppError } from '../../errors.js';
import type { DeliveryStore } from '../../infra/delivery-store.js';

/**
 * GET /api/track/:deliveryId?t=… (tracking token): the same snapshot the WebSocket opens with.
 * Browsers cannot see why an upgrade failed; this tells them (401 expired/invalid, 403, 404).
 */
export function trackRoutes(ctx: AppContext, store: DeliveryStore): Router {
  const router = Router();
  router.get('/track/:deliveryId', async (req, res) => {
    const { deliveryId } = req.params;
    const token = typeof req.query.t === 'string' ? req.query.t : undefined;
    const check = verifyTrackingToken(
      ctx.config.trackingSecret ?? '',
      token,
      deliveryId,
      Date.now(),
    );
    if (!check.ok) {
      const code = check.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN';
      throw new AppError(code, `tracking token ${check.reason}`, { status: check.status });
    }
    const snapshot = await store.snapshot(deliveryId);
    if (!snapshot)
      throw new AppError('NOT_FOUND', `unknown delivery ${deliveryId}`, { status: 404 });
    res.setHeader('Cache-Control', 'no-store');
    res.json(snapshot);
  });
  return router;
}
