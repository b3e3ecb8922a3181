import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocationRecord } from '@fleetstream/contracts';
import {
  avgSpeedKmh,
  computeGroundTruth,
  heatCellCorner,
  type AnalyticsTruth,
} from '../domain/analytics.js';
import { analyticsTrace } from '../testing/analytics-trace.js';
import { testLogger, uniqueName } from '../testing/fixtures.js';
import { createAnalyticsStore, type AnalyticsStore, type OffsetRecord } from './analytics-store.js';
import { createRedis, keysMatching, type RedisClient } from './redis.js';

/** This run's Redis is a cluster (the suite runs on both). */
const onCluster = inject('redisUrl').includes('+cluster://');

let redis: RedisClient;
beforeAll(async () => {
  redis = await createRedis({
    url: inject('redisUrl'),
    log: testLogger(),
    name: 'analytics-store',
  });
});
afterAll(async () => {
  await redis.quit();
});

const CELL = 0.01;
const newStore = () =>
  createAnalyticsStore(redis, { prefix: `${uniqueName('an')}:`, heatCellDeg: CELL });

/** The trace split over partitions by driver, with offsets, as Kafka would hold it. */
function partitioned(trace: LocationRecord[], partitions: number): OffsetRecord[][] {
  const out: OffsetRecord[][] = Array.from({ length: partitions }, () => []);
  for (const record of trace) {
    const p = Number(record.driverId.slice(-4)) % partitions;
    out[p]!.push({ offset: String(out[p]!.length), record });
  }
  return out;
}

async function expectTruth(store: AnalyticsStore, truth: AnalyticsTruth, now: number) {
  const summary = await store.summary(now);
  expect(summary).toMatchObject({
    fixes: truth.fixes,
    tripEvents: truth.tripEvents,
    tripsCompleted: truth.tripsCompleted,
    cancellations: truth.cancellations,
    duplicatesSkipped: truth.duplicatesSkipped,
    outliers: truth.outliers,
    drivers: truth.drivers,
  });
  expect(summary.distanceKm).toBeCloseTo(truth.distanceM / 1000, 9);
  expect(summary.avgSpeedKmh).toBeCloseTo(avgSpeedKmh(truth.distanceM, truth.movingMs), 9);
  const trips = await store.trips();
  expect(trips.assignedToDelivered.buckets).toEqual(truth.assignedToDelivered.buckets);
  expect(trips.pickedUpToDelivered.buckets).toEqual(truth.pickedUpToDelivered.buckets);
  expect(trips.assignedToDelivered.sumS).toBeCloseTo(truth.assignedToDelivered.sumS, 6);
  const top = await store.topDrivers(1000);
  expect(top.drivers).toHaveLength(truth.drivers);
  for (const d of top.drivers)
    expect(d.distanceKm).toBeCloseTo(truth.distanceByDriverM.get(d.driverId)! / 1000, 9);
  // The trace's silences push device time hours ahead: look at all of it.
  const heat = await store.heat(now + 6 * 3_600_000, 7 * 60);
  expect(heat.cells.reduce((a, c) => a + c.fixes, 0)).toBe(truth.fixes);
  for (const [cell, fixes] of truth.fixesByCell)
    expect(heat.cells).toContainEqual({ ...heatCellCorner(cell, CELL)!, fixes });
  return summary;
}

describe('analytics store', () => {
  it('counts a driver app restarted mid-delivery at once, and its dead session never', async () => {
    const now = Date.now();
    const trace = analyticsTrace({
      drivers: 12,
      steps: 200,
      startTs: now - 300_000,
      reboots: 10,
      seed: 5,
    });
    const truth = computeGroundTruth(trace, { heatCellDeg: CELL });
    expect(truth.sessionsStarted).toBe(10);
    const store = newStore();
    for (const [p, records] of partitioned(trace, 3).entries())
      for (let i = 0; i < records.length; i += 37) {
        const chunk = records.slice(i, i + 37);
        await store.applyChunk('loc', p, chunk.at(-1)!.offset, chunk);
      }
    const summary = await expectTruth(store, truth, now);
    expect(summary).toMatchObject({
      staleSessionSkipped: truth.staleSessionSkipped,
      sessionsStarted: 10,
    });
  });

  it('matches the ground truth, whatever the chunking, and ignores redelivered chunks', async () => {
    const now = Date.now();
    const trace = analyticsTrace({ drivers: 12, steps: 250, startTs: now - 300_000 });
    const truth = computeGroundTruth(trace, { heatCellDeg: CELL });
    const store = newStore();
    let seed = 1;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    let replayed = 0;
    for (const [p, records] of partitioned(trace, 3).entries()) {
      let i = 0;
      while (i < records.length) {
        const size = 1 + Math.floor(rnd() * 120);
        const chunk = records.slice(i, i + size);
        await store.applyChunk('loc', p, chunk.at(-1)!.offset, chunk);
        // A redelivery: from some earlier offset up to past this chunk's end, as after a crash.
        if (rnd() < 0.3) {
          const from = Math.max(0, i - Math.floor(rnd() * 200));
          const again = records.slice(from, i + size);
          const r = await store.applyChunk('loc', p, again.at(-1)!.offset, again);
          expect(r).toEqual({ applied: 0, duplicates: 0, replays: again.length, stale: 0 });
          replayed += again.length;
        }
        i += size;
      }
    }
    const summary = await expectTruth(store, truth, now);
    expect(summary.replaysSkipped).toBe(replayed);
    const nowMinute = Math.floor(now / 60_000);
    const active = new Set(
      trace
        .filter((r) => r.type === 'position' && nowMinute - Math.floor(r.ts / 60_000) < 5)
        .filter((r) => Math.floor(r.ts / 60_000) <= nowMinute)
        .map((r) => r.driverId),
    );
    expect(active.size).toBeGreaterThan(0);
    expect(summary.activeDrivers).toBe(active.size);
    const series = await store.series(now, 10);
    expect(series.fixesPerSecond).toHaveLength(540 + (Math.floor(now / 1000) % 60) + 1);
    expect(series.fixesPerSecond.reduce((a, x) => a + x.fixes, 0)).toBeLessThanOrEqual(truth.fixes);
    expect(series.fixesPerSecond.some((x) => x.fixes > 0)).toBe(true);
    expect(series.activeDriversPerMinute.at(-1)!.t).toBe(Math.floor(now / 60_000) * 60);
  });

  it('counts once when members take turns on a partition and a zombie writes late', async () => {
    // Two members of the group with the same Redis: each keeps the partition's state in
    // memory, so each write must notice when the other moved the partition on.
    const now = Date.now();
    const trace = analyticsTrace({ drivers: 8, steps: 200, startTs: now - 300_000 });
    const truth = computeGroundTruth(trace, { heatCellDeg: CELL });
    const prefix = `${uniqueName('an')}:`;
    const members = [0, 1].map(() =>
      createAnalyticsStore(redis, { prefix, heatCellDeg: CELL }),
    ) as [AnalyticsStore, AnalyticsStore];
    let seed = 7;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    let zombieWrites = 0;
    for (const [p, records] of partitioned(trace, 2).entries()) {
      let i = 0;
      let previous: OffsetRecord[] = [];
      while (i < records.length) {
        const chunk = records.slice(i, i + 1 + Math.floor(rnd() * 60));
        const owner = members[rnd() < 0.5 ? 0 : 1];
        await owner.applyChunk('loc', p, chunk.at(-1)!.offset, chunk);
        // The other member, fenced out, still writes the chunk it was handling before.
        if (previous.length > 0 && rnd() < 0.4) {
          const zombie = members[owner === members[0] ? 1 : 0];
          const r = await zombie.applyChunk('loc', p, previous.at(-1)!.offset, previous);
          expect(r.applied).toBe(0);
          zombieWrites++;
        }
        previous = chunk;
        i += chunk.length;
      }
    }
    expect(zombieWrites).toBeGreaterThan(5);
    await expectTruth(members[0], truth, now);
  });

  it('moves a partition past a chunk of invalid records only', async () => {
    const store = newStore();
    await store.applyChunk('loc', 0, '41', []);
    expect(await store.appliedOffset('loc', 0)).toBe(41);
    expect(await store.appliedOffset('loc', 1)).toBe(-1);
    expect(await store.appliedOffsets()).toEqual({ 'loc:0': 41 });
  });

  it.skipIf(onCluster)(
    'adds up the aggregates kept before they were per partition, and moves a partition on',
    async () => {
      const prefix = `${uniqueName('an')}:`;
      const A = `${prefix}an:`;
      const now = Date.now();
      const trace = analyticsTrace({ drivers: 3, steps: 60, startTs: now - 120_000 });
      const [records] = partitioned(trace, 1);
      const half = Math.floor(records!.length / 2);
      const first = createAnalyticsStore(redis, { prefix, heatCellDeg: CELL });
      await first.applyChunk('loc', 0, records![half - 1]!.offset, records!.slice(0, half));
      // Put what the first half wrote where the layout before kept it.
      const root = `${A}part:{loc:0}:`;
      for (const key of await redis.keys(`${root}*`)) {
        const rest = key.slice(root.length);
        if (rest === 'offset') {
          await redis.hset(`${A}offsets`, 'loc:0', (await redis.get(key))!);
          await redis.del(key);
        } else
          await redis.rename(
            key,
            rest === 'drivers' || rest === 'trips' ? `${A}part:loc:0:${rest}` : `${A}${rest}`,
          );
      }
      await redis.srem(`${A}parts`, 'loc:0');
      expect(await first.appliedOffsets()).toEqual({ 'loc:0': half - 1 });

      const second = createAnalyticsStore(redis, { prefix, heatCellDeg: CELL });
      const last = records!.at(-1)!.offset;
      await second.applyChunk('loc', 0, last, records!.slice(half));
      await expectTruth(second, computeGroundTruth(trace), now);
      expect(await second.appliedOffsets()).toEqual({ 'loc:0': Number(last) });
      expect(await redis.exists(`${A}part:loc:0:drivers`, `${A}part:loc:0:trips`)).toBe(0);
    },
  );

  it('keeps time-series keys no longer than the retention', async () => {
    const prefix = `${uniqueName('an')}:`;
    const store = createAnalyticsStore(redis, { prefix, retentionS: 300 });
    const now = Date.now();
    const trace = analyticsTrace({ drivers: 2, steps: 20, startTs: now, duplicateRate: 0 });
    await store.applyChunk(
      'loc',
      0,
      String(trace.length - 1),
      trace.map((record, i) => ({ offset: String(i), record })),
    );
    const keys = await keysMatching(redis, `${prefix}an:*`);
    for (const key of keys) {
      const ttl = await redis.ttl(key);
      if (/:(fps|hll|heat):/.test(key)) expect(ttl, key).toBeGreaterThan(250);
      if (/:(fps|hll|heat):/.test(key)) expect(ttl, key).toBeLessThanOrEqual(300);
      if (/:(drv|trip):/.test(key)) expect(ttl, key).toBeGreaterThan(0);
    }
    expect(keys.some((k) => k.includes(':fps:'))).toBe(true);
    for (const key of keys) await redis.del(key);
  });
});
