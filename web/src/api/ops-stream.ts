import type { z } from 'zod';

export type OpsConnection = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

/**
 * A live ops stream (/ws/ops, /ws/fleet). Browsers cannot send headers on a WebSocket, so the
 * ops token travels as a subprotocol. Reconnects with capped backoff; `onOpen` runs on every
 * (re)connection, for what the server must hear again (a viewport).
 */
export function connectOpsStream<T>(
  path: string,
  token: string,
  schema: z.ZodType<T>,
  handlers: {
    onMessage(m: T): void;
    onState(s: OpsConnection): void;
    onOpen?(send: (data: string) => void): void;
  },
): { send(data: string): void; close(): void } {
  let ws: WebSocket | null = null;
  let attempt = 0;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const open = () => {
    handlers.onState(attempt === 0 ? 'connecting' : 'reconnecting');
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${proto}://${location.host}${path}`, [
      'fleetstream-ops',
      `bearer.${token}`,
    ]);
    ws = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      attempt = 0;
      handlers.onState('live');
      handlers.onOpen?.((data) => socket.send(data));
    };
    socket.onmessage = (e) => {
      const parsed = schema.safeParse(JSON.parse(String(e.data)));
      if (parsed.success) handlers.onMessage(parsed.data);
    };
    socket.onclose = () => {
      ws = null;
      if (closed) return;
      // A refused upgrade never opens; after a few in a row, the token is the likely cause.
      if (!opened && attempt >= 2) {
        void fetch('/api/ops/lag', { headers: { Authorization: `Bearer ${token}` } }).then((r) => {
          if (r.status === 401) handlers.onState('unauthorized');
          else schedule();
        }, schedule);
        return;
      }
      schedule();
    };
  };
  const schedule = () => {
    if (closed) return;
    attempt++;
    handlers.onState('reconnecting');
    timer = setTimeout(open, Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)));
  };
  open();
  return {
    send(data) {
      if (ws?.readyState === WebSocket.OPEN) ws.send(data);
    },
    close() {
      closed = true;
      clearTimeout(timer);
      ws?.close();
    },
  };
}
