import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  NotificationRecordSchema,
  encodeLocationRecord,
  type LocationRecord,
  type NotificationRecord,
} from '@fleetstream/contracts';
import { groupProgress } from '../infra/group-offsets.js';
import { readRange } from '../infra/kafka-log-reader.js';
import type { RecordProducer } from '@fleetstream/kafka/producer';
import { createTestContext, testNamespace } from '../testing/test-context.js';
import * as notifications from './notifications.js';

/**
 * The notifications member writes a partition's state to Redis only when a chunk decides
 * something or a checkpoint is due (NOTIFY_CHECKPOINT_MS): here never, past the first chunk.
 * A member that takes the partition over must read the records past that write again, or it
 * decides from an older state than the one the records left.
 */
const env = testNamespace('nt-checkpoint', {
  NOTIFY_CHECKPOINT_MS: '600000',
  LOCATION_PARTITIONS: '1',
  KAFKA_COMMIT_INTERVAL_MS: '100',
  RECORD_MAX_FUTURE_MS: '86400000',
});
let t: Awaited<ReturnType<typeof createTestContext>>;
let producer: RecordProducer;

beforeAll(async () => {
  t = await createTestContext(['notifications'], env, 'notifications');
  producer = await t.ctx.producers.start();
});
afterAll(async () => {
  await producer?.stop();
  await t?.close();
});

const dropoff = { lat: 52.52, lng: 13.405 };
/** One courier's delivery: its trip events and its fixes, in seq order. */
function courier(name: string) {
  let seq = 0;
  const ids = { driverId: `drv-${name}`, deliveryId: `del-${name}` };
  return {
    deliveryId: ids.deliveryId,
    trip: (status: 'assigned' | 'picked_up', ts: number): LocationRecord => ({
      type: 'trip',
      v: 1,
      ...ids,
      seq: ++seq,
      ts,
      status,
      ...(status === 'assigned' ? { pickup: { lat: 52.48, lng: 13.35 }, dropoff } : {}),
    }),
    /** A fix `northM` metres north of the dropoff. */
    fix: (ts: number, northM: number): LocationRecord => ({
      type: 'position',
      v: 1,
      ...ids,
      seq: ++seq,
      ts,
      lat: dropoff.lat + northM / 111_320,
      lng: dropoff.lng,
      speedMps: 8,
    }),
  };
}

const location = () => t.ctx.config.topics.location;
const send = (records: LocationRecord[]) =>
  producer.send(
    location(),
    records.map((r) => ({ key: r.driverId, value: encodeLocationRecord(r) })),
  );
/** Waits until the group has committed everything on the topic. */
const caughtUp = () =>
  expect
    .poll(
      async () => {
        const [p] = await groupProgress(t.kafka, t.ctx.config.groups.notifications, location());
        return p!.committed === p!.end;
      },
      { timeout: 30_000, interval: 100 },
    )
    .toBe(true);
/** The notifications on the topic, of one delivery. */
const sent = async (deliveryId: string): Promise<NotificationRecord[]> => {
  const reader = t.ctx.cluster.logReader();
  try {
    const topic = t.ctx.config.topics.notifications;
    const [b] = await reader.bounds(topic);
    const records = await readRange(reader, topic, 0, b!.low, b!.high);
    return records
      .map((r) => NotificationRecordSchema.parse(JSON.parse(r.value!.toString())))
      .filter((n) => n.deliveryId === deliveryId);
  } finally {
    await reader.close();
  }
};

/** Starts a member and has it decide a courier's pickup at `t0` + 1 s, in a chunk of its own. */
async function startPickedUp(trip: ReturnType<typeof courier>['trip'], t0: number) {
  const stop = await notifications.start(t.ctx);
  await send([trip('assigned', t0), trip('picked_up', t0 + 1_000)]);
  await caughtUp();
  return stop;
}

it(
  'a member taking a partition over reads the records past its last write again, and decides from where they left it',
  { timeout: 120_000 },
  async () => {
    const T0 = Date.now() - 60_000;
    const { deliveryId, trip, fix } = courier('cp');
    // Each step is its own chunk: the first is written (it decides "picked up")…
    let stop = await startPickedUp(trip, T0);
    // …these decide nothing, so they stay in memory: the courier drives up and, from T0 + 30 s,
    // waits at the door (arrival needs 20 s inside 60 m).
    await send([fix(T0 + 10_000, 3_000), fix(T0 + 20_000, 1_500)]);
    await caughtUp();
    await send([fix(T0 + 30_000, 10), fix(T0 + 35_000, 5), fix(T0 + 40_000, 8)]);
    await caughtUp();
    await stop();

    // Kafka's committed offset is past what Redis holds: 7 records, state written after the 2nd.
    const [p] = await groupProgress(t.kafka, t.ctx.config.groups.notifications, location());
    expect(p!.committed).toBe(7);
    expect(await t.ctx.stores.notifications.applied(location(), 0)).toBe('1');
    expect((await sent(deliveryId)).map((n) => n.milestone)).toEqual(['picked_up']);

    // Still at the door (fixes 5 s apart: a longer gap restarts the dwell): 20 s inside by the
    // second of these, counted from T0 + 30 s. From the state in Redis alone the dwell would
    // start at T0 + 45 s and nothing would be decided.
    await send([fix(T0 + 45_000, 6), fix(T0 + 50_000, 4)]);
    stop = await notifications.start(t.ctx);
    try {
      await caughtUp();
      await expect.poll(async () => (await sent(deliveryId)).length, { timeout: 30_000 }).toBe(2);
      const all = await sent(deliveryId);
      expect(all.map((n) => [n.milestone, n.ts])).toEqual([
        ['picked_up', T0 + 1_000],
        ['arrived', T0 + 50_000],
      ]);
      // The arrival was decided, so the partition is written through it.
      expect(await t.ctx.stores.notifications.applied(location(), 0)).toBe('8');
    } finally {
      await stop();
    }
    expect(t.fatalErrors).toEqual([]);
  },
);

/** Every notifications key of the test's prefix, as DUMP has them. */
const snapshot = async () => {
  const keys = await t.redis.keys(`${t.ctx.config.redis.prefix}nt:*`);
  return new Map(
    await Promise.all(keys.map(async (k) => [k, await t.redis.dumpBuffer(k)] as const)),
  );
};
/** Puts the notifications keys back as they were in `snap`: Redis restored from a snapshot. */
const restore = async (snap: Map<string, Buffer | null>) => {
  const keys = await t.redis.keys(`${t.ctx.config.redis.prefix}nt:*`);
  if (keys.length > 0) await t.redis.del(...keys);
  for (const [k, v] of snap) if (v) await t.redis.restore(k, 0, v);
};

it(
  'a gap that decides again what was decided before (Redis rolled back to a snapshot) sends nothing twice',
  { timeout: 120_000 },
  async () => {
    const T1 = Date.now() - 60_000;
    const { deliveryId, trip, fix } = courier('rb');
    let stop = await startPickedUp(trip, T1);
    await send([fix(T1 + 10_000, 2_000)]);
    await caughtUp();
    const before = await snapshot();
    // The courier waits at the door 20 s: "arrived", written to Redis and sent.
    await send([30, 35, 40, 45, 50].map((s) => fix(T1 + s * 1000, 5)));
    await caughtUp();
    await stop();
    const decided = (await sent(deliveryId)).map((n) => n.milestone);
    expect(decided).toEqual(['picked_up', 'arrived']);

    // Redis comes back from the snapshot taken before the arrival: the next member reads the
    // records since again, and they decide "arrived" again, which was sent already.
    await restore(before);
    await send([fix(T1 + 55_000, 4)]);
    stop = await notifications.start(t.ctx);
    try {
      await caughtUp();
      expect((await sent(deliveryId)).map((n) => n.milestone)).toEqual(decided);
    } finally {
      await stop();
    }
    expect(t.fatalErrors).toEqual([]);
  },
);
