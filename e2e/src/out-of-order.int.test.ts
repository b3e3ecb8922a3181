import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  DLQ_HEADERS,
  decodeLocationRecord,
  encodeLocationRecord,
  type AnalyticsSummary,
  type LocationRecord,
  type PositionRecord,
  type SnapshotMessage,
  type TrackServerMessage,
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

/**
 * Reliability (issue #9, item 6): drivers whose fixes reach the broker out of seq order, some
 * twice, most of them past-dated (buffered while offline) and the last ones slightly ahead of
 * the broker's clock, with a few far outside the clock-skew tolerance among them. A customer
 * on each delivery never sees a position older than one already shown, and the latest position
 * is the newest accepted fix; every out-of-tolerance fix is dead-lettered once by each group,
 * with its error, and nothing within tolerance is.
 */
const MAX_FUTURE_MS = 120_000;
const MAX_AGE_MS = 3_600_000;
const GROUPS = ['live-push', 'analytics', 'notifications'] as const;
const DRIVERS = 6;
const LAST_SEQ = 64;
/** Seqs dead-lettered for their device time (relative to now): too old or too far ahead. */
const OUT_OF_TOLERANCE = new Map([
  [20, -3 * 3_600_000],
  [30, 3_600_000],
  [40, -26 * 3_600_000],
  [63, 30 * 60_000],
  [64, 2 * 3_600_000],
]);
/** The newest accepted fix of each driver. */
const MAX_VALID_SEQ = 62;

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

const driverId = (d: number) => `drv-ooo-${d}`;
const deliveryId = (d: number) => `dlv-ooo-${d}`;

/**
 * One driver's fixes. In tolerance, device time runs from 50 min ago (past-dated, under the
 * 1 h limit) to 90 s ahead (under the 2 min tolerance), increasing with seq; the seqs of
 * OUT_OF_TOLERANCE carry times far outside. Sent in shuffled windows of 8, with one fix in 8
 * sent again a few records later and one out-of-tolerance fix sent twice.
 */
function driverFixes(d: number, now: number, random: () => number): PositionRecord[] {
  const start = now - 50 * 60_000;
  const step = (50 * 60_000 + 90_000) / (MAX_VALID_SEQ - 3);
  const fixes: PositionRecord[] = [];
  for (let seq = 3; seq <= LAST_SEQ; seq++) {
    const skew = OUT_OF_TOLERANCE.get(seq);
    fixes.push({
      type: 'position',
      v: 1,
      driverId: driverId(d),
      deliveryId: deliveryId(d),
      seq,
      ts: skew === undefined ? Math.round(start + (seq - 3) * step) : now + skew,
      lat: 52.5 + d * 0.01 + seq * 1e-4,
      lng: 13.4 + seq * 1e-4,
      speedMps: 6,
      headingDeg: 0,
      accuracyM: 5,
    });
  }
  const order: PositionRecord[] = [];
  for (let i = 0; i < fixes.length; i += 8) {
    const window = fixes.slice(i, i + 8);
    for (let j = window.length - 1; j > 0; j--) {
      const k = Math.floor(random() * (j + 1));
      [window[j], window[k]] = [window[k]!, window[j]!];
    }
    order.push(...window);
  }
  for (let i = order.length - 1; i >= 0; i--)
    if (random() < 1 / 8)
      order.splice(Math.min(order.length, i + 3 + Math.floor(random() * 12)), 0, order[i]!);
  order.push(fixes.find((f) => f.seq === 63)!);
  return order;
}

interface Customer {
  socket: WebSocket;
  snapshot: Promise<SnapshotMessage>;
  /** Seq and device time of the newest position shown. */
  last: { seq: number; ts: number };
  positions: number;
  /** A position older than (or as old as) one already shown. */
  regressions: number;
  /** The same position shown twice. */
  repeats: number;
  /** Out-of-tolerance fixes shown. */
  shownInvalid: number;
}

function follow(d: number): Customer {
  const token = signTrackingToken(stack.env.TRACKING_SECRET!, deliveryId(d), Date.now() + 600_000);
  const url = `ws://127.0.0.1:${stack.port}/ws/track?deliveryId=${deliveryId(d)}&t=${token}`;
  const socket = new WebSocket(url);
  const c: Customer = {
    socket,
    snapshot: new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.once('close', (code) => reject(new Error(`closed ${code} before a snapshot`)));
      socket.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as TrackServerMessage;
        if (m.type === 'snapshot') resolve(m);
      });
    }),
    last: { seq: -1, ts: -Infinity },
    positions: 0,
    regressions: 0,
    repeats: 0,
    shownInvalid: 0,
  };
  socket.on('error', () => undefined); // a failed socket shows as a missing snapshot or seq
  socket.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString()) as TrackServerMessage;
    const p = m.type === 'snapshot' ? m.position : m.type === 'position' ? m : null;
    if (!p) return;
    if (m.type === 'position') c.positions++;
    if (p.seq === c.last.seq) c.repeats++;
    else if (p.seq < c.last.seq || p.ts < c.last.ts) c.regressions++;
    if (OUT_OF_TOLERANCE.has(p.seq)) c.shownInvalid++;
    if (p.seq > c.last.seq) c.last = { seq: p.seq, ts: p.ts };
  });
  return c;
}

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
          expect.poll(() => c.last.seq, { timeout: 20_000 }).toBeGreaterThanOrEqual(MAX_VALID_SEQ),
        ),
      ),
    );
    const wrongLive = customers.filter((c) => c.last.seq !== MAX_VALID_SEQ).length;
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

    const shown = customers.reduce((n, c) => n + c.positions, 0);
    const regressions = customers.reduce((n, c) => n + c.regressions, 0);
    const repeats = customers.reduce((n, c) => n + c.repeats, 0);
    const shownInvalid = customers.reduce((n, c) => n + c.shownInvalid, 0);
    recordFault({
      fault: 'out-of-order, past- and future-dated fixes',
      runs: 1,
      checked: source.length,
      lost: missing + deadLetteredValid + Math.max(0, truth.fixes - summary.fixes),
      duplicated: repeated + repeats + Math.max(0, summary.fixes - truth.fixes),
      ok:
        regressions + shownInvalid + wrongLive + wrongLatest + badTrails + wrongError === 0 &&
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
    expect({ regressions, repeats, shownInvalid, wrongLive, wrongLatest, badTrails }).toEqual({
      regressions: 0,
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
