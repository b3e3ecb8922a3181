import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { encodeLocationRecord, type LocationRecord } from '@fleetstream/contracts';
import { computeGroundTruth } from '@fleetstream/backend/domain/analytics';
import { createKafka } from '@fleetstream/kafka/client';
import { startProducer } from '@fleetstream/kafka/producer';
import { analyticsTrace } from '@fleetstream/backend/testing/analytics-trace';
import { testLogger } from '@fleetstream/backend/testing/fixtures';
import { recordFault } from '@fleetstream/backend/testing/reliability-ledger';
import { groupLag } from '@fleetstream/testkit/kafka-readback';
import { startTestStack, type TestStack } from '@fleetstream/testkit/stack';
import { compare, readOutputs, total, type Outputs } from './stack-outputs.js';

/**
 * Reliability (issue #9, item 5): the same fleet trace goes once to stack A and with every
 * record produced twice to stack B. B's outputs — analytics totals, the notifications topic,
 * each delivery's live state — must equal A's single pass. Then each of B's groups is stopped,
 * its offsets reset to earliest and the worker restarted: the whole topic is read again, and the
 * outputs must still equal the single pass (nothing applied twice, no notification re-emitted).
 */
const ROLES = ['live-push', 'analytics', 'notifications'] as const;
const env = {
  LOCATION_PARTITIONS: '6',
  // The trace's fix times run ahead of the broker's (it spans minutes from a past start).
  RECORD_MAX_FUTURE_MS: '86400000',
  // A courier is judged stalled against the partition's clock (other drivers' fixes), read once
  // per chunk: at the end of a stream, whether a last chunk comes after the courier's last fix
  // decides a "delayed", so it depends on where chunks end. Out of reach here, so the comparison
  // is about duplicates and replays only.
  NOTIFY_STALL_S: '86400',
};
let single: TestStack;
let doubled: TestStack;

beforeAll(async () => {
  const options = { brokers: inject('kafkaBrokers'), redisUrl: inject('redisUrl'), env };
  [single, doubled] = await Promise.all([
    startTestStack({ ...options, roles: [...ROLES] }),
    startTestStack({ ...options, roles: [...ROLES] }),
  ]);
}, 150_000);
afterAll(() => Promise.all([single?.stop(), doubled?.stop()]));

/** Every record twice, the second copy at once, a few records later, or after newer ones. */
function everyRecordTwice(trace: LocationRecord[], drivers: number): LocationRecord[] {
  const out: LocationRecord[] = [];
  const later: { at: number; record: LocationRecord }[] = [];
  trace.forEach((r, i) => {
    out.push(r);
    if (i % 3 === 0) out.push(r);
    // 2 × drivers + 1 records later, the driver has sent two newer records in between.
    else later.push({ at: i + (i % 3 === 1 ? 5 : 2 * drivers + 1), record: r });
    for (let j = 0; j < later.length;)
      if (later[j]!.at <= i) out.push(later.splice(j, 1)[0]!.record);
      else j++;
  });
  for (const l of later) out.push(l.record);
  return out;
}

async function drained(stack: TestStack): Promise<void> {
  const brokers = inject('kafkaBrokers');
  const location = `${stack.namespace}delivery-location`;
  const notifications = `${stack.namespace}delivery-notifications`;
  const lags = [
    ...ROLES.map((role) => [`${stack.namespace}${role}`, location] as const),
    [`${stack.namespace}live-push`, notifications] as const,
  ];
  for (const [group, topic] of lags)
    await expect
      .poll(() => groupLag(brokers, group, topic), { timeout: 90_000, interval: 500 })
      .toBe(0);
}

const note = (o: Outputs, deliveries: number) =>
  `${o.summary.fixes} fixes, ${o.notifications.size} notifications, ${deliveries} deliveries`;

it(
  'every record produced twice, then every group reset to earliest: outputs equal a single pass',
  { timeout: 240_000 },
  async () => {
    const brokers = inject('kafkaBrokers');
    const drivers = 40;
    const trace = analyticsTrace({
      drivers,
      steps: 150,
      startTs: Date.now() - 600_000,
      seed: 23,
      duplicateRate: 0,
      driverPrefix: 'drv-dup',
    });
    const twice = everyRecordTwice(trace, drivers);
    expect(twice).toHaveLength(2 * trace.length);
    const kafka = createKafka({
      brokers: brokers.split(','),
      clientId: 'dup-e2e',
      log: testLogger(),
    });
    const producer = await startProducer(kafka);
    const produce = async (stack: TestStack, records: LocationRecord[]) => {
      for (let i = 0; i < records.length; i += 1000)
        await producer.send(
          `${stack.namespace}delivery-location`,
          records
            .slice(i, i + 1000)
            .map((r) => ({ key: r.driverId, value: encodeLocationRecord(r) })),
        );
    };
    await Promise.all([produce(single, trace), produce(doubled, twice)]);
    await producer.stop();
    await Promise.all([drained(single), drained(doubled)]);

    const deliveryIds = [...new Set(trace.flatMap((r) => (r.deliveryId ? [r.deliveryId] : [])))];
    const want = await readOutputs(single, deliveryIds);
    // The single pass itself is right: analytics equal the reference model, and every kind of
    // milestone a trace like this reaches was notified.
    const truth = computeGroundTruth(trace);
    expect(want.summary).toMatchObject({
      fixes: truth.fixes,
      tripEvents: truth.tripEvents,
      tripsCompleted: truth.tripsCompleted,
      duplicatesSkipped: 0,
    });
    const kinds = new Set([...want.notifications.values()].map((n) => n.record.milestone));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['delivered', 'picked_up']));

    const got = await readOutputs(doubled, deliveryIds);
    const dup = total(compare(want, got));
    recordFault({
      fault: 'every record produced twice',
      runs: 1,
      checked: twice.length,
      lost: dup.lost,
      duplicated: dup.duplicated,
      ok: dup.mismatches.length === 0 && got.summary.duplicatesSkipped === trace.length,
      note: dup.mismatches[0] ?? note(got, deliveryIds.length),
    });
    expect(dup.mismatches).toEqual([]);
    expect(got.summary.duplicatesSkipped).toBe(trace.length);

    // Each group of B: stop its worker, reset its offsets to earliest, restart it, drain.
    const admin = kafka.admin();
    await admin.connect();
    const topicsOf = (role: (typeof ROLES)[number]) => [
      `${doubled.namespace}delivery-location`,
      ...(role === 'live-push' ? [`${doubled.namespace}delivery-notifications`] : []),
    ];
    await Promise.all(ROLES.map((role) => doubled.process(role).stop()));
    const replayed = new Map<string, number>();
    for (const role of ROLES) {
      const groupId = `${doubled.namespace}${role}`;
      // resetOffsets needs a group without members: the stopped worker left it.
      await expect
        .poll(async () => (await admin.describeGroups([groupId])).groups[0]?.state, {
          timeout: 30_000,
        })
        .toBe('Empty');
      for (const topic of topicsOf(role)) {
        await admin.resetOffsets({ groupId, topic, earliest: true });
        replayed.set(role, (replayed.get(role) ?? 0) + (await groupLag(brokers, groupId, topic)));
      }
    }
    // Every group is back at the start of everything it reads (the notifications topic's offsets
    // count its transaction markers too).
    const notified = [...got.notifications.values()].reduce((n, x) => n + x.count, 0);
    expect(replayed.get('analytics')).toBe(twice.length);
    expect(replayed.get('notifications')).toBe(twice.length);
    expect(replayed.get('live-push')).toBeGreaterThan(twice.length + notified);
    replayed.set('live-push', twice.length + notified);
    const before = got.summary.replaysSkipped;
    for (const role of ROLES) doubled.spawn(`${role}-replay`, 'backend/src/main.ts', [role]);
    await drained(doubled);
    await admin.disconnect();

    const after = await readOutputs(doubled, deliveryIds);
    const reset = compare(want, after);
    const replays = after.summary.replaysSkipped - before;
    for (const role of ROLES) {
      const d = reset[role];
      recordFault({
        fault: `offsets reset to earliest (${role})`,
        runs: 1,
        checked: replayed.get(role)!,
        lost: d.lost,
        duplicated: d.duplicated,
        // Analytics really read the topic again: every record came back as a replay.
        ok: d.mismatches.length === 0 && (role !== 'analytics' || replays === twice.length),
        note:
          d.mismatches[0] ??
          {
            analytics: `${replays} records replayed and skipped; totals unchanged`,
            notifications: `${after.notifications.size} notifications on the topic, none re-emitted`,
            'live-push': `live state of ${deliveryIds.length} deliveries unchanged`,
          }[role],
      });
    }
    console.log(
      `duplicates + replay: ${trace.length} records once vs ${twice.length} twice; ` +
        `${note(after, deliveryIds.length)}; replays skipped by analytics ${replays}`,
    );
    expect(total(reset)).toEqual({ lost: 0, duplicated: 0, mismatches: [] });
    expect(replays).toBe(twice.length);
  },
);
