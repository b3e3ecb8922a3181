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
const T0 = Date.now() - 60_000;
let seq = 0;
const trip = (status: 'assigned' | 'picked_up', ts: number): LocationRecord => ({
  type: 'trip',
  v: 1,
  driverId: 'drv-cp',
  deliveryId: 'del-cp',
  seq: ++seq,
  ts,
  status,
  ...(status === 'assigned' ? { pickup: { lat: 52.48, lng: 13.35 }, dropoff } : {}),
});
/** A fix `northM` metres north of the dropoff. */
const fix = (ts: number, northM: number): LocationRecord => ({
  type: 'position',
  v: 1,
  driverId: 'drv-cp',
  deliveryId: 'del-cp',
  seq: ++seq,
  ts,
  lat: dropoff.lat + northM / 111_320,
  lng: dropoff.lng,
  speedMps: 8,
});

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
const sent = async (): Promise<NotificationRecord[]> => {
  const reader = t.ctx.cluster.logReader();
  try {
    const topic = t.ctx.config.topics.notifications;
    const [b] = await reader.bounds(topic);
    const records = await readRange(reader, topic, 0, b!.low, b!.high);
    return records.map((r) => NotificationRecordSchema.parse(JSON.parse(r.value!.toString())));
  } finally {
    await reader.close();
  }
};

it(
  'a member taking a partition over reads the records past its last write again, and decides from where they left it',
  { timeout: 120_000 },
  async () => {
    let stop = await notifications.start(t.ctx);
    // Each step is its own chunk: the first is written (it decides "picked up")…
    await send([trip('assigned', T0), trip('picked_up', T0 + 1_000)]);
    await caughtUp();
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
    expect((await sent()).map((n) => n.milestone)).toEqual(['picked_up']);

    // Still at the door (fixes 5 s apart: a longer gap restarts the dwell): 20 s inside by the
    // second of these, counted from T0 + 30 s. From the state in Redis alone the dwell would
    // start at T0 + 45 s and nothing would be decided.
    await send([fix(T0 + 45_000, 6), fix(T0 + 50_000, 4)]);
    stop = await notifications.start(t.ctx);
    try {
      await caughtUp();
      await expect.poll(async () => (await sent()).length, { timeout: 30_000 }).toBe(2);
      const all = await sent();
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
