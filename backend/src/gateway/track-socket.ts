import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppContext } from '../context.js';
import { verifyTrackingToken } from '../domain/tracking-token.js';
import type { DeliveryStore } from '../infra/delivery-store.js';
import type { createSubscriptions } from './subscriptions.js';

const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const PING_INTERVAL_MS = 15_000;
const MAX_CLIENT_MESSAGES_PER_S = 20;
const heartbeat = () => JSON.stringify({ type: 'heartbeat', at: Date.now() });
/** Past this much queued for a socket it is not reading at all, and is closed. */
const HARD_LIMIT_FACTOR = 4;

export interface TrackSocketDeps {
  ctx: AppContext;
  store: DeliveryStore;
  subscriptions: ReturnType<typeof createSubscriptions>;
}

export interface TrackStats {
  connections: number;
  sent: number;
  conflated: number;
  refused: number;
}

/** Writes an HTTP error on a socket that asked to upgrade, before any WebSocket exists. */
export function refuse(socket: Duplex, status: 400 | 401 | 403 | 404, reason: string) {
  const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[
    status
  ];
  const body = JSON.stringify({
    error: {
      code: status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'FORBIDDEN' : 'BAD_REQUEST',
      message: reason,
    },
  });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Browser origins we accept: the gateway's own host, plus ALLOWED_ORIGINS. Non-browser clients send none. */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin) || allowed.includes('*')) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * The customer endpoint GET /ws/track?deliveryId=…&t=…: authenticated and origin-checked at the
 * upgrade, a snapshot first, then every live message of that one delivery. A socket that stops
 * reading keeps only its latest position queued, and is closed if it never drains.
 */
export function createTrackSocket({ ctx, store, subscriptions }: TrackSocketDeps) {
  const log = ctx.log.child({ component: 'ws-track' });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4 * 1024,
    perMessageDeflate: false,
  });
  const stats: TrackStats = { connections: 0, sent: 0, conflated: 0, refused: 0 };
  const limit = ctx.config.ws.maxBufferedBytes;

  const pingTimer = setInterval(() => {
    for (const ws of wss.clients) {
      const state = ws as WebSocket & { alive?: boolean };
      if (state.alive === false) {
        ws.terminate();
        continue;
      }
      state.alive = false;
      ws.ping();
      // The page cannot see pings: a small message lets it notice a half-open link too.
      ws.send(heartbeat());
    }
  }, PING_INTERVAL_MS);

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const deliveryId = url.searchParams.get('deliveryId') ?? '';
    const deny = (status: 400 | 401 | 403, reason: string) => {
      stats.refused++;
      log.debug({ status, reason, deliveryId }, 'refused tracking socket');
      refuse(socket, status, reason);
    };
    if (!originAllowed(req.headers.origin, req.headers.host, ctx.config.http.allowedOrigins))
      return deny(403, 'origin not allowed');
    if (!DELIVERY_ID.test(deliveryId)) return deny(400, 'deliveryId missing or invalid');
    const check = verifyTrackingToken(
      ctx.config.trackingSecret ?? '',
      url.searchParams.get('t'),
      deliveryId,
      Date.now(),
    );
    if (!check.ok) return deny(check.status, `tracking token ${check.reason}`);
    wss.handleUpgrade(req, socket, head, (ws) => void serve(ws, deliveryId));
  }

  async function serve(ws: WebSocket, deliveryId: string) {
    stats.connections++;
    const state = ws as WebSocket & { alive?: boolean };
    state.alive = true;
    ws.on('pong', () => (state.alive = true));
    // Customers have nothing to say yet: maxPayload bounds a message (1009 beyond it), and a
    // flood of them closes the socket (1008) instead of costing us anything.
    let window = { start: Date.now(), count: 0 };
    ws.on('message', () => {
      const now = Date.now();
      if (now - window.start > 1000) window = { start: now, count: 0 };
      if (++window.count > MAX_CLIENT_MESSAGES_PER_S) {
        stats.refused++;
        ws.close(1008, 'too many messages');
      }
    });
    ws.on('error', (err) => log.debug({ err: err.message }, 'socket error'));

    let snapshotSeq: number | null = null;
    const early: string[] = [];
    let latestPosition: string | null = null;

    const send = (message: string, isPosition: boolean) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > limit) {
        if (ws.bufferedAmount > limit * HARD_LIMIT_FACTOR) {
          log.warn(
            { deliveryId, buffered: ws.bufferedAmount },
            'closing a socket that does not read',
          );
          ws.terminate();
          return;
        }
        // Conflate: a slow reader needs the newest position, not every one in between.
        if (isPosition) {
          latestPosition = message;
          stats.conflated++;
          return;
        }
      }
      if (latestPosition !== null && !isPosition) {
        ws.send(latestPosition);
        latestPosition = null;
      }
      ws.send(message);
      stats.sent++;
    };
    const flushTimer = setInterval(() => {
      if (latestPosition !== null && ws.bufferedAmount <= limit) {
        const m = latestPosition;
        latestPosition = null;
        send(m, true);
      }
    }, 250);

    const forward = (message: string) => {
      if (snapshotSeq === null) {
        early.push(message);
        return;
      }
      send(message, message.startsWith('{"type":"position"'));
    };

    // Subscribe before reading the snapshot, so nothing published in between is missed; what
    // arrives meanwhile is replayed after the snapshot unless the snapshot already has it.
    const unsubscribe = await subscriptions.add(store.keys.channel(deliveryId), forward);
    ws.once('close', () => {
      stats.connections--;
      clearInterval(flushTimer);
      unsubscribe();
    });
    try {
      const snapshot = await store.snapshot(deliveryId);
      if (!snapshot) {
        ws.close(4404, 'unknown delivery');
        return;
      }
      ws.send(JSON.stringify(snapshot));
      snapshotSeq = snapshot.seq;
      const known = new Set(snapshot.notifications.map((n) => n.id));
      for (const m of early) {
        const parsed = JSON.parse(m) as { type: string; seq?: number; id?: string };
        const fresh =
          parsed.type === 'notification'
            ? !known.has(parsed.id ?? '')
            : (parsed.seq ?? -1) > snapshotSeq;
        if (fresh) send(m, parsed.type === 'position');
      }
      early.length = 0;
    } catch (err) {
      log.warn({ err, deliveryId }, 'snapshot failed');
      ws.close(1011, 'snapshot failed');
    }
  }

  return {
    handleUpgrade,
    stats,
    async close() {
      clearInterval(pingTimer);
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
