import { OpsServerMessageSchema, type OpsServerMessage } from '@fleetstream/contracts';

export type OpsConnection = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

/**
 * The dashboard's live feed (/ws/ops). Browsers cannot send headers on a WebSocket, so the ops
 * token travels as a subprotocol. Reconnects with capped backoff; the server resends history.
 */
export function connectOps(
  token: string,
  handlers: { onMessage(m: OpsServerMessage): void; onState(s: OpsConnection): void },
) {
  let ws: WebSocket | null = null;
  let attempt = 0;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const open = () => {
    handlers.onState(attempt === 0 ? 'connecting' : 'reconnecting');
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    ws = new WebSocket(`${proto}://${location.host}/ws/ops`, [
      'fleetstream-ops',
      `bearer.${token}`,
    ]);
    let opened = false;
    ws.onopen = () => {
      opened = true;
      attempt = 0;
      handlers.onState('live');
    };
    ws.onmessage = (e) => {
      const parsed = OpsServerMessageSchema.safeParse(JSON.parse(String(e.data)));
      if (parsed.success) handlers.onMessage(parsed.data);
    };
    ws.onclose = () => {
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
  return () => {
    closed = true;
    clearTimeout(timer);
    ws?.close();
  };
}
