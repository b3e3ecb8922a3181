import { Router } from 'express';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';
import type { OpsStore } from '../../infra/ops-store.js';

/**
 * Ops endpoints (ops token): GET /api/ops/lag, the latest lag snapshot of every group;
 * POST /api/ops/groups/:groupId/pause and /resume, which the group's workers follow at once;
 * GET /api/ops/notifications/parked (how many the sink could not take, the oldest's age) and
 * POST /api/ops/notifications/redrive (every parked one tried again now, refused ones too).
 */
export function opsRoutes(ctx: AppContext, store: OpsStore): Router {
  const router = Router();
  const known = new Set(Object.values(ctx.config.groups));

  router.get('/ops/lag', async (_req, res) => {
    const snapshot = await store.snapshot();
    if (!snapshot)
      throw new AppError('UNAVAILABLE', 'no lag data yet: is the ops role running?', {
        status: 503,
        retriable: true,
      });
    res.setHeader('Cache-Control', 'no-store');
    res.json(snapshot);
  });

  const parked = ctx.stores.parked;
  router.get('/ops/notifications/parked', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await parked.summary(Date.now()));
  });
  router.post('/ops/notifications/redrive', async (_req, res) => {
    const redriven = await parked.redriveAll(Date.now());
    ctx.log.info({ redriven }, 'parked notifications redriven from ops');
    res.status(202).json({ redriven });
  });

  router.post('/ops/groups/:groupId/:action', async (req, res) => {
    const { groupId, action } = req.params;
    if (action !== 'pause' && action !== 'resume')
      throw new AppError('NOT_FOUND', `unknown action ${action}`, { status: 404 });
    if (!known.has(groupId))
      throw new AppError(
        'NOT_FOUND',
        `unknown group ${groupId} (one of ${[...known].join(', ')})`,
        { status: 404 },
      );
    await store.setPaused(groupId, action === 'pause');
    ctx.log.info({ groupId, action }, 'group control from ops');
    res.status(202).json({ groupId, paused: action === 'pause' });
  });
  return router;
}
