import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FleetSnapshotMessage, LocationRecord } from '@fleetstream/contracts';
import type { RecordProducer } from '@fleetstream/kafka/producer';
import {
  createTestContext,
  namespaceGroups,
  testNamespace,
  TEST_OPS_TOKEN,
} from '../testing/test-context.js';
import * as gateway from './server.js';

const env = testNamespace('fleet', { COURIER_OFFLINE_AFTER_S: '5' });
let t: Awaited<ReturnType<typeof createTestContext>>;
let stopGateway: Awaited<ReturnType<typeof gateway.start>>;
let producer: RecordProducer;
let url: string;

const fix = (d: number, seq: number, deliveryId: string | null): LocationRecord => ({
  type: 'position',
  v: 1,
  driverId: `drv-${d}`,
  deliveryId,
  seq,
  ts: Date.now(),
  lat: 43.7 + (d % 100) * 1e-3,
  lng: 7.4 + Math.floor(d / 100) * 1e-3,
});
const send = (records: LocationRecord[]) =>
  producer.send(
    t.ctx.config.topics.location,
    records.map((r) => ({ key: r.driverId, value: JSON.stringify(r) })),
  );

beforeAll(async () => {
  t = await createTestContext(['gateway'], env);
  stopGateway = await gateway.start(t.ctx);
  url = `ws://127.0.0.1:${stopGateway.port}/ws/fleet`;
  producer = await t.ctx.producers.start();
}, 60_000);
afterAll(async () => {
  await producer.stop();
  await stopGateway();
  await t.close();
});

/** A fleet map client: the latest snapshot, and a way to wait for one that passes a test. */
function openMap() {
  const ws = new WebSocket(url, ['fleetstream-ops', `bearer.${TEST_OPS_TOKEN}`]);
  let latest: FleetSnapshotMessage | null = null;
  ws.on('message', (d) => void (latest = JSON.parse(String(d)) as FleetSnapshotMessage));
  const until = async (test: (m: FleetSnapshotMessage) => boolean, timeoutMs = 20_000) => {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (latest && test(latest)) return latest;
      await new Promise((r) => ws.once('message', r));
    }
    throw new Error(`no such snapshot; last ${JSON.stringify(latest)?.slice(0, 300)}`);
  };
  const viewport = (zoom: number) =>
    ws.send(JSON.stringify({ type: 'viewport', south: 43, west: 7, north: 44.5, east: 8, zoom }));
  return { ws, until, viewport, opened: new Promise((r) => ws.once('open', r)) };
}

describe('live fleet map', () => {
  it('shows each courier in the viewport with its state, and one gone silent as offline', async () => {
    await send([
      {
        type: 'trip',
        v: 1,
        driverId: 'drv-1',
        deliveryId: 'dlv-1',
        seq: 1,
        ts: Date.now(),
        status: 'assigned',
        pickup: { lat: 43.7, lng: 7.4 },
        dropoff: { lat: 43.71, lng: 7.41 },
      },
      fix(1, 2, 'dlv-1'),
      fix(2, 1, null),
      fix(3, 1, 'dlv-3'),
    ]);
    const map = openMap();
    await map.opened;
    map.viewport(14);
    const first = await map.until((m) => (m.couriers?.length ?? 0) === 3);
    const state = (m: FleetSnapshotMessage, d: string) => m.couriers!.find((c) => c[0] === d)?.[5];
    expect(state(first, 'drv-1')).toBe('to_pickup');
    expect(state(first, 'drv-2')).toBe('idle');
    expect(state(first, 'drv-3')).toBe('to_customer');
    expect(first.offlineAfterS).toBe(5);
    // drv-1 and drv-2 keep sending; drv-3 goes silent and turns offline after 5 s.
    const keepSending = setInterval(
      () => void send([fix(1, Date.now(), 'dlv-1'), fix(2, Date.now(), null)]),
      1000,
    );
    try {
      const later = await map.until((m) => state(m, 'drv-3') === 'offline');
      expect(state(later, 'drv-1')).toBe('to_pickup');
      expect(state(later, 'drv-2')).toBe('idle');
      expect(later.counts.offline).toBe(1);
    } finally {
      clearInterval(keepSending);
      map.ws.close();
    }
  }, 40_000);

  it('sends clusters instead of couriers past the per-view limit, and joins no group', async () => {
    const admin = t.kafka.admin();
    await admin.connect();
    const groupsBefore = await namespaceGroups(admin, env);
    await send(Array.from({ length: 3000 }, (_, d) => fix(1000 + d, 1, null)));
    const map = openMap();
    await map.opened;
    map.viewport(10);
    const zoomedOut = await map.until((m) => m.total >= 3003 && m.clusters !== null);
    expect(zoomedOut.couriers).toBeNull();
    expect(zoomedOut.clusters!.reduce((n, c) => n + c.count, 0)).toBe(zoomedOut.total);
    expect(await namespaceGroups(admin, env)).toEqual(groupsBefore);
    await admin.disconnect();
    map.ws.close();
  }, 40_000);

  it('refuses a map without the ops token', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
      ws.once('error', () => undefined);
    });
    expect(status).toBe(401);
  });
});
