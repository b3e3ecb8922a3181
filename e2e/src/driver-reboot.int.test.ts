import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import {
  carriedFixes,
  type AnalyticsSummary,
  type LocationRecord,
  type PositionRecord,
  type SnapshotMessage,
} from '@fleetstream/contracts';
import { computeGroundTruth } from '@fleetstream/backend/domain/analytics';
import { DEFAULT_MILESTONE_SETTINGS } from '@fleetstream/backend/domain/milestones';
import { applyPartition } from '@fleetstream/backend/domain/milestone-partition';
import { signTrackingToken } from '@fleetstream/backend/domain/tracking-token';
import { analyticsTrace } from '@fleetstream/backend/testing/analytics-trace';
import { recordFault } from '@fleetstream/backend/testing/reliability-ledger';
import { readNotificationsById } from '@fleetstream/testkit/ground-truth';
import { groupLag } from '@fleetstream/testkit/kafka-readback';
import { produceRecords } from '@fleetstream/testkit/produce-records';
import { startTestStack, type TestStack } from '@fleetstream/testkit/stack';
import { followDelivery, type TrackFollower } from '@fleetstream/testkit/track-socket';

/**
 * Reliability (issue #21): 50 drivers' apps restart mid-delivery, between picked_up and
 * delivered: a new session with seq from 1 (the same phone, so device time goes on), and two
 * late records of the dead app after the new session's first ones. Half of them ran the default
 * session before (an app older than sessions). A customer follows each of these deliveries
 * through the restart. Every delivery must reach `delivered` for its customer, who is shown
 * every post-restart position once and no stale one; the snapshot ends on the last post-restart
 * position; every milestone is on the notifications topic exactly once (against the reference
 * model); analytics count every fix once and the restarts as new sessions.
 */
const ROLES = ['live-push', 'analytics', 'notifications'] as const;
const REBOOTS = 50;
const STALL_S = 86_400;
const env = {
  LOCATION_PARTITIONS: '6',
  // The trace's fix times run ahead of the broker's (it spans minutes from a past start).
  RECORD_MAX_FUTURE_MS: '86400000',
  // Stalls depend on where chunks end (see duplicates-replay.int.test.ts): out of reach here.
  NOTIFY_STALL_S: String(STALL_S),
};

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    brokers: inject('kafkaBrokers'),
    redisUrl: inject('redisUrl'),
    roles: [...ROLES],
    env,
  });
}, 150_000);
afterAll(() => stack?.stop());

const isAfterReboot = (r: LocationRecord) => r.session === `${r.driverId}.2`;

/** The trace cut where each driver's app restarts: everything before, and the rest. */
function splitAtReboots(trace: LocationRecord[]): [LocationRecord[], LocationRecord[]] {
  const rebooted = new Set<string>();
  const before: LocationRecord[] = [];
  const after: LocationRecord[] = [];
  for (const r of trace) {
    if (isAfterReboot(r)) rebooted.add(r.driverId);
    (rebooted.has(r.driverId) ? after : before).push(r);
  }
  return [before, after];
}

interface Customer extends TrackFollower {
  deliveryId: string;
  /** `seq/ts` of every fix received, in order: a position's carried ones (`trail`) before it. */
  positions: string[];
  statuses: string[];
}

/** A customer on `deliveryId`, once its snapshot arrived. */
async function follow(deliveryId: string): Promise<Customer> {
  const token = signTrackingToken(stack.env.TRACKING_SECRET!, deliveryId, Date.now() + 600_000);
  const positions: string[] = [];
  const statuses: string[] = [];
  const follower = followDelivery(
    stack.baseUrl,
    { deliveryId, token },
    {
      onMessage: (m) => {
        if (m.type === 'position') {
          for (const { ts, seq } of carriedFixes(m)) positions.push(`${seq}/${ts}`);
          positions.push(`${m.seq}/${m.ts}`);
        } else if (m.type === 'status') statuses.push(m.status);
      },
    },
  );
  await follower.snapshot;
  return { ...follower, deliveryId, positions, statuses };
}

/**
 * Updates shown out of order: a live update not above the delivery's order so far (`rev`, so
 * across sessions), a position older than one shown, the same one twice, or not the contract's.
 */
const outOfOrder = ({ order: o }: Customer) =>
  o.outOfOrder + o.regressions + o.repeats + o.malformed;

async function drained(): Promise<void> {
  const brokers = inject('kafkaBrokers');
  const location = `${stack.namespace}delivery-location`;
  for (const role of ROLES)
    await expect
      .poll(() => groupLag(brokers, `${stack.namespace}${role}`, location), {
        timeout: 90_000,
        interval: 500,
      })
      .toBe(0);
}

async function snapshotOf(deliveryId: string): Promise<SnapshotMessage> {
  const t = signTrackingToken(stack.env.TRACKING_SECRET!, deliveryId, Date.now() + 600_000);
  const res = await fetch(`${stack.baseUrl}/api/track/${encodeURIComponent(deliveryId)}?t=${t}`);
  if (res.status !== 200) throw new Error(`snapshot of ${deliveryId}: ${res.status}`);
  return (await res.json()) as SnapshotMessage;
}

interface Tally {
  lost: number;
  duplicated: number;
  mismatches: string[];
}

it(
  `${REBOOTS} driver apps restart mid-delivery: delivered, followed, notified once, counted once`,
  { timeout: 240_000 },
  async () => {
    const brokers = inject('kafkaBrokers');
    const trace = analyticsTrace({
      drivers: 60,
      steps: 150,
      startTs: Date.now() - 600_000,
      seed: 29,
      duplicateRate: 0.02,
      driverPrefix: 'drv-rbt',
      reboots: REBOOTS,
    });
    const [before, after] = splitAtReboots(trace);
    // The delivery each restarted driver was on: the one whose picked_up came last before it.
    const rebootedDelivery = new Map<string, string>();
    for (const r of before)
      if (r.type === 'trip' && r.status === 'picked_up')
        rebootedDelivery.set(r.driverId, r.deliveryId);
    const rebootedDrivers = new Set(after.filter(isAfterReboot).map((r) => r.driverId));
    expect(rebootedDrivers.size).toBe(REBOOTS);
    const deliveries = [...rebootedDrivers].map((d) => rebootedDelivery.get(d)!);

    const topic = `${stack.namespace}delivery-location`;
    await produceRecords(brokers, topic, before);
    await drained();
    // A customer on each of these deliveries, picked up and under way, before the restart.
    const customers = await Promise.all(deliveries.map(follow));
    await produceRecords(brokers, topic, after);
    await drained();

    const tally: Tally = { lost: 0, duplicated: 0, mismatches: [] };
    const mismatch = (m: string) => tally.mismatches.push(m);

    // Live-push: each customer sees the delivery through, post-restart positions once each.
    await Promise.all(
      customers.map((c) =>
        expect
          .poll(() => c.statuses.includes('delivered'), { timeout: 30_000 })
          .toBe(true)
          .catch(() => mismatch(`${c.deliveryId}: no delivered status for the customer`)),
      ),
    );
    for (const c of customers) c.socket.close();
    let positionsChecked = 0;
    for (const c of customers) {
      const ofDelivery = (r: LocationRecord): r is PositionRecord =>
        r.type === 'position' && r.deliveryId === c.deliveryId && isAfterReboot(r);
      const expected = [...new Set(after.filter(ofDelivery).map((r) => `${r.seq}/${r.ts}`))];
      positionsChecked += expected.length;
      const shown = new Map<string, number>();
      for (const p of c.positions) shown.set(p, (shown.get(p) ?? 0) + 1);
      const missing = expected.filter((p) => !shown.has(p)).length;
      const extra = [...shown].reduce((n, [p, k]) => n + (expected.includes(p) ? k - 1 : k), 0);
      tally.lost += missing;
      tally.duplicated += extra;
      if (missing + extra + outOfOrder(c) > 0)
        mismatch(
          `${c.deliveryId}: ${missing} positions missing, ${extra} extra, ${outOfOrder(c)} out of order`,
        );
      const snapshot = await snapshotOf(c.deliveryId);
      const last = after.filter(ofDelivery).at(-1)!;
      if (snapshot.delivery.status !== 'delivered') {
        tally.lost++;
        mismatch(`${c.deliveryId}: snapshot status ${snapshot.delivery.status}`);
      }
      const p = snapshot.position;
      const tail = snapshot.trail.at(-1);
      if (!p || p.seq !== last.seq || p.ts !== last.ts || p.lat !== last.lat || p.lng !== last.lng)
        mismatch(
          `${c.deliveryId}: snapshot position ${JSON.stringify(p)}, not seq ${last.seq} of the new session`,
        );
      if (tail?.seq !== last.seq || tail.ts !== last.ts)
        mismatch(`${c.deliveryId}: trail ends at ${JSON.stringify(tail)}`);
    }

    // Notifications: exactly the reference model's, each once.
    const { decided } = applyPartition(
      trace.map((record, i) => ({ offset: String(i), record })),
      () => undefined,
      [],
      { ...DEFAULT_MILESTONE_SETTINGS, stallS: STALL_S },
    );
    const want = new Map(decided.map((d) => [d.notification.id, d.notification]));
    const got = await readNotificationsById(brokers, `${stack.namespace}delivery-notifications`);
    for (const [id, n] of want) {
      const g = got.get(id);
      if (!g) {
        tally.lost++;
        mismatch(`notification ${id} missing`);
      } else if (JSON.stringify(g.record) !== JSON.stringify(n))
        mismatch(`notification ${id} differs`);
    }
    for (const [id, g] of got) {
      tally.duplicated += g.count - 1 + (want.has(id) ? 0 : 1);
      if (g.count > 1 || !want.has(id)) mismatch(`notification ${id}: ${g.count} on the topic`);
    }
    for (const id of deliveries)
      for (const m of ['picked_up', 'delivered'])
        if (!want.has(`${id}:${m}`)) mismatch(`reference lacks ${id}:${m}`);

    // Analytics: every fix once, by (driver, session, seq), and each restart a new session.
    const res = await fetch(`${stack.baseUrl}/api/analytics/summary`, {
      headers: { Authorization: `Bearer ${stack.opsToken}` },
    });
    const summary = (await res.json()) as AnalyticsSummary;
    const truth = computeGroundTruth(trace);
    const fixes = new Set(
      trace.flatMap((r) => (r.type === 'position' ? [`${r.driverId}/${r.session}/${r.seq}`] : [])),
    ).size;
    expect(truth.fixes).toBe(fixes);
    const counted = {
      fixes,
      tripEvents: truth.tripEvents,
      tripsCompleted: truth.tripsCompleted,
      cancellations: truth.cancellations,
      drivers: truth.drivers,
      duplicatesSkipped: truth.duplicatesSkipped,
      staleSessionSkipped: truth.staleSessionSkipped,
      sessionsStarted: REBOOTS,
    };
    for (const [k, v] of Object.entries(counted)) {
      const delta = summary[k as keyof typeof counted] - v;
      if (k === 'fixes' || k === 'tripEvents') {
        if (delta < 0) tally.lost -= delta;
        if (delta > 0) tally.duplicated += delta;
      }
      if (delta !== 0) mismatch(`analytics ${k}: ${summary[k as keyof typeof counted]} ≠ ${v}`);
    }
    if (Math.abs(summary.distanceKm - truth.distanceM / 1000) > 1e-6)
      mismatch(`analytics distanceKm: ${summary.distanceKm} ≠ ${truth.distanceM / 1000}`);

    recordFault({
      fault: 'driver app restarted mid-delivery (new session, seq from 1)',
      runs: REBOOTS,
      checked: trace.length,
      lost: tally.lost,
      duplicated: tally.duplicated,
      ok: tally.mismatches.length === 0,
      note:
        tally.mismatches[0] ??
        `${REBOOTS} deliveries delivered and followed (${positionsChecked} post-restart positions), ` +
          `${got.size} notifications once each, ${summary.fixes} fixes, ` +
          `${summary.staleSessionSkipped} stale records skipped`,
    });
    console.log(
      `driver reboot: ${trace.length} records, ${REBOOTS} restarts; ${positionsChecked} post-restart ` +
        `positions followed; ${got.size} notifications; analytics ${summary.fixes} fixes, ` +
        `${summary.sessionsStarted} sessions started, ${summary.staleSessionSkipped} stale skipped`,
    );
    expect(tally).toEqual({ lost: 0, duplicated: 0, mismatches: [] });
  },
);
