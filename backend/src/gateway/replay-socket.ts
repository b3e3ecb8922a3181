import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  REPLAY_MAX_SPEED,
  REPLAY_MAX_WINDOW_MS,
  REPLAY_MIN_SPEED,
  type ReplayErrorMessage,
} from '@fleetstream/contracts';
import type { AppContext } from '../context.js';
import { verifyTrackingToken } from '../domain/tracking-token.js';
import type { AuthLimiter } from '../http/auth-limiter.js';
import { checkOpsToken } from '../http/ops-auth.js';
import type { DeliveryStore } from '../infra/delivery-store.js';
import { keepAlive } from './liveness.js';
import { OPS_PROTOCOL, tokenFrom } from './ops-socket.js';
import type { ReplayDelivery } from './replay-players.js';
import type { createLogWorkerHost } from './log-worker-host.js';
import { originAllowed, refuse } from './upgrade.js';

const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export interface ReplayRequest {
  from: number | null;
  to: number | null;
  speed: number;
  deliveryId: string | null;
}

/** The query of /ws/replay, or why it is wrong. */
export function parseReplayQuery(q: URLSearchParams): ReplayRequest | { error: string } {
  const num = (name: string) => {
    const raw = q.get(name);
    if (raw === null || raw === '') return null;
    const n = Number(raw);
    return Number.isFinite(n) ? n : NaN;
  };
  const from = num('from');
  const to = num('to');
  const speed = num('speed') ?? 1;
  const deliveryId = q.get('deliveryId');
  if (Number.isNaN(from) || Number.isNaN(to) || Number.isNaN(speed))
    return { error: 'from, to and speed must be numbers (from and to in epoch ms)' };
  if (speed < REPLAY_MIN_SPEED || speed > REPLAY_MAX_SPEED)
    return { error: `speed must be between ${REPLAY_MIN_SPEED} and ${REPLAY_MAX_SPEED}` };
  if (deliveryId !== null && !DELIVERY_ID.test(deliveryId))
    return { error: 'deliveryId must be 1–64 letters, digits or ._:-' };
  if (deliveryId === null && (from === null || to === null))
    return { error: 'a fleet replay needs from and to (epoch ms)' };
  if (from !== null && to !== null) {
    if (to <= from) return { error: 'to must be after from' };
    if (to - from > REPLAY_MAX_WINDOW_MS)
      return { error: `a replay covers at most ${REPLAY_MAX_WINDOW_MS / 3600_000} h` };
  }
  return { from, to, speed, deliveryId };
}

/**
 * GET /ws/replay: plays a delivery (ops token, or that delivery's tracking token) or the whole
 * fleet (ops token) from the log at N×. Each replay reads with its own group-less reader, so
 * the live groups and ops' lag view never see it; at most config.ws.maxReplays play at once.
 */
export function createReplaySocket(o: {
  ctx: AppContext;
  store: DeliveryStore;
  authLimiter: AuthLimiter;
  host: ReturnType<typeof createLogWorkerHost>;
}) {
  const { ctx, store } = o;
  const log = ctx.log.child({ component: 'ws-replay' });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(OPS_PROTOCOL) ? OPS_PROTOCOL : false),
  });
  const liveness = keepAlive(wss, ctx.config.ws.pingIntervalMs);
  const { host } = o;
  const limit = ctx.config.ws.maxBufferedBytes;
  let playing = 0;
  const stats = { started: 0, refused: 0 };

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const deny = (status: 400 | 401 | 403 | 429, reason: string, retryAfterS?: number) => {
      stats.refused++;
      refuse(socket, status, reason, retryAfterS);
    };
    if (!originAllowed(req.headers.origin, req.headers.host, ctx.config.http.allowedOrigins))
      return deny(403, 'origin not allowed');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const request = parseReplayQuery(url.searchParams);
    if ('error' in request) return deny(400, request.error);
    const token = url.searchParams.get('t');
    if (token !== null && request.deliveryId !== null) {
      const check = verifyTrackingToken(
        ctx.config.trackingSecret ?? '',
        token,
        request.deliveryId,
        Date.now(),
      );
      if (!check.ok) return deny(check.status, `tracking token ${check.reason}`);
    } else {
      const auth = checkOpsToken(req, tokenFrom(req), ctx.config.opsToken ?? '', o.authLimiter);
      if (!auth.ok) return deny(auth.status, auth.message, auth.retryAfterS);
    }
    if (playing >= ctx.config.ws.maxReplays)
      return deny(429, `${playing} replays are playing, the most this gateway plays at once`, 5);
    playing++;
    stats.started++;
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      let ended = false;
      const done = () => {
        if (ended) return;
        ended = true;
        playing--;
      };
      start(ws, request, done).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'replay failed to start');
        done();
        fail(ws, { code: 'UNAVAILABLE', message: 'replay unavailable; try again' });
      });
    });
  }

  function fail(ws: WebSocket, e: Omit<ReplayErrorMessage, 'type' | 'oldestAvailable'>) {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(JSON.stringify({ type: 'replay-error', oldestAvailable: null, ...e }));
    ws.close(1000, e.code);
  }

  /** Hands the replay to the worker; this thread only forwards, and watches the socket's queue. */
  async function start(ws: WebSocket, request: ReplayRequest, done: () => void): Promise<void> {
    let delivery: ReplayDelivery | null = null;
    if (request.deliveryId) {
      const snapshot = await store.snapshot(request.deliveryId);
      if (!snapshot) {
        done();
        return fail(ws, { code: 'NOT_FOUND', message: `no delivery ${request.deliveryId}` });
      }
      const { driverId, status, statusTs, pickup, dropoff } = snapshot.delivery;
      delivery = { driverId, status, statusTs, pickup, dropoff };
    }
    if (ws.readyState !== ws.OPEN) return done();
    let held: ReturnType<typeof setInterval> | undefined;
    const release = () => {
      if (ws.bufferedAmount > limit && ws.readyState === ws.OPEN) return;
      clearInterval(held);
      held = undefined;
      host.hold(id, false);
    };
    const id = host.open(request, delivery, {
      send(data) {
        if (ws.readyState !== ws.OPEN) return;
        ws.send(data);
        if (held === undefined && ws.bufferedAmount > limit) {
          host.hold(id, true);
          held = setInterval(release, 20);
        }
      },
      close: (code, reason) => ws.close(code, reason),
      done() {
        clearInterval(held);
        done();
      },
    });
    ws.on('message', (data: Buffer) => host.control(id, data.toString()));
    ws.once('close', () => host.gone(id));
  }

  return {
    handleUpgrade,
    stats,
    get playing() {
      return playing;
    },
    close: async () => {
      liveness.stop();
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
