import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { TRY_AGAIN_LATER, messageOrder, tryAgainReason } from '@fleetstream/contracts';
import type { AppContext } from '../context.js';
import { verifyTrackingToken } from '../domain/tracking-token.js';
import type { DeliveryStore } from '../infra/delivery-store.js';
import { createAdmission } from './admission.js';
import { keepAlive } from './liveness.js';
import { originAllowed, refuse } from './upgrade.js';
import type { Outgoing } from './outgoing.js';
import type { createSubscriptions } from './subscriptions.js';

const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const MAX_CLIENT_MESSAGES_PER_S = 20;
const heartbeat = () => JSON.stringify({ type: 'heartbeat', at: Date.now() });
/**
 * A socket that would have more than maxBufferedBytes × this queued is not reading at all, and
 * is closed instead: that product bounds what one customer can make us hold.
 */
export const HARD_LIMIT_FACTOR = 4;
/** Room for a frame header and a ping on top of a message's own bytes. */
const FRAME_OVERHEAD = 16;
/** How often a position held back from a slow reader is tried again. */
const HELD_FLUSH_MS = 250;

/**
 * `raw` is the connection the socket was upgraded on (ws writes its frames there too): live
 * messages, framed once for all their recipients, are written to it directly, in order with
 * whatever ws sends (both write synchronously, and no compression or fragmentation is on).
 */
type TrackClient = WebSocket & { deliveryId?: string; raw: Duplex };

export interface TrackSocketDeps {
  ctx: AppContext;
  store: DeliveryStore;
  subscriptions: ReturnType<typeof createSubscriptions>;
}

export interface TrackStats {
  connections: number;
  sent: number;
  /** Positions held back, only the newest kept, while their socket was over maxBufferedBytes. */
  conflated: number;
  refused: number;
  /** Handshakes turned away with 1013 and a retry hint (more at once than WS_HANDSHAKES_PER_S). */
  shed: number;
  /** Sockets closed for not reading (their queue would have passed the hard limit). */
  dropped: number;
  /** Sockets closed for not answering a ping before the next one (half-open links). */
  unresponsive: number;
  /**
   * The most bytes ever queued for one socket, right after a write: at most the hard limit
   * (maxBufferedBytes × HARD_LIMIT_FACTOR), or one message sent on an empty queue.
   */
  maxQueuedBytes: number;
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
  const stats: TrackStats = {
    connections: 0,
    sent: 0,
    conflated: 0,
    refused: 0,
    shed: 0,
    dropped: 0,
    unresponsive: 0,
    maxQueuedBytes: 0,
  };
  const limit = ctx.config.ws.maxBufferedBytes;
  const admission = createAdmission(ctx.config.ws.handshakesPerS);
  const hardLimit = limit * HARD_LIMIT_FACTOR;
  /**
   * Flushes of the sockets holding back a position: one sweep for all of them every 250 ms,
   * not a timer per socket (10,000 customers cost 40,000 timer calls a second that way, even
   * when nobody was holding anything).
   */
  const holding = new Set<() => void>();
  const sweep = setInterval(() => {
    for (const flush of holding) flush();
  }, HELD_FLUSH_MS);

  /**
   * Sends unless that would queue more than the hard limit, in which case the socket goes. An
   * empty queue takes any one message, so a snapshot larger than the limit still gets through.
   */
  const write = (ws: TrackClient, message: string | Outgoing): boolean => {
    const queued = ws.bufferedAmount;
    const size = typeof message === 'string' ? Buffer.byteLength(message) : message.payload.length;
    if (queued > 0 && queued + size + FRAME_OVERHEAD > hardLimit) {
      stats.dropped++;
      log.warn(
        { deliveryId: ws.deliveryId, buffered: queued },
        'closing a socket that does not read',
      );
      ws.terminate();
      return false;
    }
    // Always a text frame: browsers parse it as JSON.
    if (typeof message === 'string') ws.send(message, { binary: false });
    else ws.raw.write(message.frame);
    stats.maxQueuedBytes = Math.max(stats.maxQueuedBytes, ws.bufferedAmount);
    return true;
  };

  const liveness = keepAlive(wss, ctx.config.ws.pingIntervalMs, {
    onSilent: () => stats.unresponsive++,
    // The page cannot see pings: a small message lets it notice a half-open link too.
    // Every client of this server was upgraded in handleUpgrade; a heartbeat goes through ws.
    beforePing: (ws) => write(ws as TrackClient, heartbeat()),
  });

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
    // Past the admission rate: upgraded (a browser cannot read an HTTP refusal) and closed at
    // once with when to come back; nothing is read from Redis for it.
    const retryInMs = admission.take();
    if (retryInMs > 0) {
      stats.shed++;
      wss.handleUpgrade(req, socket, head, (ws) =>
        ws.close(TRY_AGAIN_LATER, tryAgainReason(retryInMs)),
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (upgraded) => {
      const ws = Object.assign(upgraded, { raw: socket });
      // Redis may fail while a customer connects: that socket is closed (the page reconnects
      // with backoff), the gateway and every other customer go on.
      serve(ws, deliveryId).catch((err: unknown) => {
        log.warn({ err: (err as Error).message, deliveryId }, 'tracking socket set-up failed');
        ws.close(1011, 'temporarily unavailable');
      });
    });
  }

  async function serve(ws: TrackClient, deliveryId: string) {
    stats.connections++;
    ws.deliveryId = deliveryId;
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
    const early: Outgoing[] = [];
    let latestPosition: Outgoing | null = null;

    const send = (message: Outgoing) => {
      if (ws.readyState !== ws.OPEN) return;
      const isPosition = message.isPosition;
      // Conflate: a slow reader needs the newest position, not every one in between.
      if (isPosition && ws.bufferedAmount > limit) {
        latestPosition = message;
        holding.add(flushHeld);
        stats.conflated++;
        return;
      }
      if (latestPosition !== null) {
        // Before a status, the held position goes first; a newer position supersedes it (else
        // the sweep would send it after the newer one).
        if (!isPosition && !write(ws, latestPosition)) return;
        latestPosition = null;
        holding.delete(flushHeld);
      }
      if (write(ws, message)) stats.sent++;
    };
    const flushHeld = () => {
      if (latestPosition !== null && ws.bufferedAmount <= limit) {
        const m = latestPosition;
        latestPosition = null;
        holding.delete(flushHeld);
        send(m);
      }
    };

    /**
     * Whether a live message adds to the snapshot. The feed and the snapshot come over two
     * Redis connections, so a message the snapshot already shows can arrive before it (held in
     * `early`) or just after it; a delivery's updates arrive in order, so once one is newer than
     * the snapshot, all that follow are, and positions need no more parsing.
     */
    let known = new Set<string>();
    let caughtUp = false;
    const adds = (message: Outgoing) => {
      const meta = message.isPosition && caughtUp ? null : message.meta;
      if (meta?.type === 'notification') return !known.has(meta.id);
      if (meta === null || caughtUp) return true;
      if (meta.order <= snapshotSeq!) return false;
      caughtUp = true;
      return true;
    };
    const forward = (message: Outgoing) => {
      if (snapshotSeq === null) {
        early.push(message);
        return;
      }
      if (adds(message)) send(message);
    };

    // Subscribe before reading the snapshot, so nothing published in between is missed; what
    // arrives meanwhile is replayed after the snapshot unless the snapshot already has it.
    let unsubscribe: (() => void) | null = null;
    ws.once('close', () => {
      stats.connections--;
      holding.delete(flushHeld);
      unsubscribe?.();
    });
    unsubscribe = await subscriptions.addDelivery(deliveryId, forward);
    // Closed while subscribing: the close handler ran before there was anything to undo.
    if (ws.readyState === ws.CLOSED) return unsubscribe();
    try {
      const snapshot = await store.snapshot(deliveryId);
      if (!snapshot) {
        ws.close(4404, 'unknown delivery');
        return;
      }
      if (!write(ws, JSON.stringify(snapshot))) return;
      snapshotSeq = messageOrder(snapshot);
      known = new Set(snapshot.notifications.map((n) => n.id));
      for (const m of early) if (adds(m)) send(m);
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
      liveness.stop();
      clearInterval(sweep);
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
