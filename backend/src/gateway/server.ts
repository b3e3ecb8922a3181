import http from 'node:http';
import type { AppContext, Stop } from '../context.js';
import { startHeartbeat } from '../health.js';
import { createHttpApp } from '../http/app.js';
import { createAuthLimiter } from '../http/auth-limiter.js';
import { createOpsSocket } from './ops-socket.js';
import { createSubscriptions, liveFeedOf } from './subscriptions.js';
import { createFleetSocket } from './fleet-socket.js';
import { createLogWorkerHost } from './log-worker-host.js';
import { createReplaySocket } from './replay-socket.js';
import { createTrackSocket } from './track-socket.js';

export const role = 'gateway';

/** The gateway: HTTP API, health, metrics and the web app on config.http.port. */
export async function start(ctx: AppContext): Promise<Stop & { port: number }> {
  const log = ctx.log.child({ role });
  const probe = ctx.cluster.probe();
  const store = ctx.stores.deliveries;
  const subscriber = ctx.pubsub.subscriber();
  const subscriptions = createSubscriptions(
    subscriber,
    liveFeedOf(store, ctx.config.redis.prefix, ctx.pubsub.sharded),
    log,
  );
  const track = createTrackSocket({ ctx, store, subscriptions });
  const opsStore = ctx.stores.ops;
  const authLimiter = createAuthLimiter({
    maxFailures: ctx.config.http.authMaxFailures,
    windowMs: ctx.config.http.authWindowS * 1000,
  });
  const opsSocket = createOpsSocket(ctx, opsStore, subscriptions, authLimiter);
  // Replays and the fleet view read the log in a worker thread, apart from live customers.
  const logWorker = createLogWorkerHost(ctx.config, log);
  const replay = createReplaySocket({ ctx, store, authLimiter, host: logWorker });
  const fleet = createFleetSocket({ ctx, store, authLimiter, host: logWorker });
  const app = createHttpApp(ctx, {
    kafkaCheck: probe.check,
    store,
    opsStore,
    connections: () => ({ track: track.stats.connections, ops: opsSocket.connections }),
    authLimiter,
  });
  const server = http.createServer(app);
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/ws/track') return track.handleUpgrade(req, socket, head);
    if (path === '/ws/ops') return opsSocket.handleUpgrade(req, socket, head);
    if (path === '/ws/replay') return replay.handleUpgrade(req, socket, head);
    if (path === '/ws/fleet') return fleet.handleUpgrade(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ctx.config.http.port, ctx.config.http.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : ctx.config.http.port;
  log.info({ port }, 'gateway listening');
  const stopHeartbeat = startHeartbeat(ctx, role, () => ({
    ready: true,
    detail: { ...track.stats, channels: subscriptions.channels, replays: replay.playing },
  }));

  const stop = async () => {
    await stopHeartbeat();
    await track.close();
    await opsSocket.close();
    await replay.close();
    await fleet.close();
    await logWorker.close();
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await probe.stop();
    subscriptions.close();
    subscriber.close();
  };
  return Object.assign(stop, { port });
}
