import type { WebSocket, WebSocketServer } from 'ws';

export interface KeepAliveOptions {
  /** Called for a client about to be dropped for not answering the previous ping. */
  onSilent?(ws: WebSocket): void;
  /**
   * Runs before each ping, e.g. to send an application heartbeat a page can see (it cannot
   * see pings); returning false means the socket went meanwhile and is not pinged.
   */
  beforePing?(ws: WebSocket): boolean;
}

/**
 * Pings every client of `wss` each `intervalMs`. A client that has not answered one ping by the
 * next is gone, or its link is half-open: it is terminated between one and two intervals after
 * it fell silent. A client is counted as answering until its first ping is due.
 */
export function keepAlive(wss: WebSocketServer, intervalMs: number, o: KeepAliveOptions = {}) {
  const answered = new WeakMap<WebSocket, boolean>();
  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      const seen = answered.get(ws);
      if (seen === false) {
        o.onSilent?.(ws);
        ws.terminate();
        continue;
      }
      if (seen === undefined) ws.on('pong', () => answered.set(ws, true));
      answered.set(ws, false);
      if (o.beforePing?.(ws) ?? true) ws.ping();
    }
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}
