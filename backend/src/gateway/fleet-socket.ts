import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { FleetViewportSchema, type FleetViewport, type TripStatus } from '@fleetstream/contracts';
import type { AppContext } from '../context.js';
import type { AuthLimiter } from '../http/auth-limiter.js';
import { checkOpsToken } from '../http/ops-auth.js';
import type { DeliveryStore } from '../infra/delivery-store.js';
import { keepAlive } from './liveness.js';
import type { createLogWorkerHost } from './log-worker-host.js';
import { OPS_PROTOCOL, tokenFrom } from './ops-socket.js';
import { originAllowed, refuse } from './upgrade.js';

/** The statuses of this many active deliveries seed a new fleet view. */
const SEED_DELIVERIES = 20_000;

/**
 * GET /ws/fleet (ops token): the live fleet map. The browser sends its viewport; the log worker
 * sends back what is in it once a second (couriers, or clusters when there are many). A map
 * that cannot keep up skips snapshots: each one is whole.
 */
export function createFleetSocket(o: {
  ctx: AppContext;
  store: DeliveryStore;
  authLimiter: AuthLimiter;
  host: ReturnType<typeof createLogWorkerHost>;
}) {
  const { ctx, host } = o;
  const log = ctx.log.child({ component: 'ws-fleet' });
  const limit = ctx.config.ws.maxBufferedBytes;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(OPS_PROTOCOL) ? OPS_PROTOCOL : false),
  });
  const liveness = keepAlive(wss, ctx.config.ws.pingIntervalMs);

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    if (!originAllowed(req.headers.origin, req.headers.host, ctx.config.http.allowedOrigins))
      return refuse(socket, 403, 'origin not allowed');
    const auth = checkOpsToken(req, tokenFrom(req), ctx.config.opsToken ?? '', o.authLimiter);
    if (!auth.ok) return refuse(socket, auth.status, auth.message, auth.retryAfterS);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      // The browser may say its viewport before the view is set up: keep the latest.
      let id: number | null = null;
      let viewport: FleetViewport | null = null;
      ws.on('message', (data: Buffer) => {
        let parsed;
        try {
          parsed = FleetViewportSchema.safeParse(JSON.parse(data.toString()));
        } catch {
          parsed = null;
        }
        if (!parsed?.success) return ws.close(1008, 'expected a viewport');
        viewport = parsed.data;
        if (id !== null) host.fleetViewport(id, viewport);
      });
      void seedOf().then((seed) => {
        if (ws.readyState !== ws.OPEN) return;
        const watching = host.watchFleet(
          {
            send(data) {
              if (ws.readyState === ws.OPEN && ws.bufferedAmount < limit) ws.send(data);
            },
            close: (code, reason) => ws.close(code, reason),
            done: () => undefined,
          },
          seed,
        );
        id = watching;
        if (viewport) host.fleetViewport(watching, viewport);
        ws.once('close', () => host.unwatchFleet(watching));
      });
    });
  }

  /** The statuses of the active deliveries, for couriers whose trip event is older than the tail. */
  async function seedOf(): Promise<[string, string, TripStatus][]> {
    try {
      const active = await o.store.listActive(SEED_DELIVERIES, Date.now());
      return active.map((d) => [d.driverId, d.deliveryId, d.status]);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'fleet map without statuses from Redis');
      return [];
    }
  }

  return {
    handleUpgrade,
    get connections() {
      return wss.clients.size;
    },
    close: async () => {
      liveness.stop();
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
