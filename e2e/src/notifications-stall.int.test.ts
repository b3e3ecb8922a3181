import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { encodeLocationRecord, type LocationRecord } from '@fleetstream/contracts';
import { DEFAULT_MILESTONE_SETTINGS } from '@fleetstream/backend/domain/milestones';
import { applyPartition } from '@fleetstream/backend/domain/milestone-partition';
import { createKafka } from '@fleetstream/kafka/client';
import { startProducer } from '@fleetstream/kafka/producer';
import { testLogger } from '@fleetstream/backend/testing/fixtures';
import { readNotifications } from '@fleetstream/testkit/ground-truth';
import { groupLag } from '@fleetstream/testkit/kafka-readback';
import { startTestStack, type TestStack } from '@fleetstream/testkit/stack';

/**
 * A courier who stops sending is delayed on the partition's own clock: the notifications worker
 * decides it at the record of another driver that moves that clock past the courier's last fix
 * + NOTIFY_STALL_S, whatever chunks the records arrive in. Records reach the worker in sends of
 * different sizes, with pauses between them, and the topic must hold what one pass over the
 * whole partition decides.
 */
const STALL_S = 60;
const T0 = Date.now() - 300_000;

/** One partition: courier `c1` quiet after 10 s, back and moving at +120 s; an idle driver. */
function partitionTrace(): LocationRecord[] {
  const courier = (seq: number, s: number, northM: number): LocationRecord => ({
    type: 'position',
    v: 1,
    driverId: 'drv-stall-courier',
    deliveryId: 'dlv-stall-1',
    seq,
    ts: T0 + s * 1000,
    lat: 52.5 + northM / 111_320,
    lng: 13.4,
    speedMps: 0,
  });
  const records: LocationRecord[] = [
    {
      type: 'trip',
      v: 1,
      driverId: 'drv-stall-courier',
      deliveryId: 'dlv-stall-1',
      seq: 1,
      ts: T0,
      status: 'assigned',
      pickup: { lat: 52.5, lng: 13.4 },
      dropoff: { lat: 52.6, lng: 13.4 },
    },
  ];
  let seq = 1;
  for (let s = 1; s <= 10; s++) records.push(courier(++seq, s, 0));
  for (let s = 120; s <= 130; s++) records.push(courier(++seq, s, (s - 119) * 50));
  for (let s = 1; s <= 180; s++)
    records.push({
      type: 'position',
      v: 1,
      driverId: 'drv-stall-idle',
      deliveryId: null,
      seq: s,
      ts: T0 + s * 1000,
      lat: 52.45,
      lng: 13.35,
    });
  // Partition order: by time, the courier's record first at equal times.
  return records.sort((a, b) => a.ts - b.ts || a.driverId.localeCompare(b.driverId));
}

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    brokers: inject('kafkaBrokers'),
    redisUrl: inject('redisUrl'),
    roles: ['notifications'],
    env: { LOCATION_PARTITIONS: '1', NOTIFY_STALL_S: String(STALL_S) },
  });
}, 120_000);
afterAll(() => stack?.stop());

it(
  'decides a silent courier’s delay at the record that moves the partition clock past it',
  { timeout: 180_000 },
  async () => {
    const brokers = inject('kafkaBrokers');
    const topic = `${stack.namespace}delivery-location`;
    const trace = partitionTrace();
    const producer = await startProducer(
      createKafka({ brokers: brokers.split(','), clientId: 'stall-e2e', log: testLogger() }),
    );
    // Sends of 1, 7, 45 and the rest, each waited for by the worker: chunks of those sizes.
    let sent = 0;
    for (const size of [1, 7, 45, trace.length]) {
      const part = trace.slice(sent, sent + size);
      if (part.length === 0) break;
      await producer.send(
        topic,
        part.map((r) => ({ key: r.driverId, value: encodeLocationRecord(r) })),
      );
      sent += part.length;
      await expect
        .poll(() => groupLag(brokers, `${stack.namespace}notifications`, topic), {
          timeout: 60_000,
          interval: 200,
        })
        .toBe(0);
    }
    await producer.stop();

    const expected = applyPartition(
      trace.map((record, i) => ({ offset: String(i), record })),
      () => undefined,
      [],
      { ...DEFAULT_MILESTONE_SETTINGS, stallS: STALL_S },
    ).decided.map((d) => d.notification);
    // The pure replay: one delay, at the idle driver's fix 61 s after the courier's last one.
    expect(expected.map((n) => [n.id, n.ts - T0])).toEqual([['dlv-stall-1:delayed:1', 71_000]]);

    const onTopic = await readNotifications(brokers, `${stack.namespace}delivery-notifications`);
    expect(onTopic).toEqual(expected);
  },
);
