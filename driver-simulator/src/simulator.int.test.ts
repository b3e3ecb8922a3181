import { randomUUID } from 'node:crypto';
import { createKafka } from '@fleetstream/kafka/client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { decodeLocationRecord, type LocationRecord } from '@fleetstream/contracts';
import { createFleet } from './fleet.js';
import { createPublisher, type Publisher } from './publish.js';
import { acceleratedClock, runSimulator } from './simulator.js';

const brokers = inject('kafkaBrokers').split(',');
const topic = `sim-int-${randomUUID()}`;
const SPEEDUP = 10;

describe('simulator against a real broker', () => {
  let publisher: Publisher | undefined;
  const kafka = createKafka({ clientId: 'sim-int-test', brokers });
  const consumer = kafka.consumer({ groupId: `sim-int-${randomUUID()}` });
  afterAll(async () => {
    await publisher?.close();
    await consumer.disconnect();
  });

  it('streams 1,000 drivers for 20 s of wall time: every record valid, keyed, in lifecycle order', async () => {
    publisher = await createPublisher({ brokers, topic, partitions: 6 });
    expect(publisher.created).toBe(true);
    const fleet = createFleet({
      drivers: 1000,
      seed: 4,
      center: { lat: 52.52, lng: 13.405 },
      radiusM: 5000,
    });
    // The clock runs 10× fast (200 s of fleet time in 20 s) so deliveries complete; every
    // record is really produced.
    const status = await runSimulator({
      fleet,
      rateHz: 1,
      durationS: 20 * SPEEDUP,
      clock: acceleratedClock(SPEEDUP),
      send: (records) => publisher!.publish(records),
    });
    expect(status.errors).toBe(0);
    // Keeping to schedule is a speed figure (npm run bench), not an assertion: reported only.
    console.log(`simulator: ${status.behindSlots} of ${status.slots} slots behind schedule`);
    expect(status.sent).toBeGreaterThan(1000 * 20 * SPEEDUP);

    const received: { key: string; partition: number; record: LocationRecord }[] = [];
    const invalid: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const decoded = decodeLocationRecord(m.value);
          if (!decoded.ok) invalid.push(decoded.error);
          else
            received.push({
              key: m.key!.toString(),
              partition: batch.partition,
              record: decoded.value,
            });
        }
      },
    });
    await expect
      .poll(() => received.length + invalid.length, { timeout: 60_000, interval: 200 })
      .toBeGreaterThanOrEqual(status.sent);
    expect(invalid).toEqual([]);
    expect(received.length).toBe(status.sent);

    const partitionOf = new Map<string, number>();
    const streams = new Map<string, LocationRecord[]>();
    for (const { key, partition, record } of received) {
      expect(key).toBe(record.driverId);
      expect(partitionOf.get(key) ?? partition).toBe(partition);
      partitionOf.set(key, partition);
      streams.set(key, [...(streams.get(key) ?? []), record]);
    }
    expect(streams.size).toBe(1000);

    const before: Record<string, string> = {
      assigned: 'none',
      picked_up: 'assigned',
      delivered: 'picked_up',
      cancelled: 'assigned',
    };
    const seen = { assigned: 0, picked_up: 0, delivered: 0, cancelled: 0 };
    for (const list of streams.values()) {
      let lastSeq = 0;
      let status = 'none';
      let current: string | null = null;
      for (const r of list) {
        if (r.seq === lastSeq) continue; // the duplicate-send fault: the same record again
        expect(r.seq).toBeGreaterThan(lastSeq);
        lastSeq = r.seq;
        if (r.type === 'position') {
          expect(r.deliveryId).toBe(current);
          continue;
        }
        expect(before[r.status]).toBe(status);
        if (r.status === 'assigned') current = r.deliveryId;
        expect(r.deliveryId).toBe(current);
        seen[r.status]++;
        status = r.status === 'delivered' || r.status === 'cancelled' ? 'none' : r.status;
        if (status === 'none') current = null;
      }
    }
    expect(seen.assigned).toBeGreaterThanOrEqual(1000);
    expect(seen.picked_up).toBeGreaterThan(100);
    expect(seen.delivered).toBeGreaterThan(0);
  }, 180_000);
});
