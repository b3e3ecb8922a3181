// Child process of the benchmark: a bare `ws` server that broadcasts one message to every
// client as fast as they take it, for the fan-out ceiling. Driven over IPC by ws-ceiling.ts.
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import { serveParent } from '../child-rpc.js';

export type BroadcastCommand =
  | { type: 'port' }
  | { type: 'broadcast'; seconds: number; payload: string }
  | { type: 'paced'; seconds: number; payload: string; groups: number; hz: number }
  | { type: 'stop' };

/** The port (to 'port' and 'stop'), or what a broadcast sent and skipped. */
export type BroadcastReply = { port: number } | { sent: number; skipped: number };

/** Past this much queued, a client is skipped for a round (as the gateway conflates). */
const MAX_BUFFERED = 64 * 1024;

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
const listening = once(wss, 'listening');
const port = async () => {
  await listening;
  const address = wss.address();
  return { port: typeof address === 'object' && address ? address.port : 0 };
};

/** Ticks of the paced broadcast: a delivery's message goes out on its own tick of the period. */
const TICK_MS = 10;

/**
 * The gateway's shape without the gateway: the clients split into `groups` (deliveries) in
 * connection order, each group sent one message every 1/hz s, the groups spread over the
 * period. What a bare `ws` server costs a message when each socket gets a few a second, which
 * a saturating broadcast hides (its backed-up sockets take many messages per write).
 */
function paced(
  m: { seconds: number; payload: string; groups: number; hz: number },
  done: (r: { sent: number; skipped: number }) => void,
) {
  const data = Buffer.from(m.payload);
  const clients = [...wss.clients];
  const ticksPerPeriod = Math.max(1, Math.round(1000 / m.hz / TICK_MS));
  const started = performance.now();
  let tick = 0;
  let sent = 0;
  let skipped = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - started >= m.seconds * 1000) {
      clearInterval(timer);
      done({ sent, skipped });
      return;
    }
    // Catch up on ticks a slow turn missed, so the offered rate holds.
    const due = Math.floor((now - started) / TICK_MS);
    for (; tick <= due; tick++) {
      for (let g = tick % ticksPerPeriod; g < m.groups; g += ticksPerPeriod) {
        for (let i = g; i < clients.length; i += m.groups) {
          const ws = clients[i]!;
          if (ws.bufferedAmount > MAX_BUFFERED) {
            skipped++;
            continue;
          }
          ws.send(data, { binary: false });
          sent++;
        }
      }
    }
  }, TICK_MS);
}

/** Every client one message per round, as fast as they take them, for `seconds`. */
function broadcast(
  m: { seconds: number; payload: string },
  done: (r: { sent: number; skipped: number }) => void,
) {
  // Serialised once, framed per client: the usual ws broadcast.
  const data = Buffer.from(m.payload);
  const end = performance.now() + m.seconds * 1000;
  let sent = 0;
  let skipped = 0;
  const round = () => {
    if (performance.now() >= end) return done({ sent, skipped });
    for (const ws of wss.clients) {
      if (ws.bufferedAmount > MAX_BUFFERED) {
        skipped++;
        continue;
      }
      ws.send(data, { binary: false });
      sent++;
    }
    setImmediate(round);
  };
  round();
}

serveParent<BroadcastCommand, BroadcastReply>(
  (c) => {
    switch (c.type) {
      case 'port':
      case 'stop':
        return port();
      case 'broadcast':
        return new Promise((resolve) => broadcast(c, resolve));
      case 'paced':
        return new Promise((resolve) => paced(c, resolve));
    }
  },
  (c) => c.type === 'stop',
);
