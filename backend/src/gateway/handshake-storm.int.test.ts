import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { retryHintMs, type TrackServerMessage } from '@fleetstream/contracts';
import { signTrackingToken } from '../domain/tracking-token.js';
import type { DeliveryStore } from '../infra/delivery-store.js';
import { createTestContext, testNamespace, TEST_TRACKING_SECRET } from '../testing/test-context.js';
import { assignedTrip, deliveryPosition } from '../testing/fixtures.js';
import * as gateway from './server.js';

const RATE = 50;
let stopGateway: Awaited<ReturnType<typeof gateway.start>>;
let store: DeliveryStore;
let close: () => Promise<void>;
let base: string;

beforeAll(async () => {
  const t = await createTestContext(
    ['gateway'],
    testNamespace('handshake-storm', { WS_HANDSHAKES_PER_S: String(RATE) }),
  );
  close = t.close;
  store = t.ctx.stores.deliveries;
  stopGateway = await gateway.start(t.ctx);
  base = `ws://127.0.0.1:${stopGateway.port}/ws/track`;
  for (const id of ['dlv-s0', 'dlv-s1', 'dlv-s2', 'dlv-s3'])
    await store.applyTrip(assignedTrip(id), Date.now());
});
afterAll(async () => {
  await stopGateway?.();
  await close?.();
});

interface Customer {
  deliveryId: string;
  socket?: WebSocket;
  snapshots: number;
  positions: number[];
  told: number[];
}

/** Connects as the page does: on 1013 it waits the hint and tries again, until a snapshot. */
function connect(c: Customer): Promise<void> {
  return new Promise((resolve, reject) => {
    const token = signTrackingToken(TEST_TRACKING_SECRET, c.deliveryId, Date.now() + 600_000);
    const socket = new WebSocket(`${base}?deliveryId=${c.deliveryId}&t=${token}`);
    c.socket = socket;
    socket.on('message', (data) => {
      const m = JSON.parse(String(data)) as TrackServerMessage;
      if (m.type === 'snapshot') {
        c.snapshots++;
        resolve();
      }
      if (m.type === 'position') c.positions.push(m.seq);
    });
    socket.once('close', (code, reason) => {
      const hint = retryHintMs(code, reason.toString());
      if (hint === null) return reject(new Error(`closed with ${code} ${reason.toString()}`));
      c.told.push(hint);
      setTimeout(() => void connect(c).then(resolve, reject), hint);
    });
    socket.once('error', reject);
  });
}

it('a storm of handshakes is admitted at the configured rate, the rest told when to retry, the connected undisturbed', async () => {
  // Customers connected before the storm.
  const settled: Customer[] = Array.from({ length: 10 }, (_, i) => ({
    deliveryId: `dlv-s${i % 4}`,
    snapshots: 0,
    positions: [],
    told: [],
  }));
  await Promise.all(settled.map(connect));

  // 300 at once, six seconds' worth at 50/s.
  const storm: Customer[] = Array.from({ length: 300 }, (_, i) => ({
    deliveryId: `dlv-s${i % 4}`,
    snapshots: 0,
    positions: [],
    told: [],
  }));
  const started = Date.now();
  const all = Promise.all(storm.map(connect));
  // While the storm is turned away and comes back, positions keep reaching those connected.
  for (let seq = 2; seq < 12; seq++) {
    for (const id of ['dlv-s0', 'dlv-s1', 'dlv-s2', 'dlv-s3'])
      await store.applyPosition(deliveryPosition(id, seq), Date.now());
    await new Promise((r) => setTimeout(r, 100));
  }
  await all;
  const tookS = (Date.now() - started) / 1000;

  const turnedAway = storm.filter((c) => c.told.length > 0).length;
  // A second of burst (less the 10 already in) and the refill while 300 sockets open.
  expect(turnedAway).toBeGreaterThan(150);
  // Told to come back spread over the backlog at the rate, not all at once (how long the
  // backlog gets depends on how fast the 300 arrive).
  const firstHints = storm.flatMap((c) => c.told.slice(0, 1));
  expect(Math.max(...firstHints)).toBeGreaterThan(1_000);
  expect(Math.min(...firstHints)).toBeLessThan(500);
  expect(storm.every((c) => c.snapshots === 1)).toBe(true);
  for (const c of settled) {
    expect(c.positions).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(c.socket!.readyState).toBe(WebSocket.OPEN);
  }
  const retries = storm.reduce((s, c) => s + c.told.length, 0);
  console.log(
    `handshake storm: 300 at once at ${RATE}/s: ${turnedAway} told to retry (${retries} retries in all), all in within ${tookS.toFixed(1)} s; 10 connected customers got all 10 positions`,
  );
  for (const c of [...settled, ...storm]) c.socket?.close();
});
