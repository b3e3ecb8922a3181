import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppContext } from '../context.js';
import type { AuthLimiter } from '../http/auth-limiter.js';
import { checkOpsToken } from '../http/ops-auth.js';
import type { OpsStore } from '../infra/ops-store.js';
import { keepAlive } from './liveness.js';
import type { createSubscriptions } from './subscriptions.js';
import { originAllowed, refuse } from './upgrade.js';

/** Browsers cannot set headers on a WebSocket: they offer the token as a subprotocol. */
export const OPS_PROTOCOL = 'fleetstream-ops';
const TOKEN_PROTOCOL_PREFIX = 'bearer.';

export function tokenFrom(req: IncomingMessage): string | undefined {
  if (req.headers.authorization) return req.headers.authorization;
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const t = offered.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  return t ? `Bearer ${t.slice(TOKEN_PROTOCOL_PREFIX.length)}` : undefined;
}

/**
 * GET /ws/ops (ops token): the last minutes of lag history first, then one update per poll of
 * the ops role, forwarded as published (serialised once, for every dashboard).
 */
export function createOpsSocket(
  ctx: AppContext,
  store: OpsStore,
  subscriptions: ReturnType<typeof createSubscriptions>,
  authLimiter: AuthLimiter,
) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(OPS_PROTOCOL) ? OPS_PROTOCOL : false),
  });
  const log = ctx.log.child({ component: 'ws-ops' });
  const limit = ctx.config.ws.maxBufferedBytes;
  // Dashboards left open on a laptop that went to sleep are closed like any half-open link.
  const liveness = keepAlive(wss, ctx.config.ws.pingIntervalMs);

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    if (!originAllowed(req.headers.origin, req.headers.host, ctx.config.http.allowedOrigins))
      return refuse(socket, 403, 'origin not allowed');
    const auth = checkOpsToken(req, tokenFrom(req), ctx.config.opsToken ?? '', authLimiter);
    if (!auth.ok) return refuse(socket, auth.status, auth.message, auth.retryAfterS);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Redis may fail while a dashboard connects: that dashboard is closed (it reconnects),
      // the gateway goes on.
      serve(ws).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'ops socket set-up failed; closing it');
        ws.close(1011, 'temporarily unavailable');
      });
    });
  }

  async function serve(ws: WebSocket) {
    let ready = false;
    const early: Buffer[] = [];
    // Dashboards are few and each update is small; one that cannot keep up skips updates.
    const forward = (m: Buffer) => {
      if (!ready) early.push(m);
      else if (ws.bufferedAmount < limit) ws.send(m, { binary: false });
    };
    ws.on('error', () => undefined);
    const unsubscribe = await subscriptions.add(store.keys.live, forward);
    ws.once('close', unsubscribe);
    if (ws.readyState !== ws.OPEN) return unsubscribe();
    const [points, snapshot] = await Promise.all([store.history(), store.snapshot()]);
    ws.send(JSON.stringify({ type: 'history', points, snapshot }));
    const lastAt = points.at(-1)?.at ?? 0;
    ready = true;
    for (const m of early)
      if ((JSON.parse(m.toString()) as { point: { at: number } }).point.at > lastAt)
        ws.send(m, { binary: false });
  }

  return {
    handleUpgrade,
    close: () => {
      liveness.stop();
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      return new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    get connections() {
      return wss.clients.size;
    },
  };
}
