import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  carriedFixes,
  encodeLocationRecord,
  type LocationRecord,
  type TrackServerMessage,
} from '@fleetstream/contracts';
import * as livePush from '../consumers/live-push.js';
import { signTrackingToken } from '../domain/tracking-token.js';
import { createTestContext, testNamespace, TEST_TRACKING_SECRET } from '../testing/test-context.js';
import * as gateway from './server.js';

const env = testNamespace('fanout');
const cleanups: Array<() => Promise<void>> = [];
let portB = 0;
let produce: (records: LocationRecord[]) => Promise<void>;

beforeAll(async () => {
  // Three processes' worth of contexts: gateway A, gateway B and a live-push worker.
  const a = await createTestContext(['gateway'], env, 'gateway-a');
  const b = await createTestContext(['gateway'], env, 'gateway-b');
  const w = await createTestContext(['live-push'], env, 'live-push');
  const stopA = await gateway.start(a.ctx);
  const stopB = await gateway.start(b.ctx);
  const stopW = await livePush.start(w.ctx);
  portB = stopB.port;
  const producer = await w.ctx.producers.start();
  produce = (records) =>
    producer.send(
      w.ctx.config.topics.location,
      records.map((r) => ({ key: r.driverId, value: encodeLocationRecord(r) })),
    );
  cleanups.push(stopA, stopB, stopW, () => producer.stop(), a.close, b.close, w.close);
});
afterAll(async () => {
  for (const c of cleanups) await c();
});

it('a customer on gateway B receives every position, in order, from a live-push worker elsewhere', async () => {
  const deliveryId = 'dlv-fanout-1';
  const driverId = 'drv-fanout-1';
  const ts = Date.now();
  await produce([
    {
      type: 'trip',
      v: 1,
      driverId,
      deliveryId,
      seq: 1,
      ts,
      status: 'assigned',
      pickup: { lat: 52.5, lng: 13.4 },
      dropoff: { lat: 52.52, lng: 13.42 },
    },
  ]);

  const token = signTrackingToken(TEST_TRACKING_SECRET, deliveryId, Date.now() + 60_000);
  // The delivery exists once live-push applied the trip; until then the gateway closes with 4404.
  const frames: TrackServerMessage[] = [];
  await expect
    .poll(
      async () => {
        frames.length = 0;
        const ws = new WebSocket(
          `ws://127.0.0.1:${portB}/ws/track?deliveryId=${deliveryId}&t=${token}`,
        );
        ws.on('message', (d) => frames.push(JSON.parse(String(d)) as TrackServerMessage));
        const code = await new Promise<number | 'open'>((resolve) => {
          ws.once('close', (c) => resolve(c));
          ws.once('message', () => resolve('open'));
        });
        if (code !== 'open') return false;
        cleanups.push(async () => ws.close());
        return true;
      },
      { timeout: 30_000, interval: 300 },
    )
    .toBe(true);

  const positions: LocationRecord[] = Array.from({ length: 200 }, (_, i) => ({
    type: 'position',
    v: 1,
    driverId,
    deliveryId,
    seq: i + 2,
    ts: ts + i * 1000,
    lat: 52.5 + i * 1e-5,
    lng: 13.4 + i * 1e-5,
    speedMps: 6,
    headingDeg: 45,
    accuracyM: 5,
  }));
  for (let i = 0; i < positions.length; i += 50) await produce(positions.slice(i, i + 50));
  await produce([
    { type: 'trip', v: 1, driverId, deliveryId, seq: 202, ts: ts + 201_000, status: 'picked_up' },
  ]);

  await expect
    .poll(() => frames.filter((f) => f.type === 'status').length, { timeout: 30_000 })
    .toBe(1);
  const snapshot = frames[0];
  expect(snapshot?.type).toBe('snapshot');
  // Every fix after the snapshot, in order: alone, or carried by a later one it came with.
  const seqs = frames
    .slice(1)
    .flatMap((f) => (f.type === 'position' ? [...carriedFixes(f).map((p) => p.seq), f.seq] : []));
  const after = snapshot?.type === 'snapshot' ? snapshot.seq : 0;
  expect(seqs.filter((s) => s > after)).toEqual(
    positions.map((p) => p.seq).filter((s) => s > after),
  );
  expect(frames.at(-1)).toMatchObject({ type: 'status', status: 'picked_up', seq: 202 });
});
