// Child process of the benchmark: a bare `ws` server that broadcasts one message to every
// client as fast as they take it, for the fan-out ceiling. Driven over IPC by ws-ceiling.ts.
import { WebSocketServer } from 'ws';

/** Past this much queued, a client is skipped for a round (as the gateway conflates). */
const MAX_BUFFERED = 64 * 1024;

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('listening', () => {
  const address = wss.address();
  process.send?.({
    type: 'listening',
    port: typeof address === 'object' && address ? address.port : 0,
  });
});

process.on('message', (raw) => {
  const m = raw as { type: 'broadcast'; seconds: number; payload: string };
  if (m.type !== 'broadcast') return;
  // Serialised once, framed per client: the usual ws broadcast.
  const data = Buffer.from(m.payload);
  const end = performance.now() + m.seconds * 1000;
  let sent = 0;
  let skipped = 0;
  const round = () => {
    if (performance.now() >= end) {
      process.send?.({ type: 'done', sent, skipped });
      return;
    }
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
});
process.on('disconnect', () => process.exit(0));
