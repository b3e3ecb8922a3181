import http from 'node:http';
import type { AppContext, Stop } from '../context.js';
import { startHeartbeat } from '../health.js';
import { createHttpApp } from '../http/app.js';
import { createKafkaProbe } from '../infra/kafka.js';

export const role = 'gateway';

/** The gateway: HTTP API, health, metrics and the web app on config.http.port. */
export async function start(ctx: AppContext): Promise<Stop & { port: number }> {
  const log = ctx.log.child({ role });
  const probe = createKafkaProbe(ctx.kafka);
  const app = createHttpApp(ctx, { kafkaCheck: probe.check });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ctx.config.http.port, ctx.config.http.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : ctx.config.http.port;
  log.info({ port }, 'gateway listening');
  const stopHeartbeat = startHeartbeat(ctx, role, () => ({ ready: true }));

  const stop = async () => {
    await stopHeartbeat();
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await probe.stop();
  };
  return Object.assign(stop, { port });
}
