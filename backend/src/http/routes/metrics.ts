import { Router } from 'express';
import client from 'prom-client';
import type { AppContext } from '../../context.js';
import { readRoleReports } from '../../health.js';
import type { OpsStore } from '../../infra/ops-store.js';
import { registerAlertMetrics } from './alert-metrics.js';
import { registerDeliveryMetrics } from './delivery-metrics.js';

export interface MetricsSources {
  opsStore: OpsStore;
  /** Open WebSockets of this gateway, by endpoint. */
  connections: () => Record<string, number>;
}

/**
 * GET /metrics in Prometheus text format: this process's own metrics, plus what every role
 * instance reported in its last heartbeat, so one scrape sees the whole deployment.
 */
export function metricsRoutes(ctx: AppContext, sources: MetricsSources): Router {
  const registry = new client.Registry();
  // Role heartbeats and the ops snapshot are read once per scrape, before the gauges collect.
  const parked = ctx.stores.parked;
  let scrape: {
    roles: Awaited<ReturnType<typeof readRoleReports>>;
    snapshot: Awaited<ReturnType<OpsStore['snapshot']>> | null;
    parked: Awaited<ReturnType<typeof parked.summary>> | null;
  } = { roles: [], snapshot: null, parked: null };
  client.collectDefaultMetrics({ register: registry, prefix: 'fleetstream_gateway_' });
  new client.Gauge({
    name: 'fleetstream_role_up',
    help: 'Role instances with a fresh heartbeat, 1 when ready',
    labelNames: ['role', 'instance'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of scrape.roles)
        this.set({ role: r.role, instance: r.instance }, r.ready ? 1 : 0);
    },
  });
  new client.Gauge({
    name: 'fleetstream_role_counter',
    help: 'Counters reported by role instances (e.g. consumed, deadLettered), as last reported',
    labelNames: ['role', 'instance', 'counter'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of scrape.roles) {
        for (const [counter, value] of Object.entries(r.detail)) {
          if (typeof value === 'number')
            this.set({ role: r.role, instance: r.instance, counter }, value);
        }
      }
    },
  });
  new client.Gauge({
    name: 'fleetstream_ws_connections',
    help: 'Open WebSocket connections on this gateway',
    labelNames: ['endpoint'],
    registers: [registry],
    collect() {
      for (const [endpoint, n] of Object.entries(sources.connections())) this.set({ endpoint }, n);
    },
  });
  // Lag figures come from the ops role's latest snapshot, so every gateway serves the same.
  const lagGauge = (
    name: string,
    help: string,
    pick: (p: {
      lag: number;
      timeLagMs: number;
      consumeRate: number;
      produceRate: number;
    }) => number,
  ) =>
    new client.Gauge({
      name,
      help,
      labelNames: ['group', 'partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const g of scrape.snapshot?.groups ?? []) {
          for (const p of g.partitions)
            this.set({ group: g.groupId, partition: String(p.partition) }, pick(p));
        }
      },
    });
  lagGauge(
    'fleetstream_consumer_lag_records',
    'Records not yet consumed, per group and partition',
    (p) => p.lag,
  );
  lagGauge(
    'fleetstream_consumer_time_lag_seconds',
    'Age of the oldest unconsumed record',
    (p) => p.timeLagMs / 1000,
  );
  lagGauge(
    'fleetstream_consume_rate',
    'Records per second committed by the group',
    (p) => p.consumeRate,
  );
  lagGauge(
    'fleetstream_produce_rate',
    'Records per second written to the partition',
    (p) => p.produceRate,
  );
  registerAlertMetrics(registry, ctx, () => scrape.snapshot);
  registerDeliveryMetrics(registry, ctx, () => scrape.snapshot);
  // Notifications the sink could not take (parked, dead ones included), from Redis.
  const parkedGauge = (
    name: string,
    help: string,
    pick: (p: NonNullable<typeof scrape.parked>) => number | null,
  ) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        const v = scrape.parked ? pick(scrape.parked) : null;
        if (v !== null) this.set(v);
      },
    });
  parkedGauge(
    'fleetstream_notifications_parked',
    'Notifications the sink could not take yet, dead-lettered ones included',
    (p) => p.parked,
  );
  parkedGauge(
    'fleetstream_notifications_dead',
    'Parked notifications no longer retried on their own (refused, or past NOTIFY_PARKED_DEAD_AFTER_S)',
    (p) => p.dead,
  );
  parkedGauge(
    'fleetstream_notifications_parked_oldest_age_seconds',
    'How long the oldest parked notification has waited',
    (p) => (p.oldestAgeMs === null ? 0 : p.oldestAgeMs / 1000),
  );
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const [roles, snapshot, parkedNow] = await Promise.all([
      readRoleReports(ctx).catch(() => []),
      sources.opsStore.snapshot().catch(() => null),
      parked.summary(Date.now()).catch(() => null),
    ]);
    scrape = { roles, snapshot, parked: parkedNow };
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
