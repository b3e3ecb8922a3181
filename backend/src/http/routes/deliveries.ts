import { Router } from 'express';
import type { AbandonedList, DeliveryCounts, DeliveryList } from '@fleetstream/contracts';
import type { AppContext } from '../../context.js';
import {
  freshnessBounds,
  freshnessRulesOf,
  pipelineLagOf,
  type FreshnessBounds,
} from '../../domain/delivery-freshness.js';
import {
  pageOf,
  parseDeliveryQuery,
  selectDeliveries,
  type DeliveryQuery,
  type IndexedDelivery,
} from '../../domain/delivery-query.js';
import { trackingPath } from '../../domain/tracking-token.js';
import { AppError } from '../../errors.js';
import type { DeliveryIndexOptions } from '../../infra/delivery-index.js';
import type { DeliveryStore } from '../../infra/delivery-store.js';

/** A customer tracking link: `/track/<deliveryId>?t=<token>`, valid for TRACKING_TOKEN_TTL_S. */
export function trackingUrl(ctx: AppContext, deliveryId: string, now = Date.now()): string {
  return trackingPath(
    ctx.config.trackingSecret ?? '',
    deliveryId,
    now + ctx.config.trackingTokenTtlS * 1000,
  );
}

/**
 * GET /api/deliveries (ops token): the fleet's deliveries, searched (`q`: delivery or courier
 * id), filtered (`status`), sorted (`sort`) and paged (`limit`, `cursor`), with counts per
 * status; by default the first 100 active ones, most recently updated first.
 * GET /api/deliveries/abandoned: the latest deliveries dropped for a silent courier.
 */
export function deliveryRoutes(
  ctx: AppContext,
  store: DeliveryStore,
  o: DeliveryIndexOptions = {},
): Router {
  const router = Router();
  const index = ctx.stores.deliveryIndex(o);
  const opsStore = ctx.stores.ops;
  const abandoned = ctx.stores.abandoned;
  const rules = freshnessRulesOf(ctx.config);

  // The bounds are those of the index's read (live-push's lag read with it), so the sorted rows
  // of one query serve every page of it until the next read.
  let view: { version: number; bounds: FreshnessBounds; visible: IndexedDelivery[] } | null = null;
  let sorted: { key: string; rows: IndexedDelivery[]; counts: DeliveryCounts } | null = null;

  async function currentView(now: number) {
    const snap = await index.snapshot(now);
    if (view?.version !== snap.version) {
      const lag = pipelineLagOf(
        await opsStore.snapshot().catch(() => null),
        ctx.config.groups.livePush,
        snap.at,
      );
      const bounds = freshnessBounds(snap.at, rules, lag);
      // Abandoned ones the ops role has not swept yet are not shown (it reports them).
      const visible = snap.entries.filter((d) => !d.active || d.ts >= bounds.abandonBefore);
      view = { version: snap.version, bounds, visible };
    }
    return view;
  }

  async function select(query: DeliveryQuery, now: number) {
    const v = await currentView(now);
    const key = JSON.stringify([v.version, query.filter, query.q, query.sort]);
    if (sorted?.key !== key)
      sorted = { key, ...selectDeliveries(v.visible, query, v.bounds.offlineBefore) };
    return { ...sorted, bounds: v.bounds };
  }

  router.get('/deliveries', async (req, res) => {
    const query = parseDeliveryQuery(req.query);
    if ('error' in query) throw new AppError('BAD_REQUEST', query.error, { status: 400 });
    const now = Date.now();
    const { rows, counts, bounds } = await select(query, now);
    const { page, next } = pageOf(rows, query);
    const body: DeliveryList = {
      deliveries: page.map((d) => ({
        deliveryId: d.id,
        driverId: d.driverId,
        status: d.status,
        trackingUrl: trackingUrl(ctx, d.id, now),
        lastSeenTs: d.ts,
        active: d.active,
        offline: d.active && d.ts < bounds.offlineBefore,
      })),
      next,
      counts,
    };
    res.setHeader('Cache-Control', 'no-store');
    res.json(body);
  });

  router.get('/deliveries/abandoned', async (_req, res) => {
    const body: AbandonedList = {
      ...(await abandoned.recent()),
      abandonAfterS: ctx.config.deliveries.abandonAfterS,
    };
    res.setHeader('Cache-Control', 'no-store');
    res.json(body);
  });
  return router;
}
