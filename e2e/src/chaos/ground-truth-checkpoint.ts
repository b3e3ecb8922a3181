import { expect } from 'vitest';
import { AnalyticsSummarySchema, SnapshotMessageSchema } from '@fleetstream/contracts';
import { computeGroundTruth } from '@fleetstream/backend/domain/analytics';
import { DEFAULT_MILESTONE_SETTINGS } from '@fleetstream/backend/domain/milestones';
import { signTrackingToken } from '@fleetstream/backend/domain/tracking-token';
import type { FaultRow } from '@fleetstream/backend/testing/reliability-ledger';
import {
  analyticsDifferences,
  compareAckedToStored,
  expectedNotificationIds,
  latestPositionSeqs,
  readLocationTopic,
  readNotifications,
  type AckedRecord,
} from '@fleetstream/testkit/ground-truth';
import { groupLag } from '@fleetstream/testkit/kafka-readback';
import { since, type ChaosStack } from './chaos-stack.js';
import type { Customers } from './customers.js';

export interface CheckpointOptions {
  chaos: ChaosStack;
  /** The location topic. */
  topic: string;
  groups: readonly string[];
  /** NOTIFY_STALL_S of the notifications role, for the replay of its detection. */
  stallS: number;
  /** What the simulator was told is stored so far. */
  acked: () => AckedRecord[];
  customers: Customers;
  /** Pauses (true) or resumes (false) the producers while the groups drain. */
  pauseProducers: (paused: boolean) => void;
  /** Each checkpoint's figures go here under its label. */
  figures: Record<string, unknown>;
}

/** The analytics totals that must equal a recount of the topic. */
const TOTALS = ['fixes', 'tripEvents', 'tripsCompleted', 'cancellations', 'drivers'] as const;

/**
 * The ground-truth check run after each fault: pauses the producers, lets every group drain, and
 * checks everything produced so far:
 * - Kafka: every record the simulator was told is stored is on the topic once, seqs in order;
 * - analytics: the totals equal a recount of the topic;
 * - notifications: the topic holds exactly the notifications a replay of the topic detects;
 * - live-push: each delivery's latest position is its highest-seq position on the topic, and
 *   the customers never saw a position twice or going back.
 * Each call credits the fault with the records stored since the previous one.
 */
export function groundTruthCheckpoints(o: CheckpointOptions) {
  const { chaos, topic, groups } = o;
  const ns = chaos.stack.namespace;
  let checkedBefore = 0;

  return async function checkpoint(label: string) {
    o.pauseProducers(true);
    try {
      const tDrain = Date.now();
      await expect
        .poll(() => Promise.all(groups.map((g) => groupLag(chaos.brokers, `${ns}${g}`, topic))), {
          timeout: 150_000,
          interval: 500,
        })
        .toEqual(groups.map(() => 0));
      const drainS = since(tDrain);

      const { records, stored, partitions } = await readLocationTopic(chaos.brokers, topic);
      const kafka = compareAckedToStored(o.acked(), stored);

      const truth = computeGroundTruth(records);
      const summary = AnalyticsSummarySchema.parse(await chaos.getJson('/api/analytics/summary'));
      const analytics = {
        fixes: summary.fixes - truth.fixes,
        tripEvents: summary.tripEvents - truth.tripEvents,
        distanceM: Math.abs(summary.distanceKm * 1000 - truth.distanceM),
        exact: analyticsDifferences(summary, truth, TOTALS).length === 0,
      };

      const expected = expectedNotificationIds(partitions, {
        ...DEFAULT_MILESTONE_SETTINGS,
        stallS: o.stallS,
      }).ids;
      const onTopic = new Map<string, number>();
      for (const n of await readNotifications(chaos.brokers, `${ns}delivery-notifications`))
        onTopic.set(n.id, (onTopic.get(n.id) ?? 0) + 1);
      const notifications = {
        expected: expected.size,
        missing: [...expected].filter((id) => !onTopic.has(id)).length,
        unexpected: [...onTopic.keys()].filter((id) => !expected.has(id)).length,
        duplicated: [...onTopic.values()].reduce((s, c) => s + c - 1, 0),
      };

      const livePush = {
        ...(await latestShown(chaos, latestPositionSeqs(records))),
        customerPositions: o.customers.positions,
        customerRegressions: o.customers.regressions,
        customerRepeats: o.customers.repeats,
        customerMalformed: o.customers.malformed,
      };

      const newRecords = kafka.stored - checkedBefore;
      checkedBefore = kafka.stored;
      const result = {
        label,
        drainS,
        kafka: { ...kafka, lost: kafka.lost.length },
        analytics,
        notifications,
        livePush,
      };
      o.figures[label] = result;
      console.log(`chaos checkpoint ${label}: ${JSON.stringify(result)}`);
      return {
        newRecords,
        kafka,
        analytics,
        notifications,
        livePush,
        /** The row for the Kafka-level fault: the topic against the acknowledgements. */
        kafkaRow: (fault: string, runs: number, note: string): FaultRow => ({
          fault,
          runs,
          checked: newRecords,
          lost: kafka.lost.length,
          duplicated: kafka.duplicates,
          ok:
            kafka.outOfOrder === 0 &&
            analytics.exact &&
            notifications.missing + notifications.unexpected + notifications.duplicated === 0 &&
            livePush.behind +
              livePush.ahead +
              livePush.customerRegressions +
              livePush.customerRepeats +
              livePush.customerMalformed ===
              0,
          note,
        }),
      };
    } finally {
      o.pauseProducers(false);
    }
  };
}

export type Checkpoint = Awaited<ReturnType<ReturnType<typeof groundTruthCheckpoints>>>;

/** Every invariant of a checkpoint, asserted after its ledger rows were written. */
export function expectConsistent(c: Checkpoint): void {
  expect(c.kafka.lost.slice(0, 10)).toEqual([]);
  expect(c.kafka.duplicateSamples).toEqual([]);
  expect(c.kafka).toMatchObject({ duplicates: 0, outOfOrder: 0, splitDrivers: 0 });
  expect(c.analytics).toMatchObject({ fixes: 0, tripEvents: 0, exact: true });
  expect(c.notifications).toMatchObject({ missing: 0, unexpected: 0, duplicated: 0 });
  expect(c.livePush).toMatchObject({
    behind: 0,
    ahead: 0,
    customerRegressions: 0,
    customerRepeats: 0,
    customerMalformed: 0,
  });
}

/** How many deliveries' snapshots are behind or ahead of their newest position on the topic. */
async function latestShown(chaos: ChaosStack, latest: Map<string, number>) {
  let behind = 0;
  let ahead = 0;
  const secret = chaos.stack.env.TRACKING_SECRET!;
  const ids = [...latest.keys()];
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(
      ids.slice(i, i + 50).map(async (id) => {
        const token = signTrackingToken(secret, id, Date.now() + 3_600_000);
        const body = await chaos.getJson(`/api/track/${encodeURIComponent(id)}?t=${token}`, {
          token,
        });
        const seq = body ? (SnapshotMessageSchema.parse(body).position?.seq ?? -1) : -1;
        if (seq < latest.get(id)!) behind++;
        if (seq > latest.get(id)!) ahead++;
      }),
    );
  }
  return { deliveries: ids.length, behind, ahead };
}
