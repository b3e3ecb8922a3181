import type { LagSnapshot } from '@fleetstream/contracts';
import type { AppContext } from '../context.js';
import { freshnessBounds, freshnessRulesOf } from '../domain/delivery-freshness.js';
import type { DeliveryStore } from '../infra/delivery-store.js';

/** How long a finished delivery stays listed: as long as its state stays readable. */
const FINISHED_LISTED_MS = 2 * 3600_000;

/**
 * The customer impact line of each lag snapshot, and the abandon sweep that goes with it (one
 * ops instance polls, so each abandoned delivery is reported once): how many active customers
 * see an old position, and why, in a few range counts on the active set whatever the fleet
 * size (domain/delivery-freshness.ts).
 */
export function createDeliveryImpact(ctx: AppContext, deliveries: DeliveryStore) {
  const rules = freshnessRulesOf(ctx.config);
  const abandoned = ctx.stores.abandoned;
  /** `pipelineLagMs`: live-push's time lag in this poll (its slowest partition's). */
  return async function impact(now: number, pipelineLagMs: number): Promise<LagSnapshot['impact']> {
    const bounds = freshnessBounds(now, rules, pipelineLagMs);
    await abandoned.sweep(now, bounds.abandonBefore, now - FINISHED_LISTED_MS);
    const f = await deliveries.activeFreshness(bounds);
    return {
      staleAfterS: ctx.config.ops.staleAfterS,
      activeDeliveries: f.active,
      staleDeliveries: f.lagging + f.silent + f.quiet,
      offlineAfterS: ctx.config.couriers.offlineAfterS,
      pipelineLagMs: Math.max(0, pipelineLagMs),
      laggingDeliveries: f.lagging,
      silentDeliveries: f.silent,
      quietDeliveries: f.quiet,
    };
  };
}
