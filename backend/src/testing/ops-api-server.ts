import type { AddressInfo } from 'node:net';
import express from 'express';
import type { AppContext } from '../context.js';
import { createAuthLimiter } from '../http/auth-limiter.js';
import { errorMiddleware } from '../http/error-middleware.js';
import { requireOpsToken } from '../http/ops-auth.js';
import { deliveryRoutes } from '../http/routes/deliveries.js';
import { metricsRoutes } from '../http/routes/metrics.js';
import { opsRoutes } from '../http/routes/ops.js';
import type { DeliveryIndexOptions } from '../infra/delivery-index.js';

/**
 * The gateway's ops HTTP API alone (deliveries, ops, metrics, behind the ops token, with the
 * error middleware), on port 0: for tests of those routes without the WebSocket servers.
 */
export async function startOpsApi(ctx: AppContext, index: DeliveryIndexOptions = {}) {
  const store = ctx.stores.deliveries;
  const opsStore = ctx.stores.ops;
  const auth = requireOpsToken(ctx.config.opsToken ?? '', createAuthLimiter());
  const app = express()
    .use(metricsRoutes(ctx, { opsStore, connections: () => ({}) }))
    .use('/api', auth, deliveryRoutes(ctx, store, index))
    .use('/api', auth, opsRoutes(ctx, opsStore))
    .use(errorMiddleware(ctx.log));
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    store,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
