import { Router } from 'express';
import client from 'prom-client';
import type { AppContext } from '../../context.js';
import { readRoleReports } from '../../health.js';

/**
 * GET /metrics in Prometheus text format: this process's own metrics, plus what every role
 * instance reported in its last heartbeat, so one scrape sees the whole deployment.
 */
export function metricsRoutes(ctx: AppContext): Router {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'fleetstream_gateway_' });
  new client.Gauge({
    name: 'fleetstream_role_up',
    help: 'Role instances with a fresh heartbeat, 1 when ready',
    labelNames: ['role', 'instance'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await readRoleReports(ctx).catch(() => []))
        this.set({ role: r.role, instance: r.instance }, r.ready ? 1 : 0);
    },
  });
  new client.Gauge({
    name: 'fleetstream_role_counter',
    help: 'Counters reported by role instances (e.g. consumed, deadLettered), as last reported',
    labelNames: ['role', 'instance', 'counter'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await readRoleReports(ctx).catch(() => [])) {
        for (const [counter, value] of Object.entries(r.detail)) {
          if (typeof value === 'number')
            this.set({ role: r.role, instance: r.instance, counter }, value);
        }
      }
    },
  });
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
