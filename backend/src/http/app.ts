import fs from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import type { AppContext } from '../context.js';
import type { DeliveryStore } from '../infra/delivery-store.js';
import type { OpsStore } from '../infra/ops-store.js';
import { errorMiddleware, notFound } from './error-middleware.js';
import type { AuthLimiter } from './auth-limiter.js';
import { requireOpsToken } from './ops-auth.js';
import { alertRoutes } from './routes/alerts.js';
import { analyticsRoutes } from './routes/analytics.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { opsRoutes } from './routes/ops.js';
import { publicConfigRoutes } from './routes/public-config.js';
import { trackRoutes } from './routes/track.js';
import { healthRoutes, type HealthDeps } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';

/** The gateway's HTTP app: API, health, metrics and the built web app on one port. */
export function createHttpApp(
  ctx: AppContext,
  deps: Omit<HealthDeps, 'ctx'> & {
    store: DeliveryStore;
    opsStore: OpsStore;
    connections: () => Record<string, number>;
    /** Shared with the ops WebSocket: one count of failures per address. */
    authLimiter: AuthLimiter;
  },
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders);
  // Bodies are small JSON or nothing: anything bigger is refused with 413 before it is read.
  app.use(express.json({ limit: '16kb' }));
  app.use(healthRoutes({ ctx, kafkaCheck: deps.kafkaCheck }));
  app.use(metricsRoutes(ctx, { opsStore: deps.opsStore, connections: deps.connections }));
  app.use('/api', publicConfigRoutes(ctx));
  app.use('/api', trackRoutes(ctx, deps.store));
  const opsAuth = requireOpsToken(ctx.config.opsToken ?? '', deps.authLimiter);
  app.use('/api', opsAuth, deliveryRoutes(ctx, deps.store));
  app.use('/api', opsAuth, opsRoutes(ctx, deps.opsStore));
  app.use('/api', opsAuth, alertRoutes(ctx));
  app.use('/api', opsAuth, analyticsRoutes(ctx));
  app.use('/api', notFound);

  const webDist = ctx.config.http.webDist;
  if (webDist && fs.existsSync(path.join(webDist, 'index.html'))) {
    app.use(express.static(webDist, { index: false, maxAge: '1h' }));
    // Client-side routes (/track/…, /ops) all load the single-page app.
    app.get(/^\/(?!api\/|ws\/).*/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      // Relative to `root`: send refuses a dot-folder anywhere in an absolute path, and a
      // checkout may well live under one (~/.local/src/…).
      res.sendFile('index.html', { root: webDist });
    });
  }
  app.use(errorMiddleware(ctx.log));
  return app;
}

/** Conservative browser security headers on every response. */
const securityHeaders: express.RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'",
  );
  next();
};
