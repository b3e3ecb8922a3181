import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { encodeLocationRecord } from '@fleetstream/contracts';
import { startTestStack, type TestStack } from '@fleetstream/testkit/stack';
import { avgSpeedKmh, computeGroundTruth } from '@fleetstream/backend/domain/analytics';
import { analyticsTrace } from '@fleetstream/backend/testing/analytics-trace';
import { recordFault } from '@fleetstream/backend/testing/reliability-ledger';
import { createTestContext } from '@fleetstream/backend/testing/test-context';
import { groupId } from '@fleetstream/backend/consumers/analytics';

/**
 * Acceptance of the exactly-once effect with real processes: the analytics worker is killed
 * with SIGKILL twice while the trace streams in, each time right after it applied records to
 * Redis whose offsets Kafka has not committed yet, and restarted; the totals still equal the
 * ground truth. A restart waits for the dead member's session to time out (30 s), so this file
 * takes about a minute and a quarter.
 */
let stack: TestStack;
let observer: Awaited<ReturnType<typeof createTestContext>>;

beforeAll(async () => {
  stack = await startTestStack({
    brokers: inject('kafkaBrokers'),
    redisUrl: inject('redisUrl'),
    roles: ['gateway', 'analytics'],
    // Commits every 5 s keep a wide window between the Redis write and the Kafka commit,
    // so each kill lands inside it.
    env: {
      LOCATION_PARTITIONS: '6',
      KAFKA_COMMIT_INTERVAL_MS: '5000',
      // The trace's fix times run ahead of the broker's (it spans minutes from a past start).
      RECORD_MAX_FUTURE_MS: '86400000',
    },
  });
  observer = await createTestContext(['analytics'], stack.env, 'observer');
}, 120_000);

afterAll(async () => {
  await observer?.close();
  await stack?.stop();
});

it(
  'counts every record exactly once across two kill -9s mid-stream',
  { timeout: 300_000 },
  async () => {
    const { ctx, kafka } = observer;
    const topic = ctx.config.topics.location;
    const group = groupId(ctx);
    const trace = analyticsTrace({
      drivers: 30,
      steps: 200,
      startTs: Date.now() - 600_000,
      seed: 11,
    });
    const truth = computeGroundTruth(trace);
    const store = ctx.stores.analytics();
    const admin = kafka.admin();
    await admin.connect();
    const producer = await ctx.producers.start();

    // The trace streams in over ~60 s, so both kills and the second restart happen mid-stream.
    let sent = 0;
    const streaming = (async () => {
      const slice = Math.ceil(trace.length / 240);
      for (let i = 0; i < trace.length; i += slice) {
        const part = trace.slice(i, i + slice);
        await producer.send(
          topic,
          part.map((r) => ({ key: r.driverId, value: encodeLocationRecord(r) })),
        );
        sent += part.length;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    let streamFailure: unknown = null;
    streaming.catch((err: unknown) => (streamFailure = err));

    const appliedCount = async () => {
      const s = await store.summary(Date.now());
      return s.fixes + s.tripEvents + s.duplicatesSkipped;
    };
    /** True when Redis holds records of some partition whose offsets Kafka has not committed. */
    const appliedAheadOfCommit = async () => {
      const [applied, [committed]] = await Promise.all([
        store.appliedOffsets(),
        admin.fetchOffsets({ groupId: group, topics: [topic] }),
      ]);
      return (committed?.partitions ?? []).some(
        (p) => (applied[`${topic}:${p.partition}`] ?? -1) + 1 > Math.max(Number(p.offset), 0),
      );
    };
    const killWhenAhead = async (minApplied: number) => {
      const worker = stack.processes.filter((p) => p.name.startsWith('analytics')).at(-1)!;
      const deadline = Date.now() + 90_000;
      for (;;) {
        if ((await appliedCount()) >= minApplied && (await appliedAheadOfCommit())) break;
        if (Date.now() > deadline)
          throw new Error(
            `worker never got past ${minApplied} records: ${await appliedCount()} applied, ` +
              `${sent} of ${trace.length} sent, ahead of its commit: ${await appliedAheadOfCommit()}` +
              (streamFailure ? `; sending failed: ${String(streamFailure)}` : ''),
          );
        await new Promise((r) => setTimeout(r, 20));
      }
      worker.child.kill('SIGKILL');
      expect(await worker.exited).toBe('SIGKILL');
      return appliedCount();
    };

    const atFirstKill = await killWhenAhead(trace.length * 0.15);
    stack.spawn('analytics-2', 'backend/src/main.ts', ['analytics']);
    const atSecondKill = await killWhenAhead(atFirstKill + 200);
    expect(sent).toBeLessThan(trace.length);
    stack.spawn('analytics-3', 'backend/src/main.ts', ['analytics']);
    await streaming;
    // A wait that times out still leaves its figures for the ledger row; the checks below fail.
    await expect
      .poll(appliedCount, { timeout: 180_000, interval: 250 })
      .toBe(trace.length)
      .catch(() => undefined);

    const s = await store.summary(Date.now());
    const applied = s.fixes + s.tripEvents;
    const truthApplied = truth.fixes + truth.tripEvents;
    recordFault({
      fault: 'kill -9 analytics worker mid-batch',
      runs: 2,
      checked: trace.length,
      lost: Math.max(0, truthApplied - applied),
      duplicated: Math.max(0, applied - truthApplied),
      ok:
        s.duplicatesSkipped === truth.duplicatesSkipped &&
        s.tripsCompleted === truth.tripsCompleted &&
        Math.abs(s.distanceKm * 1000 - truth.distanceM) / truth.distanceM < 1e-6 &&
        s.replaysSkipped > 0,
      note: `${s.replaysSkipped} redelivered records skipped`,
    });
    console.log(
      `analytics after 2 kills (at ${atFirstKill} and ${atSecondKill} of ${trace.length} records): ` +
        `${s.fixes} fixes, ${s.distanceKm.toFixed(3)} km, ${s.tripsCompleted} trips, ` +
        `${s.duplicatesSkipped} duplicates and ${s.replaysSkipped} redelivered records skipped`,
    );
    expect(s).toMatchObject({
      fixes: truth.fixes,
      tripEvents: truth.tripEvents,
      tripsCompleted: truth.tripsCompleted,
      cancellations: truth.cancellations,
      duplicatesSkipped: truth.duplicatesSkipped,
      outliers: truth.outliers,
      drivers: 30,
    });
    expect(Math.abs(s.distanceKm * 1000 - truth.distanceM) / truth.distanceM).toBeLessThan(1e-6);
    expect(s.avgSpeedKmh).toBeCloseTo(avgSpeedKmh(truth.distanceM, truth.movingMs), 6);
    // Proof that the kills hit between the Redis write and the Kafka commit.
    expect(s.replaysSkipped).toBeGreaterThan(0);
    const trips = await store.trips();
    expect(trips.assignedToDelivered.buckets).toEqual(truth.assignedToDelivered.buckets);
    expect(trips.pickedUpToDelivered.buckets).toEqual(truth.pickedUpToDelivered.buckets);

    // The HTTP API serves the same totals.
    const res = await fetch(`${stack.baseUrl}/api/analytics/summary`, {
      headers: { Authorization: `Bearer ${stack.opsToken}` },
    });
    expect(await res.json()).toMatchObject({
      fixes: truth.fixes,
      tripsCompleted: truth.tripsCompleted,
    });

    await producer.stop();
    await admin.disconnect();
  },
);
