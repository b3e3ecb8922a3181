import { WebSocket, type ClientOptions } from 'ws';
import {
  messageOrder,
  TrackServerMessageSchema,
  type SnapshotMessage,
  type TrackServerMessage,
} from '@fleetstream/contracts';

/**
 * The tests' and benchmarks' one customer client of /ws/track: where its socket goes, how it
 * is opened, how its messages are read, and what a customer would notice going wrong (a
 * position older than one already shown, the same position twice). The page's own client is
 * web/src/api/track-socket.ts; this one runs in Node against a gateway on a test port.
 */

/** A delivery a customer follows, with its tracking token. */
export interface TrackTarget {
  deliveryId: string;
  token: string;
}

/** The delivery and token of a tracking URL (`/track/<id>?t=…`, absolute or relative). */
export function trackTarget(trackingUrl: string, baseUrl: string): TrackTarget {
  const u = new URL(trackingUrl, baseUrl);
  return {
    deliveryId: decodeURIComponent(u.pathname.split('/').pop() ?? ''),
    token: u.searchParams.get('t') ?? '',
  };
}

/** The /ws/track URL of a delivery on the gateway at `baseUrl` (http://host:port). */
export function trackSocketUrl(baseUrl: string, target: TrackTarget): URL {
  const url = new URL('/ws/track', baseUrl.replace(/^http/, 'ws'));
  url.searchParams.set('deliveryId', target.deliveryId);
  url.searchParams.set('t', target.token);
  return url;
}

export interface TrackSocketOptions {
  /**
   * Send the gateway's own origin as a browser on the tracking page does (the gateway checks
   * it); off for clients that only measure. @default true
   */
  asBrowser?: boolean;
  /** A handshake not answered by then fails instead of holding the client. @default 10000 */
  handshakeTimeoutMs?: number;
  /**
   * Skip `ws`'s UTF-8 check of text frames: the gateway is not what is tested then, and the
   * check is a benchmark client's largest cost per message. @default false
   */
  skipUTF8Validation?: boolean;
}

/**
 * The `ws` options of a customer socket. No compression: the gateway never negotiates it, and
 * offering it would only cost every handshake an extension header.
 */
export function trackSocketOptions(baseUrl: string, o: TrackSocketOptions = {}): ClientOptions {
  return {
    perMessageDeflate: false,
    handshakeTimeout: o.handshakeTimeoutMs ?? 10_000,
    skipUTF8Validation: o.skipUTF8Validation ?? false,
    ...((o.asBrowser ?? true) ? { headers: { Origin: new URL(baseUrl).origin } } : {}),
  };
}

/** A raw customer socket: errors are the caller's to observe through `close`. */
export function openTrackSocket(
  baseUrl: string,
  target: TrackTarget,
  o?: TrackSocketOptions,
): WebSocket {
  const socket = new WebSocket(trackSocketUrl(baseUrl, target), trackSocketOptions(baseUrl, o));
  // Without a listener an 'error' would throw; every caller sees the failure as a close.
  socket.on('error', () => undefined);
  return socket;
}

/** A message as the page reads it: checked against the contract, or null if it is not one. */
export function parseTrackMessage(data: Buffer | string): TrackServerMessage | null {
  let json: unknown;
  try {
    json = JSON.parse(data.toString());
  } catch {
    return null;
  }
  const parsed = TrackServerMessageSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** One position as a customer saw it. */
export interface ShownPosition {
  seq: number;
  /** The fix's device time. */
  ts: number;
  /** Its place in the delivery's order (`messageOrder`: rev, or seq before sessions). */
  order: number;
}

const samePosition = (a: ShownPosition, b: ShownPosition) => a.seq === b.seq && a.ts === b.ts;

/**
 * What one customer was shown of one delivery, across the sockets it opened for it (keep one
 * per delivery and feed it every message), and what went wrong:
 * - `regressions`: a position (snapshots included) older than one already shown: lower in the
 *   delivery's order or with an earlier fix time;
 * - `repeats`: a position message showing the last or newest position shown again;
 * - `outOfOrder`: a live update (position or status) not above the delivery's order already
 *   reached, snapshots included (the gateway holds back what a snapshot already contains);
 * - `malformed`: messages that are not JSON of the contract's union.
 */
export class ShownOrder {
  /** Position messages received. */
  positions = 0;
  regressions = 0;
  repeats = 0;
  outOfOrder = 0;
  malformed = 0;
  /** The newest position shown, snapshots included. */
  newest: ShownPosition | null = null;
  /** The last position message. */
  private last: ShownPosition | null = null;
  /** The highest order of any update or snapshot received. */
  private reached = -Infinity;

  /** Records a message; returns it parsed (null if malformed). */
  see(data: Buffer | string): TrackServerMessage | null {
    const m = parseTrackMessage(data);
    if (m === null) this.malformed++;
    else this.seeMessage(m);
    return m;
  }

  seeMessage(m: TrackServerMessage): void {
    if (m.type === 'snapshot') this.reached = Math.max(this.reached, messageOrder(m));
    else if (m.type === 'position' || m.type === 'status') {
      if (messageOrder(m) <= this.reached) this.outOfOrder++;
      this.reached = Math.max(this.reached, messageOrder(m));
    }
    const p = m.type === 'snapshot' ? m.position : m.type === 'position' ? m : null;
    if (!p) return;
    const shown: ShownPosition = { seq: p.seq, ts: p.ts, order: messageOrder(p) };
    const newest = this.newest;
    if (m.type === 'position') {
      this.positions++;
      const last = this.last;
      if ((last && samePosition(last, shown)) || (newest && samePosition(newest, shown)))
        this.repeats++;
      this.last = shown;
    }
    if (newest && samePosition(newest, shown)) return;
    if (newest && (shown.order < newest.order || shown.ts < newest.ts)) this.regressions++;
    else this.newest = shown;
  }
}

/** A customer's socket on one delivery, its messages fed to `order`. */
export interface TrackFollower {
  socket: WebSocket;
  /** The first snapshot; rejects if the socket fails or closes before one. */
  snapshot: Promise<SnapshotMessage>;
  order: ShownOrder;
}

/**
 * Opens a customer socket on `target` whose messages all go to `order` (a new one by default;
 * pass the previous socket's to check a reopened socket against what was already shown), then
 * to `onMessage`.
 */
export function followDelivery(
  baseUrl: string,
  target: TrackTarget,
  o: TrackSocketOptions & {
    order?: ShownOrder;
    onMessage?: (m: TrackServerMessage) => void;
  } = {},
): TrackFollower {
  const socket = openTrackSocket(baseUrl, target, o);
  const order = o.order ?? new ShownOrder();
  const snapshot = new Promise<SnapshotMessage>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', (code) => reject(new Error(`closed ${code} before a snapshot`)));
    socket.on('message', (data: Buffer) => {
      const m = order.see(data);
      if (m?.type === 'snapshot') resolve(m);
      if (m) o.onMessage?.(m);
    });
  });
  // Followers that never wait for their snapshot must not leave a rejection unhandled.
  snapshot.catch(() => undefined);
  return { socket, snapshot, order };
}

/*
 * Byte-level reading of position frames, for clients that time every one of millions (the
 * benchmark's): no string and no object made. The gateway writes `{"type":"position",…`.
 */
const POS = [0x70, 0x6f, 0x73] as const; // "pos", bytes 9–11 of a position frame
const FIELD_KEYS = { ts: Buffer.from('"ts":'), appliedAt: Buffer.from('"appliedAt":') };

/** Whether a frame is a position message. */
export function isPositionFrame(data: Buffer): boolean {
  return data[9] === POS[0] && data[10] === POS[1] && data[11] === POS[2];
}

/** The unsigned integer of the first `field` in a frame, or NaN. */
export function frameInteger(data: Buffer, field: keyof typeof FIELD_KEYS): number {
  const key = FIELD_KEYS[field];
  const at = data.indexOf(key);
  if (at < 0) return NaN;
  const start = at + key.length;
  let n = 0;
  let i = start;
  for (; i < data.length; i++) {
    const digit = data[i]! - 0x30;
    if (digit < 0 || digit > 9) break;
    n = n * 10 + digit;
  }
  return i === start ? NaN : n;
}
