import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  AnalyticsSeriesSchema,
  AnalyticsSummarySchema,
  DriverDistanceListSchema,
  HeatGridSchema,
  TripStatsSchema,
  encodeLocationRecord,
  type AnalyticsSummary,
  type LocationRecord,
} from '@fleetstream/contracts';
import { avgSpeedKmh, computeGroundTruth } from '../domain/analytics.js';
import * as gateway from '../gateway/server.js';
import { groupProgress, resetGroupOffsets } from '../infra/group-offsets.js';
import type { OutgoingRecord, RecordProducer } from '@fleetstream/kafka/producer';
import { analyticsTrace } from '../testing/analytics-trace.js';
import { createTestContext, testNamespace, TEST_OPS_TOKEN } from '../testing/test-context.js';
import * as analytics from './analytics.js';

// The synthetic trace spans several minutes from a start in the past, so its later fix times
// run ahead of the broker's: widen the clock-skew tolerance rather than distort the trace.
const env = testNamespace('analytics', { RECORD_MAX_FUTURE_MS: '86400000' });
const cleanups: Array<() => Promise<void>> = [];
let worker: Awaited<ReturnType<typeof createTestContext>>;
let producer: RecordProducer;
let base = '';

const trace = analyticsTrace({ drivers: 8, steps: 150, startTs: Date.now() - 200_000 });
const truth = computeGroundTruth(trace);
const invalid = ['not json', '{"type":"position","v":1}', '{"type":"teleport"}'];

const api = async (path: string, token: string | null = TEST_OPS_TOKEN) => {
  const res = await fetch(`${base}/api/analytics/${path}`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: (await res.json()) as unknown };
};
const summary = async () => AnalyticsSummarySchema.parse((await api('summary')).body);
const send = (records: LocationRecord[]) =>
  producer.send(
    worker.ctx.config.topics.location,
    records.map((r) => ({ key: r.driverId, value: encodeLocationRecord(r) })),
  );
const dlqSize = async () => {
  const admin = worker.kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(worker.ctx.config.topics.locationDlq);
  await admin.disconnect();
  return offsets.reduce((n, p) => n + Number(p.high), 0);
};

beforeAll(async () => {
  worker = await createTestContext(['analytics'], env, 'analytics');
  const g = await createTestContext(['gateway'], env, 'gateway');
  const stopGateway = await gateway.start(g.ctx);
  base = `http://127.0.0.1:${stopGateway.port}`;
  producer = await worker.ctx.producers.start();
  cleanups.push(stopGateway, () => producer.stop(), g.close, worker.close);
});
afterAll(async () => {
  for (const c of cleanups) await c();
});

let applied: AnalyticsSummary;

it(
  'applies a trace with duplicates and invalid records exactly once, and serves it',
  { timeout: 300_000 },
  async () => {
    const bad: OutgoingRecord[] = invalid.map((value) => ({ key: 'drv-bad', value }));
    const half = Math.floor(trace.length / 2);
    await send(trace.slice(0, half));
    await producer.send(worker.ctx.config.topics.location, bad);
    await send(trace.slice(half));

    const stop = await analytics.start(worker.ctx);
    cleanups.unshift(stop);
    await expect
      .poll(async () => (await summary()).fixes + (await summary()).tripEvents, { timeout: 90_000 })
      .toBe(truth.fixes + truth.tripEvents);
    applied = await summary();
    expect(applied).toMatchObject({
      fixes: truth.fixes,
      tripsCompleted: truth.tripsCompleted,
      cancellations: truth.cancellations,
      duplicatesSkipped: truth.duplicatesSkipped,
      outliers: truth.outliers,
      drivers: 8,
      activeDrivers: expect.any(Number),
    });
    expect(applied.distanceKm / (truth.distanceM / 1000)).toBeCloseTo(1, 9);
    expect(applied.avgSpeedKmh).toBeCloseTo(avgSpeedKmh(truth.distanceM, truth.movingMs), 6);
    await expect.poll(dlqSize, { timeout: 60_000 }).toBe(invalid.length);

    const series = AnalyticsSeriesSchema.parse((await api('series?minutes=10')).body);
    expect(series.fixesPerSecond.length).toBeGreaterThan(540);
    expect(series.fixesPerSecond.some((p) => p.fixes > 0)).toBe(true);
    const trips = TripStatsSchema.parse((await api('trips')).body);
    expect(trips.assignedToDelivered.buckets).toEqual(truth.assignedToDelivered.buckets);
    expect(trips.pickedUpToDelivered.count).toBe(truth.pickedUpToDelivered.count);
    const heat = HeatGridSchema.parse((await api('heat?minutes=60')).body);
    expect(heat.cells.length).toBeGreaterThan(0);
    const drivers = DriverDistanceListSchema.parse((await api('drivers?limit=3')).body);
    expect(drivers.drivers).toHaveLength(3);
    expect(drivers.drivers[0]!.distanceKm).toBeGreaterThanOrEqual(drivers.drivers[2]!.distanceKm);

    expect((await api('summary', null)).status).toBe(401);
    expect((await api('summary', 'wrong-token-0123456789')).status).toBe(401);
    expect((await api('series?minutes=0')).status).toBe(400);
    expect((await api('heat?minutes=abc')).status).toBe(400);

    // Replay: stop the group, move its offsets back to the start, resend some records as a
    // producer retry would, and start it again. Nothing changes but the skip counters.
    await cleanups.shift()!();
    const groupId = analytics.groupId(worker.ctx);
    const topic = worker.ctx.config.topics.location;
    await resetGroupOffsets(worker.kafka, groupId, topic, 'earliest');
    expect((await groupProgress(worker.kafka, groupId, topic)).every((p) => p.committed <= 0)).toBe(
      true,
    );
    const resent = trace.filter((_, i) => i % 37 === 0);
    await send(resent);
    cleanups.unshift(await analytics.start(worker.ctx));
    await expect
      .poll(async () => (await summary()).duplicatesSkipped, { timeout: 90_000 })
      .toBe(truth.duplicatesSkipped + resent.length);
    const after = await summary();
    expect(after).toEqual({
      ...applied,
      activeDrivers: after.activeDrivers,
      duplicatesSkipped: truth.duplicatesSkipped + resent.length,
      replaysSkipped: applied.replaysSkipped + trace.length,
    });
    // Every partition is read to its end, and no dead letter was written twice.
    await expect
      .poll(
        async () =>
          (await groupProgress(worker.kafka, groupId, topic)).filter(
            (p) => Math.max(p.committed, 0) !== p.end,
          ),
        { timeout: 60_000 },
      )
      .toEqual([]);
    expect(await dlqSize()).toBe(invalid.length);
  },
);
