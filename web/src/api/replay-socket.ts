import {
  REPLAY_MAX_SPEED,
  REPLAY_MIN_SPEED,
  ReplayServerMessageSchema,
  type ReplayControl,
  type ReplayServerMessage,
} from '@fleetstream/contracts';

/** What to replay: a window of the fleet (ops token), or one delivery (either token). */
export interface ReplayRequest {
  /** Window start, epoch ms; a delivery replay may leave both ends out (its whole trip). */
  from?: number;
  to?: number;
  /** Device seconds per wall second, 1 to 60. */
  speed: number;
  /** The delivery replayed; without it, the whole fleet (ops token only). */
  deliveryId?: string;
  /** The delivery's tracking token (`t=` of its tracking link). */
  trackingToken?: string;
  /** The ops token: sent as a subprotocol, as on /ws/ops. */
  opsToken?: string;
}

export type ReplayConnection =
  | { kind: 'connecting' }
  | { kind: 'open' }
  /**
   * The upgrade was refused (bad window or speed, wrong token, too many replays) or the server
   * could not be reached: the browser is not told which.
   */
  | { kind: 'refused' }
  /** The socket closed after it opened: after a replay-error, or the link was lost. */
  | { kind: 'closed'; code: number };

export interface ReplayHandlers {
  onMessage(message: ReplayServerMessage): void;
  onState(state: ReplayConnection): void;
}

/** The player's remote: controls sent to the server, and a way to end the session. */
export interface ReplaySession {
  play(): void;
  pause(): void;
  setSpeed(speed: number): void;
  seek(at: number): void;
  close(): void;
}

/** The query string of /ws/replay for a request. */
export function replayQuery(r: ReplayRequest): string {
  const q = new URLSearchParams();
  if (r.from !== undefined) q.set('from', String(Math.round(r.from)));
  if (r.to !== undefined) q.set('to', String(Math.round(r.to)));
  q.set('speed', String(r.speed));
  if (r.deliveryId !== undefined) q.set('deliveryId', r.deliveryId);
  if (r.trackingToken !== undefined) q.set('t', r.trackingToken);
  return q.toString();
}

/**
 * One replay session on /ws/replay. A replay is a session, not a feed: it is not reconnected
 * (the server would start it over); a close is reported and the caller decides.
 */
export function connectReplay(request: ReplayRequest, handlers: ReplayHandlers): ReplaySession {
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  const url = `${proto}://${location.host}/ws/replay?${replayQuery(request)}`;
  // Browsers cannot send headers on a WebSocket: the ops token travels as a subprotocol.
  const ws = request.opsToken
    ? new WebSocket(url, ['fleetstream-ops', `bearer.${request.opsToken}`])
    : new WebSocket(url);
  let opened = false;
  let closed = false;
  handlers.onState({ kind: 'connecting' });

  ws.onopen = () => {
    opened = true;
    handlers.onState({ kind: 'open' });
  };
  ws.onmessage = (event) => {
    if (closed) return;
    let body: unknown;
    try {
      body = JSON.parse(String(event.data));
    } catch {
      return;
    }
    const parsed = ReplayServerMessageSchema.safeParse(body);
    if (parsed.success) handlers.onMessage(parsed.data);
  };
  ws.onclose = (event) => {
    if (closed) return;
    closed = true;
    handlers.onState(opened ? { kind: 'closed', code: event.code } : { kind: 'refused' });
  };

  const send = (control: ReplayControl) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(control));
  };
  return {
    play: () => send({ type: 'play' }),
    pause: () => send({ type: 'pause' }),
    setSpeed: (speed) =>
      send({
        type: 'speed',
        speed: Math.min(REPLAY_MAX_SPEED, Math.max(REPLAY_MIN_SPEED, speed)),
      }),
    seek: (at) => send({ type: 'seek', at: Math.round(at) }),
    close: () => {
      closed = true;
      ws.close();
    },
  };
}
