import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import {
  DLQ_HEADERS,
  decodeLocationRecord,
  encodeLocationRecord,
  type AnalyticsSummary,
  type LocationRecord,
  type PositionRecord,
} from '@fleetstream/contracts';
import { computeGroundTruth } from '@fleetstream/backend/domain/analytics';
import { signTrackingToken } from '@fleetstream/backend/domain/tracking-token';
import { createKafka } from '@fleetstream/kafka/client';
import { startProducer } from '@fleetstream/kafka/producer';
import { testLogger } from '@fleetstream/backend/testing/fixtures';
import { recordFault } from '@fleetstream/backend/testing/reliability-ledger';
import { createRng as rng } from '@fleetstream/geo';
import { groupLag, readTopic } from '@fleetstream/testkit/kafka-readback';
import { startTestStack, type TestStack } from '@fleetstream/testkit/stack';
import { followDelivery, type TrackFollower } from '@fleetstream/testkit/track-socket';
import {
  deliveryId,
  driverFixes,
  driverId,
  DRIVERS,
  MAX_AGE_MS,
  MAX_FUTURE_MS,
  MAX_VALID_SEQ,
  OUT_OF_TOLERANCE,
} from './out-of-order-fixes.js';

/**
 * Reliability (issue #9, item 6): drivers whose fixes reach the broker out of seq order, some
 * twice, most of them past-dated (buffered while offline) and the last ones slightly ahead of
 * the broker's clock, with a few far outside the clock-skew tolerance among them. A customer
 * on each delivery never sees a position older than one already shown, and the latest position
 * is the newest accepted fix; every out-of-tolerance fix is dead-lettered once by each group,
 * with its error, and nothing within tolerance is.
 */
const GROUPS = ['live-push', 'analytics', 'notifications'] as const;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    brokers: inject('kafkaBrokers'),
    redisUrl: inject('redisUrl'),
    roles: [...GROUPS],
    env: {
      LOCATION_PARTITIONS: '3',
      RECORD_MAX_FUTURE_MS: String(MAX_FUTURE_MS),
      RECORD_MAX_AGE_MS: String(MAX_AGE_MS),
    },
  });
}, 120_000);
afterAll(() => stack?.stop());

interface Customer extends TrackFollower {
  /** Out-of-tolerance fixes shown. */
  shownInvalid: number;
}

function follow(d: number): Customer {
  const token = signTrackingToken(stack.env.TRACKING_SECRET!, deliveryId(d), Date.now() + 600_000);
  const c: Customer = {
    ...followDelivery(
      stack.baseUrl,
      { deliveryId: deliveryId(d), token },
      {
        onMessage: (m) => {
          const p = m.type === 'snapshot' ? m.position : m.type === 'position' ? m : null;
          if (p && OUT_OF_TOLERANCE.has(p.seq)) c.shownInvalid++;
        },
      },
    ),
    shownInvalid: 0,
  };
  return c;
}

/** The seq of the newest position a customer was shown, -1 before any. */
const newestSeq = (c: Customer) => c.order.newest?.seq ?? -1;

it(
  'shows positions in seq order only and dead-letters fixes outside the clock-skew tolerance once',
  { timeout: 180_000 },
  async () => {
    const brokers = inject('kafkaBrokers');
    const topic = `${stack.namespace}delivery-location`;
    const producer = await startProducer(
      createKafka({ brokers: brokers.split(','), clientId: 'ooo-e2e', log: testLogger() }),
    );
    const send = (records: LocationRecord[]) =>
      producer.send(
        topic,
        records.map((r) => ({ key: r.driverId, value: encodeLocationRecord(r) })),
      );
    const now = Date.now();
    const drivers = Array.from({ length: DRIVERS }, (_, d) => d);
    const pickup = { lat: 52.5, lng: 13.4 };
    await send(
      drivers.flatMap((d): LocationRecord[] => {
        const base = {
          type: 'trip',
          v: 1,
          driverId: driverId(d),
          deliveryId: deliveryId(d),
        } as const;
        const dropoff = { lat: 52.6, lng: 13.5 };
        return [
          { ...base, seq: 1, ts: now - 51 * 60_000, status: 'assigned', pickup, dropoff },
          { ...base, seq: 2, ts: now - 50 * 60_000 - 30_000, status: 'picked_up' },
        ];
      }),
    );
    // Customers follow each delivery from before its first fix.
    for (const d of drivers) {
      const token = signTrackingToken(stack.env.TRACKING_SECRET!, deliveryId(d), now + 600_000);
      await expect
        .poll(
          async () =>
            (await fetch(`${stack.baseUrl}/api/track/${deliveryId(d)}?t=${token}`)).status,
          { timeout: 30_000, interval: 200 },
        )
        .toBe(200);
    }
    const customers = drivers.map(follow);
    await Promise.all(customers.map((c) => c.snapshot));

    const random = rng(5);
    const perDriver = drivers.map((d) => driverFixes(d, now, random));
    const stream: PositionRecord[] = [];
    for (let i = 0; perDriver.some((fs) => i < fs.length); i++)
      for (const fs of perDriver) if (i < fs.length) stream.push(fs[i]!);
    for (let i = 0; i < stream.length; i += 24) await send(stream.slice(i, i + 24));
    await producer.stop();

    // Waits that fail are counted, not thrown, so the ledger row below records them.
    const eventually = (p: PromiseLike<unknown>) =>
      Promise.resolve(p).then(
        () => true,
        () => false,
      );
    const lagZero = await Promise.all(
      GROUPS.map((g) =>
        eventually(
          expect
            .poll(() => groupLag(brokers, `${stack.namespace}${g}`, topic), {
              timeout: 60_000,
              interval: 500,
            })
            .toBe(0),
        ),
      ),
    );
    const stuckGroups = GROUPS.filter((_, i) => !lagZero[i]);
    // Every customer ends on the newest accepted fix (live, then in the snapshot of a new socket).
    await Promise.all(
      customers.map((c) =>
        eventually(
          expect
            .poll(() => newestSeq(c), { timeout: 20_000 })
            .toBeGreaterThanOrEqual(MAX_VALID_SEQ),
        ),
      ),
    );
    const wrongLive = customers.filter((c) => newestSeq(c) !== MAX_VALID_SEQ).length;
    for (const c of customers) c.socket.close();
    const reopened = drivers.map(follow);
    const snapshots = await Promise.all(reopened.map((c) => c.snapshot));
    for (const c of reopened) c.socket.close();
    const expectedTs = (d: number) => perDriver[d]!.find((f) => f.seq === MAX_VALID_SEQ)!.ts;
    const wrongLatest = snapshots.filter(
      (s, d) => s.position?.seq !== MAX_VALID_SEQ || s.position.ts !== expectedTs(d),
    ).length;
    const badTrails = snapshots.filter(
      (s) =>
        s.trail.some((p) => OUT_OF_TOLERANCE.has(p.seq)) ||
        s.trail.some(
          (p, i) => i > 0 && (p.seq <= s.trail[i - 1]!.seq || p.ts < s.trail[i - 1]!.ts),
        ),
    ).length;

    // Which offsets hold an out-of-tolerance fix, from the topic as stored.
    const source = await readTopic(brokers, topic);
    const invalid = new Map<string, number>();
    const valid: LocationRecord[] = [];
    for (const r of source) {
      const decoded = decodeLocationRecord(r.value);
      if (!decoded.ok) throw new Error(`undecodable record at ${r.partition}:${r.offset}`);
      if (OUT_OF_TOLERANCE.has(decoded.value.seq))
        invalid.set(`${r.partition}:${r.offset}`, decoded.value.seq);
      else valid.push(decoded.value);
    }
    expect(invalid.size).toBe(stream.filter((f) => OUT_OF_TOLERANCE.has(f.seq)).length);
    const dlq = await readTopic(brokers, `${stack.namespace}delivery-location.dlq`);
    const header = (r: (typeof dlq)[number], name: string) => r.headers[name]?.toString() ?? '';
    let missing = 0;
    let deadLetteredValid = 0;
    let repeated = 0;
    let wrongError = 0;
    for (const g of GROUPS) {
      const mine = dlq.filter((r) => header(r, DLQ_HEADERS.group) === `${stack.namespace}${g}`);
      const offsets = mine.map(
        (r) => `${header(r, DLQ_HEADERS.sourcePartition)}:${header(r, DLQ_HEADERS.sourceOffset)}`,
      );
      const unique = new Set(offsets);
      repeated += offsets.length - unique.size;
      missing += [...invalid.keys()].filter((o) => !unique.has(o)).length;
      deadLetteredValid += [...unique].filter((o) => !invalid.has(o)).length;
      wrongError += mine.filter((r, i) => {
        const skew = OUT_OF_TOLERANCE.get(invalid.get(offsets[i]!) ?? 0) ?? 0;
        const error = header(r, DLQ_HEADERS.error);
        return skew > 0
          ? !/ahead of the broker's time/.test(error)
          : !/older than the broker's time/.test(error);
      }).length;
    }

    // Analytics counted exactly the accepted fixes, in the order the broker holds them.
    const truth = computeGroundTruth(valid);
    const summary = (await (
      await fetch(`${stack.baseUrl}/api/analytics/summary`, {
        headers: { Authorization: `Bearer ${stack.opsToken}` },
      })
    ).json()) as AnalyticsSummary;

    const shown = customers.reduce((n, c) => n + c.order.positions, 0);
    const regressions = customers.reduce((n, c) => n + c.order.regressions, 0);
    const repeats = customers.reduce((n, c) => n + c.order.repeats, 0);
    const malformed = customers.reduce((n, c) => n + c.order.malformed, 0);
    const shownInvalid = customers.reduce((n, c) => n + c.shownInvalid, 0);
    recordFault({
      fault: 'out-of-order, past- and future-dated fixes',
      runs: 1,
      checked: source.length,
      lost: missing + deadLetteredValid + Math.max(0, truth.fixes - summary.fixes),
      duplicated: repeated + repeats + Math.max(0, summary.fixes - truth.fixes),
      ok:
        regressions +
          malformed +
          shownInvalid +
          wrongLive +
          wrongLatest +
          badTrails +
          wrongError ===
          0 &&
        stuckGroups.length === 0 &&
        summary.duplicatesSkipped === truth.duplicatesSkipped,
      note:
        `${shown} positions shown to ${DRIVERS} customers, ${regressions} back in time; ` +
        `${invalid.size * GROUPS.length - missing} of ${invalid.size * GROUPS.length} dead letters ` +
        `(${invalid.size} out-of-tolerance fixes × ${GROUPS.length} groups)`,
    });
    console.log(
      `out-of-order: ${source.length} records, ${invalid.size} out of tolerance; ` +
        `${shown} positions shown, ${regressions} regressions, ${repeats} repeats; ` +
        `analytics ${summary.fixes} fixes, ${summary.duplicatesSkipped} skipped as old or repeated`,
    );
    expect(stuckGroups).toEqual([]);
    expect({
      regressions,
      repeats,
      malformed,
      shownInvalid,
      wrongLive,
      wrongLatest,
      badTrails,
    }).toEqual({
      regressions: 0,
      malformed: 0,
      wrongLive: 0,
      repeats: 0,
      shownInvalid: 0,
      wrongLatest: 0,
      badTrails: 0,
    });
    expect({ missing, deadLetteredValid, repeated, wrongError }).toEqual({
      missing: 0,
      deadLetteredValid: 0,
      repeated: 0,
      wrongError: 0,
    });
    expect(summary).toMatchObject({
      fixes: truth.fixes,
      tripEvents: truth.tripEvents,
      duplicatesSkipped: truth.duplicatesSkipped,
    });
    // The scenario really was out of order: later seqs arrived before earlier ones.
    expect(truth.duplicatesSkipped).toBeGreaterThan(DRIVERS * 8);
  },
);
