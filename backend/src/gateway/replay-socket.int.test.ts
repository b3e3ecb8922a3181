import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type {
  LocationRecord,
  NotificationRecord,
  ReplayServerMessage,
  TripRecord,
} from '@fleetstream/contracts';
import { signTrackingToken } from '../domain/tracking-token.js';
import type { RecordProducer } from '@fleetstream/kafka/producer';
import {
  createTestContext,
  namespaceGroups,
  testNamespace,
  TEST_OPS_TOKEN,
  TEST_TRACKING_SECRET,
} from '../testing/test-context.js';
import * as gateway from './server.js';

const env = testNamespace('replay');
let t: Awaited<ReturnType<typeof createTestContext>>;
let stopGateway: Awaited<ReturnType<typeof gateway.start>>;
let producer: RecordProducer;
let base: string;

/** A small seeded generator (mulberry32): the trace's jitter is the same on every run. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const DELIVERY = 'dlv-replay';
const DRIVER = 'drv-replay';
const FIXES = 20;
// Device times in the recent past: the fixes reach the broker up to half a minute after them.
const T0 = Date.now() - 25_000;
const pickup = { lat: 43.73, lng: 7.42 };
const dropoff = { lat: 43.74, lng: 7.43 };
const trip = (seq: number, status: TripRecord['status'], ts: number): TripRecord => ({
  type: 'trip',
  v: 1,
  driverId: DRIVER,
  deliveryId: DELIVERY,
  seq,
  ts,
  status,
  pickup,
  dropoff,
});

/** The seeded trace: assigned, FIXES fixes a second apart (one sent twice), delivered; and a bystander. */
function trace(): { records: LocationRecord[]; other: LocationRecord[] } {
  const r = rng(20261203);
  const records: LocationRecord[] = [trip(1, 'assigned', T0)];
  for (let i = 1; i <= FIXES; i++)
    records.push({
      type: 'position',
      v: 1,
      driverId: DRIVER,
      deliveryId: DELIVERY,
      seq: i + 1,
      ts: T0 + i * 1000,
      lat: 43.73 + i * 1e-4 + r() * 1e-5,
      lng: 7.42 + i * 1e-4,
      speedMps: 5 + r(),
    });
  records.splice(6, 0, records[5]!); // a producer retry: the same fix twice
  records.push(trip(FIXES + 2, 'delivered', T0 + (FIXES + 1) * 1000));
  const other: LocationRecord[] = Array.from({ length: FIXES }, (_, i) => ({
    type: 'position',
    v: 1,
    driverId: 'drv-bystander',
    deliveryId: null,
    seq: i + 1,
    ts: T0 + i * 1000 + 500,
    lat: 43.72,
    lng: 7.41 + i * 1e-4,
  }));
  return { records, other };
}

beforeAll(async () => {
  t = await createTestContext(['gateway'], env);
  stopGateway = await gateway.start(t.ctx);
  base = `ws://127.0.0.1:${stopGateway.port}/ws/replay`;
  producer = await t.ctx.producers.start();
  const { records, other } = trace();
  const topic = t.ctx.config.topics.location;
  const asRecord = (r: LocationRecord) => ({ key: r.driverId, value: JSON.stringify(r) });
  await producer.send(topic, [...records, ...other].map(asRecord));
  const note: NotificationRecord = {
    type: 'notification',
    v: 1,
    id: `${DELIVERY}:nearby`,
    deliveryId: DELIVERY,
    driverId: DRIVER,
    milestone: 'nearby',
    ts: T0 + 10_500,
    message: 'Your courier is nearby',
  };
  await producer.send(t.ctx.config.topics.notifications, [
    { key: DELIVERY, value: JSON.stringify(note) },
  ]);
  const store = t.ctx.stores.deliveries;
  await store.applyTrip(trip(1, 'assigned', T0), Date.now());
  await store.applyTrip(trip(FIXES + 2, 'delivered', T0 + (FIXES + 1) * 1000), Date.now());
}, 60_000);
afterAll(async () => {
  await producer.stop();
  await stopGateway();
  await t.close();
});

interface Received {
  at: number;
  m: ReplayServerMessage;
}

/** A replay client that records every message with its arrival time. */
function open(query: string, ops = false, url = base) {
  const ws = new WebSocket(
    `${url}?${query}`,
    ops ? ['fleetstream-ops', `bearer.${TEST_OPS_TOKEN}`] : [],
  );
  const got: Received[] = [];
  const waiters: { test: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];
  ws.on('message', (data) => {
    const r = { at: performance.now(), m: JSON.parse(String(data)) as ReplayServerMessage };
    got.push(r);
    for (const w of [...waiters])
      if (w.test(r)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(r);
      }
  });
  const until = (test: (r: Received) => boolean, from = 0) =>
    new Promise<Received>((resolve, reject) => {
      const seen = got.slice(from).find(test);
      if (seen) return resolve(seen);
      waiters.push({ test, resolve });
      ws.once('close', () => reject(new Error(`closed before: ${JSON.stringify(got.at(-1)?.m)}`)));
    });
  return { ws, got, until };
}

const token = () => signTrackingToken(TEST_TRACKING_SECRET, DELIVERY, Date.now() + 60_000);

describe('replay from the log', () => {
  it('plays one delivery in order at 10×, at the recorded relative times, each fix once', async () => {
    const c = open(`deliveryId=${DELIVERY}&t=${token()}&speed=10`);
    await c.until((r) => r.m.type === 'replay-end');
    c.ws.close();
    const start = c.got.find((r) => r.m.type === 'replay-start')!.m;
    expect(start).toMatchObject({ from: T0, deliveryId: DELIVERY, pickup, dropoff });
    const played = c.got.filter((r) => ['position', 'status', 'notification'].includes(r.m.type));
    const kinds = played.map((r) =>
      r.m.type === 'status' ? r.m.status : r.m.type === 'notification' ? r.m.milestone : 'p',
    );
    expect(kinds).toEqual([
      'assigned',
      ...Array<string>(10).fill('p'),
      'nearby',
      ...Array<string>(FIXES - 10).fill('p'),
      'delivered',
    ]);
    const positions = played.flatMap((r) => (r.m.type === 'position' ? [r.m] : []));
    expect(positions.map((p) => p.ts)).toEqual(
      Array.from({ length: FIXES }, (_, i) => T0 + (i + 1) * 1000),
    );
    // Paced by device time ÷ 10: each message within 50 ms of its due time after the first.
    const first = played[0]!;
    const tsOf = (m: ReplayServerMessage) => ('ts' in m ? m.ts : 0);
    const late = played.map((r) => Math.abs(r.at - first.at - (tsOf(r.m) - tsOf(first.m)) / 10));
    console.log(
      `delivery replay at 10×: ${played.length} messages, worst ${Math.max(...late).toFixed(1)} ms off their due time`,
    );
    expect(Math.max(...late)).toBeLessThan(50);
    // The ETA as it was then: live-push's route model ran on the replayed fixes.
    expect(positions.every((p) => p.etaMinS !== undefined && p.etaMaxS! >= p.etaMinS)).toBe(true);
  }, 30_000);

  it('seeks to the first record at or after the chosen time, pauses and resumes', async () => {
    const c = open(`deliveryId=${DELIVERY}&t=${token()}&speed=1`);
    await c.until((r) => r.m.type === 'replay-state');
    c.ws.send(JSON.stringify({ type: 'seek', at: T0 + 12_500 }));
    const seeked = await c.until((r) => r.m.type === 'replay-state' && r.m.seeked);
    const index = c.got.indexOf(seeked);
    c.ws.send(JSON.stringify({ type: 'speed', speed: 60 }));
    const next = await c.until((r) => r.m.type === 'position', index);
    expect(next.m).toMatchObject({ ts: T0 + 13_000 });
    // Between the two, the delivery as it was at the chosen time.
    const snapshot = c.got.slice(index, c.got.indexOf(next)).find((r) => r.m.type === 'snapshot');
    expect(snapshot?.m).toMatchObject({
      delivery: { deliveryId: DELIVERY, driverId: DRIVER, status: 'assigned', pickup, dropoff },
      position: { ts: T0 + 12_000 },
      notifications: [{ milestone: 'nearby' }],
    });
    expect((snapshot?.m as { trail: unknown[] }).trail).toHaveLength(12);
    c.ws.send(JSON.stringify({ type: 'pause' }));
    const paused = await c.until((r) => r.m.type === 'replay-state' && !r.m.playing, index);
    const count = c.got.length;
    c.ws.send(JSON.stringify({ type: 'play' }));
    await c.until((r) => r.m.type === 'replay-end', c.got.indexOf(paused));
    expect(c.got.length).toBeGreaterThan(count);
    c.ws.close();
  }, 30_000);

  it('plays the fleet in frames with the ops token, joining no consumer group', async () => {
    const admin = t.kafka.admin();
    await admin.connect();
    const groupsBefore = await namespaceGroups(admin, env);
    const c = open(`from=${T0}&to=${T0 + (FIXES + 1) * 1000}&speed=60`, true);
    await c.until((r) => r.m.type === 'replay-end');
    c.ws.close();
    const frames = c.got.flatMap((r) => (r.m.type === 'frame' ? [r.m] : []));
    const drivers = new Set(frames.flatMap((f) => f.couriers.map((x) => x[0])));
    expect([...drivers].sort()).toEqual(['drv-bystander', DRIVER]);
    const last = new Map(frames.flatMap((f) => f.couriers.map((x) => [x[0], x] as const)));
    const [, delivery, , , ts, state] = last.get(DRIVER)!;
    expect([delivery, ts, state]).toEqual([DELIVERY, T0 + FIXES * 1000, 'idle']);
    // One frame a tenth of a second at most: 21 s of device time at 60× is under 0.4 s.
    expect(frames.length).toBeLessThanOrEqual(6);
    expect(await namespaceGroups(admin, env)).toEqual(groupsBefore);
    await admin.disconnect();
  }, 30_000);

  it('names the oldest available time for a window older than the log', async () => {
    const c = open(`from=1000&to=2000&speed=1`, true);
    const error = await c.until((r) => r.m.type === 'replay-error');
    expect(error.m).toMatchObject({ code: 'OUT_OF_RETENTION' });
    const oldest = (error.m as { oldestAvailable: number }).oldestAvailable;
    expect(oldest).toBeGreaterThan(T0 - 60_000);
    expect((error.m as { message: string }).message).toContain(new Date(oldest).toISOString());
  });

  it('refuses bad requests and replays past the cap at the upgrade', async () => {
    const status = (query: string, ops = true, url = base) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(
          `${url}?${query}`,
          ops ? ['fleetstream-ops', `bearer.${TEST_OPS_TOKEN}`] : [],
        );
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => resolve(101));
        ws.once('error', () => undefined);
      });
    expect(await status('from=1&to=2&speed=100')).toBe(400);
    expect(await status('speed=2')).toBe(400);
    expect(await status(`from=${T0}&to=${T0 + 1000}`, false)).toBe(401);
    const other = signTrackingToken(TEST_TRACKING_SECRET, 'dlv-other', Date.now() + 60_000);
    expect(await status(`deliveryId=${DELIVERY}&t=${other}`, false)).toBe(403);
    // A gateway of its own that plays two replays at most.
    const capped = await createTestContext(
      ['gateway'],
      { ...env, REPLAY_MAX_PER_GATEWAY: '2' },
      'capped',
    );
    const stopCapped = await gateway.start(capped.ctx);
    const query = `from=${T0}&to=${T0 + 3600_000}&speed=1`;
    const long = [0, 1].map(() => open(query, true, `ws://127.0.0.1:${stopCapped.port}/ws/replay`));
    try {
      await Promise.all(long.map((c) => c.until((r) => r.m.type === 'replay-state')));
      expect(await status(query, true, `ws://127.0.0.1:${stopCapped.port}/ws/replay`)).toBe(429);
    } finally {
      for (const c of long) c.ws.close();
      await stopCapped();
      await capped.close();
    }
  });
});
