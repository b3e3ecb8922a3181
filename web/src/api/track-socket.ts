import {
  TrackServerMessageSchema,
  retryHintMs,
  type SnapshotMessage,
  type TrackServerMessage,
} from '@fleetstream/contracts';
import { ApiError, getJson } from './http.js';
import { fetchPublicConfig } from './public.js';

/**
 * The server speaks at least once per ping interval (heartbeats); silence for two intervals
 * and a margin means a half-open link. The interval is the server's (public config); until it
 * is known, the default interval's limit.
 */
let silenceLimitMs = 2 * 15_000 + 5_000;
let silenceLimitKnown: Promise<void> | null = null;
const learnSilenceLimit = () =>
  (silenceLimitKnown ??= fetchPublicConfig().then(
    (c) => void (silenceLimitMs = 2 * c.pingIntervalMs + 5_000),
    () => void (silenceLimitKnown = null),
  ));

export type ConnectionState =
  | { kind: 'connecting' }
  | { kind: 'live' }
  | { kind: 'reconnecting'; attempt: number; inMs: number }
  /** Final: the link cannot work (expired, forged, unknown delivery). */
  | { kind: 'refused'; reason: 'expired' | 'unauthorized' | 'unknown' };

export interface TrackHandlers {
  onMessage(message: TrackServerMessage): void;
  onState(state: ConnectionState): void;
}

/**
 * The customer's live connection: reconnects with capped, jittered backoff, and after a failed
 * attempt asks the API why, so an expired or wrong link stops retrying and says so.
 */
export function connectTrack(
  deliveryId: string,
  token: string,
  handlers: TrackHandlers,
): () => void {
  let ws: WebSocket | null = null;
  let attempt = 0;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const query = `deliveryId=${encodeURIComponent(deliveryId)}&t=${encodeURIComponent(token)}`;

  const open = () => {
    void learnSilenceLimit();
    handlers.onState(
      attempt === 0 ? { kind: 'connecting' } : { kind: 'reconnecting', attempt, inMs: 0 },
    );
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    ws = new WebSocket(`${proto}://${location.host}/ws/track?${query}`);
    let opened = false;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const socket = ws;
    const feed = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => socket.close(), silenceLimitMs);
    };
    ws.onmessage = (event) => {
      opened = true;
      feed();
      const parsed = TrackServerMessageSchema.safeParse(JSON.parse(String(event.data)));
      if (!parsed.success) return;
      if (parsed.data.type === 'snapshot') {
        attempt = 0;
        handlers.onState({ kind: 'live' });
      }
      handlers.onMessage(parsed.data);
    };
    ws.onclose = (event) => {
      clearTimeout(watchdog);
      ws = null;
      if (closed) return;
      if (event.code === 4404) return handlers.onState({ kind: 'refused', reason: 'unknown' });
      // A busy gateway says when to come back (spread over its backlog): no diagnosis needed,
      // and a little jitter of our own on top.
      const hint = retryHintMs(event.code, event.reason);
      void (opened || hint !== null ? Promise.resolve(null) : diagnose()).then((refusal) => {
        if (closed) return;
        if (refusal) return handlers.onState({ kind: 'refused', reason: refusal });
        attempt++;
        const inMs =
          hint !== null
            ? hint + Math.random() * 250
            : Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2);
        handlers.onState({ kind: 'reconnecting', attempt, inMs });
        timer = setTimeout(open, inMs);
      });
    };
  };

  /** Why an upgrade failed: the browser hides the status, the API tells it. */
  const diagnose = async (): Promise<'expired' | 'unauthorized' | 'unknown' | null> => {
    try {
      await getJson<SnapshotMessage>(
        `/api/track/${encodeURIComponent(deliveryId)}?t=${encodeURIComponent(token)}`,
      );
      return null;
    } catch (err) {
      if (!(err instanceof ApiError)) return null;
      if (err.status === 401) return /expired/.test(err.message) ? 'expired' : 'unauthorized';
      if (err.status === 403) return 'unauthorized';
      if (err.status === 404) return 'unknown';
      return null;
    }
  };

  open();
  return () => {
    closed = true;
    clearTimeout(timer);
    ws?.close();
  };
}
