import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TrackServerMessage } from '@fleetstream/contracts';
import { signTrackingToken } from '../domain/tracking-token.js';
import type { DeliveryStore } from '../infra/delivery-store.js';
import { recordFault } from '../testing/reliability-ledger.js';
import {
  createTestContext,
  testNamespace,
  TEST_OPS_TOKEN,
  TEST_TRACKING_SECRET,
} from '../testing/test-context.js';
import { OPS_PROTOCOL } from './ops-socket.js';
import { assignedTrip, deliveryPosition } from '../testing/fixtures.js';
import * as gateway from './server.js';
import { HARD_LIMIT_FACTOR } from './track-socket.js';
import { listenToFeed } from '../testing/live-feed-listener.js';

/**
 * Clients that misbehave below the message level: one that never answers pings (a half-open
 * link) and one that stops reading while its delivery keeps moving. Each gets a gateway of its
 * own, so the figures read from that gateway's /metrics are that client's alone.
 */

interface Gateway {
  port: number;
  instanceId: string;
  store: DeliveryStore;
  /** Calls `each` with every message live-push writes publish for the gateway. */
  feed(each: (deliveryId: string, json: string) => void): Promise<() => Promise<void>>;
  maxBufferedBytes: number;
  pingIntervalMs: number;
}
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function startGateway(label: string, env: Record<string, string>): Promise<Gateway> {
  const t = await createTestContext(['gateway'], testNamespace(label, env));
  const stop = await gateway.start(t.ctx);
  cleanups.push(t.close, stop);
  return {
    port: stop.port,
    instanceId: t.ctx.config.instanceId,
    store: t.ctx.stores.deliveries,
    feed: async (each) => {
      const subscriber = t.ctx.pubsub.subscriber();
      const stop = await listenToFeed(subscriber, t.ctx.config.redis.prefix, each);
      return async () => {
        await stop();
        await subscriber.close();
      };
    },
    maxBufferedBytes: t.ctx.config.ws.maxBufferedBytes,
    pingIntervalMs: t.ctx.config.ws.pingIntervalMs,
  };
}

const trackUrl = (g: Gateway, deliveryId: string) =>
  `ws://127.0.0.1:${g.port}/ws/track?deliveryId=${deliveryId}&t=${signTrackingToken(
    TEST_TRACKING_SECRET,
    deliveryId,
    Date.now() + 600_000,
  )}`;

/** One sample of the gateway's own /metrics: its socket counters (as last reported) and RSS. */
async function gatewayFigures(g: Gateway) {
  const text = await (await fetch(`http://127.0.0.1:${g.port}/metrics`)).text();
  const value = (name: string, labels: Record<string, string> = {}) => {
    const line = text
      .split('\n')
      .find(
        (l) =>
          (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) &&
          Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
      );
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const counter = (counter: string) =>
    value('fleetstream_role_counter', { role: 'gateway', instance: g.instanceId, counter });
  return {
    connections: value('fleetstream_ws_connections', { endpoint: 'track' }),
    sent: counter('sent'),
    conflated: counter('conflated'),
    dropped: counter('dropped'),
    unresponsive: counter('unresponsive'),
    maxQueuedBytes: counter('maxQueuedBytes'),
    rss: value('fleetstream_gateway_process_resident_memory_bytes'),
    heap: value('fleetstream_gateway_nodejs_heap_size_used_bytes'),
  };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
/** Whether a wait (an expect.poll) succeeded: the ledger row is written before assertions fail. */
const settled = (wait: Promise<unknown>) =>
  wait.then(
    () => true,
    () => false,
  );

describe('half-open clients', () => {
  let g: Gateway;
  beforeAll(async () => {
    g = await startGateway('ws-halfopen', { WS_PING_INTERVAL_MS: '1000' });
    await g.store.applyTrip(assignedTrip('dlv-ho'), Date.now());
  });

  it('closes a client that never answers pings within two intervals, and keeps one that does', async () => {
    const interval = g.pingIntervalMs;
    // Two intervals is the protocol's bound; the slack is for timers on a loaded machine.
    const bound = 2 * interval + 3000;
    const SILENT = 3;
    const open = (autoPong: boolean, url = trackUrl(g, 'dlv-ho'), protocols: string[] = []) =>
      new Promise<{
        ws: WebSocket;
        openedAt: number;
        closed: Promise<{ code: number; at: number }>;
      }>((resolve, reject) => {
        const ws = new WebSocket(url, protocols, { autoPong });
        const closed = new Promise<{ code: number; at: number }>((done) =>
          ws.once('close', (code) => done({ code, at: Date.now() })),
        );
        ws.once('open', () => resolve({ ws, openedAt: Date.now(), closed }));
        ws.once('error', reject);
      });

    const healthy = await open(true);
    let healthyClosed = false;
    void healthy.closed.then(() => (healthyClosed = true));
    let healthyPings = 0;
    healthy.ws.on('ping', () => healthyPings++);

    // Silent clients still read (they see pings and heartbeats) but never pong, as when the
    // far end of a link is gone and only our side of the TCP connection is left.
    const silent = await Promise.all([
      ...Array.from({ length: SILENT }, () => open(false)),
      // An ops dashboard whose laptop went to sleep is the same case on /ws/ops.
      open(false, `ws://127.0.0.1:${g.port}/ws/ops`, [OPS_PROTOCOL, `bearer.${TEST_OPS_TOKEN}`]),
    ]);
    const pingsSeen = silent.map(() => 0);
    silent.forEach((s, i) => s.ws.on('ping', () => pingsSeen[i]!++));
    // Far past the bound a client still open counts as never closed (code 0).
    const never = { code: 0, at: Number.POSITIVE_INFINITY };
    const giveUp = new Promise<typeof never>((resolve) =>
      setTimeout(() => resolve(never), 3 * bound).unref(),
    );
    const closes = await Promise.all(silent.map((s) => Promise.race([s.closed, giveUp])));
    const after = closes.map((c, i) => c.at - silent[i]!.openedAt);

    // The healthy client has answered several pings meanwhile; it must outlive three more.
    const target = healthyPings + 3;
    await new Promise<void>((resolve) => {
      healthy.ws.on('ping', () => healthyPings >= target && resolve());
      void healthy.closed.then(() => resolve());
    });
    const healthyOpen = !healthyClosed && healthy.ws.readyState === WebSocket.OPEN;

    const inBound = after.every((ms) => ms <= bound);
    recordFault({
      fault: 'WebSocket: half-open client',
      runs: silent.length,
      checked: silent.length + 1,
      lost: 0,
      duplicated: 0,
      ok: inBound && healthyOpen && closes.every((c) => c.code === 1006),
      note: `silent clients (${SILENT} customers, 1 ops dashboard) closed after ${Math.max(...after)} ms at most (ping every ${interval} ms); a client answering pings stayed open`,
    });
    const counted = await settled(
      expect
        .poll(async () => (await gatewayFigures(g)).unresponsive, { timeout: 15_000 })
        .toBeGreaterThanOrEqual(SILENT),
    );
    console.log(
      `half-open: ${SILENT} silent customers and 1 silent dashboard closed after ${after.join(', ')} ms (interval ${interval} ms, bound ${bound} ms); ` +
        `healthy client answered ${healthyPings} pings and is ${healthyOpen ? 'open' : 'CLOSED'}; ` +
        `gateway counted ${(await gatewayFigures(g)).unresponsive} unresponsive`,
    );

    // terminate(): the server drops the TCP connection without a closing handshake.
    expect(closes.map((c) => c.code)).toEqual(silent.map(() => 1006));
    expect(Math.max(...after)).toBeLessThanOrEqual(bound);
    expect(pingsSeen.every((n) => n >= 1)).toBe(true);
    expect(healthyOpen).toBe(true);
    expect(counted).toBe(true);
    healthy.ws.close();
    await healthy.closed;
    await expect.poll(async () => (await gatewayFigures(g)).connections).toBe(0);
  });
});

describe('slow readers', () => {
  let g: Gateway;
  beforeAll(async () => {
    // A small queue limit, so the kernel's socket buffers fill after a few MB of positions;
    // pings far apart, so the paused client is judged by its queue, not by its silence.
    g = await startGateway('ws-slow', {
      WS_MAX_BUFFERED_BYTES: String(16 * 1024),
      WS_PING_INTERVAL_MS: '120000',
    });
    await g.store.applyTrip(assignedTrip('dlv-slow'), Date.now());
  });

  it('a client that stops reading gets the latest position only, or is dropped; queued bytes stay under the hard limit', async () => {
    const hardLimit = g.maxBufferedBytes * HARD_LIMIT_FACTOR;
    const seqs: number[] = [];
    const ws = new WebSocket(trackUrl(g, 'dlv-slow'));
    let closeCode: number | null = null;
    const closed = new Promise<void>((resolve) =>
      ws.once('close', (code) => {
        closeCode = code;
        resolve();
      }),
    );
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as TrackServerMessage;
      if (m.type === 'position') seqs.push(m.seq);
    });
    await new Promise((resolve) => ws.once('message', resolve));
    // Position messages published for the socket: positions applied together (the store's
    // concurrent calls go as one chunk) go out as one, the latest carrying the rest.
    let published = 0;
    const stopFeed = await g.feed((id, json) => {
      if (id === 'dlv-slow' && json.startsWith('{"type":"position"')) published++;
    });
    cleanups.push(stopFeed);
    // Stop reading: the kernel buffers fill, then the gateway's queue for this socket grows.
    ws.pause();
    const before = await gatewayFigures(g);

    let seq = 1;
    const push = async (n: number) => {
      // One at a time, a message each: positions applied at once would go out as one message.
      for (let i = 0; i < n; i++)
        await g.store.applyPosition(deliveryPosition('dlv-slow', ++seq, 1e-7), Date.now());
    };
    // Push until the gateway reports conflating (or dropping), then 20,000 more, to show the
    // queue stays bounded under sustained pressure and not just at the moment it first fills.
    const BATCH = 1000;
    const MAX_POSITIONS = 100_000;
    let pressuredAt: number | null = null;
    while (seq < MAX_POSITIONS && (pressuredAt === null || seq < pressuredAt + 20_000)) {
      await push(BATCH);
      const f = await gatewayFigures(g);
      if (pressuredAt === null && (f.conflated > 0 || f.dropped > 0)) pressuredAt = seq;
    }
    const pushed = seq - 1;
    // Every position message published reached the socket's send path: counted as sent or
    // conflated, unless the socket was dropped (its later positions go nowhere).
    const reachedAll = await settled(
      expect
        .poll(
          async () => {
            const f = await gatewayFigures(g);
            return f.dropped > 0 || f.sent + f.conflated - before.sent >= published;
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe(true),
    );
    const pressured = await gatewayFigures(g);

    // Read again while positions keep coming: the newest must arrive, in order, nothing twice.
    ws.resume();
    const TAIL = 200;
    for (let i = 0; i < TAIL; i += 20) await push(20);
    const lastSeq = seq;
    const dropped = pressured.dropped > 0;
    if (dropped) await closed;
    else await settled(expect.poll(() => seqs.at(-1), { timeout: 30_000 }).toBe(lastSeq));
    // Counters are as last reported: wait for a report made after the last position was sent.
    await settled(
      expect
        .poll(async () => (await gatewayFigures(g)).sent - before.sent, { timeout: 15_000 })
        .toBeGreaterThanOrEqual(dropped ? pressured.sent - before.sent : seqs.length),
    );
    const after = await gatewayFigures(g);

    const repeats = seqs.filter((s, i) => i > 0 && s <= seqs[i - 1]!).length;
    const lost = !dropped && seqs.at(-1) !== lastSeq ? 1 : 0;
    const bounded = after.maxQueuedBytes <= hardLimit;
    console.log(
      `slow reader: ${pushed} positions pushed while paused (${pressuredAt} before the gateway reported pressure), ` +
        `${pressured.conflated} conflated, ${pressured.dropped} dropped, ` +
        `max queued ${after.maxQueuedBytes} B of a ${hardLimit} B hard limit (soft ${g.maxBufferedBytes} B); ` +
        `after resuming got ${seqs.length} positions, last ${seqs.at(-1)} of ${lastSeq}; ` +
        // The gateway runs in this process, with the producer and the client: an upper bound.
        `process RSS ${mb(before.rss)} before, ${mb(pressured.rss)} under pressure, ${mb(after.rss)} after ` +
        `(heap used ${mb(before.heap)}, ${mb(pressured.heap)}, ${mb(after.heap)})` +
        (dropped ? `; closed with ${closeCode}` : ''),
    );
    recordFault({
      fault: 'WebSocket: slow reader',
      runs: 1,
      checked: pushed + TAIL,
      lost,
      duplicated: repeats,
      ok: bounded && reachedAll && (pressured.conflated > 0 || dropped),
      note: dropped
        ? `dropped; max queued ${after.maxQueuedBytes} B ≤ ${hardLimit} B`
        : `${pressured.conflated} of ${published} position messages (${pushed} positions) conflated, latest delivered; max queued ${after.maxQueuedBytes} B ≤ ${hardLimit} B`,
    });

    expect(reachedAll).toBe(true);
    expect(after.maxQueuedBytes).toBeLessThanOrEqual(hardLimit);
    expect(pressured.conflated > 0 || dropped).toBe(true);
    expect(repeats).toBe(0);
    expect(lost).toBe(0);
    ws.close();
    await closed;
  });
});
