import { WebSocket } from 'ws';
import { startChild } from '../child-rpc.js';
import { cpuSeconds } from '../proc-stats.js';
import type { BroadcastCommand, BroadcastReply } from './ws-broadcast-server.js';
import { samplePositionMessage } from './sample-records.js';

export interface WsCeiling {
  clients: number;
  seconds: number;
  /** Messages the clients received per second, all clients together. */
  deliveredPerS: number;
  sent: number;
  skippedSlow: number;
  serverCpuPct: number;
  /** CPU µs the server spent per message sent. */
  serverUsPerMessage: number;
  messageBytes: number;
  /** Paced like S3 (clients in `groups` of a delivery each, `hz` messages a second each). */
  paced?: { groups: number; hz: number };
}

/**
 * A bare `ws` broadcast: a server process sends a real position message to `clients` sockets
 * (clients in this process) round after round for `seconds`; the rate is what the clients got.
 * With `paced`, it sends like the gateway in S3 instead: each group of clients one message
 * every 1/hz s (ws-broadcast-server.ts).
 */
export async function measureWsCeiling(
  o: { clients: number; seconds: number; paced?: { groups: number; hz: number } },
  log: (line: string) => void,
): Promise<WsCeiling> {
  const server = await startChild<BroadcastCommand, BroadcastReply>(
    'ws broadcast server',
    'bench/src/ceilings/ws-broadcast-server.ts',
  );
  const pid = server.pid;
  try {
    const { port } = (await server.ask({ type: 'port' })) as { port: number };
    let received = 0;
    const sockets: WebSocket[] = [];
    for (let i = 0; i < o.clients; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, o.clients - i) }, async () => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
          ws.on('message', () => received++);
          await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
          sockets.push(ws);
        }),
      );
    }
    const payload = samplePositionMessage();
    const cpu0 = cpuSeconds(pid) ?? 0;
    const started = performance.now();
    const done = (await server.ask(
      o.paced
        ? { type: 'paced', seconds: o.seconds, payload, ...o.paced }
        : { type: 'broadcast', seconds: o.seconds, payload },
      // The broadcast's own length, and a margin for a machine it keeps busy.
      o.seconds * 1000 + 30_000,
    )) as { sent: number; skipped: number };
    const serverCpu = (cpuSeconds(pid) ?? 0) - cpu0;
    // What was still queued when the server stopped arrives in the next moments.
    const drainEnd = performance.now() + 3000;
    while (received < done.sent && performance.now() < drainEnd)
      await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - started) / 1000;
    for (const ws of sockets) ws.terminate();
    const r: WsCeiling = {
      clients: o.clients,
      seconds,
      deliveredPerS: received / seconds,
      sent: done.sent,
      skippedSlow: done.skipped,
      serverCpuPct: (serverCpu / o.seconds) * 100,
      serverUsPerMessage: done.sent > 0 ? (serverCpu * 1e6) / done.sent : 0,
      messageBytes: Buffer.byteLength(payload),
      ...(o.paced ? { paced: o.paced } : {}),
    };
    log(
      `ws ${o.paced ? `paced (${o.paced.groups} groups at ${o.paced.hz} Hz)` : 'broadcast'} to ` +
        `${o.clients} clients: ${Math.round(r.deliveredPerS).toLocaleString('en-US')} msgs/s, ` +
        `${r.serverUsPerMessage.toFixed(1)} µs of server CPU a message`,
    );
    return r;
  } finally {
    await server.stop({ type: 'stop' }, 10_000);
  }
}
