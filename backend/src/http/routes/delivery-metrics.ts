import client from 'prom-client';
import type { LagSnapshot } from '@fleetstream/contracts';
import type { AppContext } from '../../context.js';

/**
 * Delivery metrics of GET /metrics, the same on every gateway: abandoned deliveries (a counter
 * kept in Redis by the abandon sweep) and the ops role's latest customer impact, by cause.
 */
export function registerDeliveryMetrics(
  registry: client.Registry,
  ctx: AppContext,
  /** The ops role's latest lag snapshot, read once per scrape by metrics.ts. */
  snapshot: () => LagSnapshot | null,
): void {
  const abandoned = ctx.stores.abandoned;
  let counted = 0;
  new client.Counter({
    name: 'fleetstream_deliveries_abandoned_total',
    help: 'Deliveries dropped from the active set because their courier sent nothing for DELIVERY_ABANDON_AFTER_S',
    registers: [registry],
    async collect() {
      const total = await abandoned.total().catch(() => counted);
      // The count lives in Redis: a new Redis starts again from 0, and so does the counter.
      if (total < counted) {
        this.reset();
        counted = 0;
      }
      this.inc(total - counted);
      counted = total;
    },
  });
  new client.Gauge({
    name: 'fleetstream_active_deliveries',
    help: 'Active deliveries (assigned or picked up), as of the ops role last poll',
    registers: [registry],
    collect() {
      const impact = snapshot()?.impact;
      this.reset();
      if (impact) this.set(impact.activeDeliveries);
    },
  });
  new client.Gauge({
    name: 'fleetstream_stale_deliveries',
    help: 'Active deliveries whose customer sees a position older than OPS_STALE_AFTER_S, by cause: pipeline (live-push lags), silent (courier offline), quiet (courier quiet, not yet offline)',
    labelNames: ['cause'],
    registers: [registry],
    collect() {
      // A snapshot written before the split has no causes (not parsed: read as stored).
      const impact = snapshot()?.impact as Partial<LagSnapshot['impact']> | undefined;
      this.reset();
      if (!impact) return;
      this.set({ cause: 'pipeline' }, impact.laggingDeliveries ?? 0);
      this.set({ cause: 'silent' }, impact.silentDeliveries ?? 0);
      this.set({ cause: 'quiet' }, impact.quietDeliveries ?? 0);
    },
  });
}
