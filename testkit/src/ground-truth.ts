import {
  decodeLocationRecord,
  NotificationRecordSchema,
  type AnalyticsSummary,
  type LocationRecord,
  type NotificationRecord,
} from '@fleetstream/contracts';
import type { AnalyticsTruth } from '@fleetstream/backend/domain/analytics';
import type { MilestoneSettings } from '@fleetstream/backend/domain/milestones';
import {
  applyPartition,
  type PartitionRecord,
} from '@fleetstream/backend/domain/milestone-partition';
import { readTopic } from './kafka-readback.js';

/**
 * Ground truth of the failover test: what the producer was told is stored (the simulator's
 * `--acked-log`) against what a fresh consumer reads back from the topic.
 */

/** One record Kafka acknowledged to the simulator. */
export interface AckedRecord {
  /** When the acknowledgement arrived, epoch ms. */
  at: number;
  driverId: string;
  seq: number;
}

/** One record as read back from the topic, in partition and offset order. */
export interface StoredRecord {
  partition: number;
  /** Where it is stored, when known: tells a retry's copy (near) from a replay's (far). */
  offset?: number;
  driverId: string;
  seq: number;
}

/** Parses the simulator's `--acked-log`: `<ackedAtMs> <driverId> <seq>` per line. */
export function parseAckedLog(text: string): AckedRecord[] {
  const out: AckedRecord[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [at, driverId, seq] = line.split(' ');
    if (!driverId || !Number.isFinite(Number(at)) || !Number.isInteger(Number(seq)))
      throw new Error(`bad acked-log line: ${JSON.stringify(line)}`);
    out.push({ at: Number(at), driverId, seq: Number(seq) });
  }
  return out;
}

export interface LossReport {
  /** Distinct (driver, seq) pairs acknowledged. */
  acked: number;
  /** Records on the topic. */
  stored: number;
  /** Acknowledged but not on the topic: must be empty. */
  lost: { driverId: string; seq: number }[];
  /** Records whose (driver, seq) is on the topic more than once. */
  duplicates: number;
  /** The first few of them, each with where its first copy is: what a failure shows. */
  duplicateSamples: { driverId: string; seq: number; partition: number; offsets: number[] }[];
  /** Records whose seq is below an earlier record of the same driver (reordering). */
  outOfOrder: number;
  /** On the topic but never acknowledged (a send that failed or was in flight at the end). */
  unacknowledged: number;
  /** Drivers found on more than one partition (the key must pin a driver to one). */
  splitDrivers: number;
}

/** Every acknowledged record must be stored; per driver, the stored seqs must only increase. */
export function compareAckedToStored(
  acked: readonly AckedRecord[],
  stored: readonly StoredRecord[],
): LossReport {
  const key = (driverId: string, seq: number) => `${driverId}\u0000${seq}`;
  const onTopic = new Map<string, StoredRecord>();
  const duplicateSamples: LossReport['duplicateSamples'] = [];
  const maxSeq = new Map<string, number>();
  const partitionOf = new Map<string, number>();
  let duplicates = 0;
  let outOfOrder = 0;
  let splitDrivers = 0;
  for (const r of stored) {
    const k = key(r.driverId, r.seq);
    const first = onTopic.get(k);
    if (first) {
      duplicates++;
      if (duplicateSamples.length < 10)
        duplicateSamples.push({
          driverId: r.driverId,
          seq: r.seq,
          partition: r.partition,
          offsets: [first.offset ?? -1, r.offset ?? -1],
        });
    } else if (r.seq < (maxSeq.get(r.driverId) ?? -Infinity)) outOfOrder++;
    if (!first) onTopic.set(k, r);
    maxSeq.set(r.driverId, Math.max(r.seq, maxSeq.get(r.driverId) ?? -Infinity));
    const p = partitionOf.get(r.driverId);
    if (p === undefined) partitionOf.set(r.driverId, r.partition);
    else if (p !== r.partition) splitDrivers++;
  }
  const ackedKeys = new Set<string>();
  const lost: { driverId: string; seq: number }[] = [];
  for (const a of acked) {
    const k = key(a.driverId, a.seq);
    if (ackedKeys.has(k)) continue;
    ackedKeys.add(k);
    if (!onTopic.has(k)) lost.push({ driverId: a.driverId, seq: a.seq });
  }
  let unacknowledged = 0;
  for (const k of onTopic.keys()) if (!ackedKeys.has(k)) unacknowledged++;
  return {
    acked: ackedKeys.size,
    stored: stored.length,
    lost,
    duplicates,
    duplicateSamples,
    outOfOrder,
    unacknowledged,
    splitDrivers,
  };
}

/**
 * The longest time without any acknowledgement inside [from, to], edges included: how long
 * producers were stalled around a fault.
 */
export function longestAckGap(
  acked: readonly AckedRecord[],
  from: number,
  to: number,
): { ms: number; start: number; end: number } {
  const times = [...new Set(acked.map((a) => a.at).filter((t) => t >= from && t <= to))].sort(
    (a, b) => a - b,
  );
  let best = { ms: 0, start: from, end: from };
  let prev = from;
  for (const t of [...times, to]) {
    if (t - prev > best.ms) best = { ms: t - prev, start: prev, end: t };
    prev = t;
  }
  return best;
}

/**
 * The notifications the topic must hold: the same pure detection the worker runs
 * ({@link applyPartition}), replayed over each partition's records as stored, all at once where
 * the worker went chunk by chunk. Ids are `<delivery>:<milestone>`.
 */
export function expectedNotificationIds(
  partitions: ReadonlyMap<number, readonly PartitionRecord[]>,
  settings: MilestoneSettings,
): { ids: Set<string>; deliveries: number } {
  const ids = new Set<string>();
  const deliveries = new Set<string>();
  for (const records of partitions.values()) {
    const { changed, decided } = applyPartition(records, () => undefined, [], settings);
    for (const id of changed.keys()) deliveries.add(id);
    for (const d of decided) ids.add(d.notification.id);
  }
  return { ids, deliveries: deliveries.size };
}

/** Per delivery, the highest seq of its position records: what live-push must show as latest. */
export function latestPositionSeqs(records: readonly LocationRecord[]): Map<string, number> {
  const latest = new Map<string, number>();
  for (const r of records)
    if (r.type === 'position' && r.deliveryId)
      latest.set(r.deliveryId, Math.max(r.seq, latest.get(r.deliveryId) ?? -1));
  return latest;
}

/**
 * The location topic as stored, decoded: records for the sinks' checks, their positions, and
 * each partition's records with their offsets.
 */
export async function readLocationTopic(
  brokers: string,
  topic: string,
): Promise<{
  records: LocationRecord[];
  stored: StoredRecord[];
  partitions: Map<number, PartitionRecord[]>;
}> {
  const records: LocationRecord[] = [];
  const stored: StoredRecord[] = [];
  const partitions = new Map<number, PartitionRecord[]>();
  for (const r of await readTopic(brokers, topic, 120_000)) {
    const d = decodeLocationRecord(r.value);
    if (!d.ok) throw new Error(`invalid record at ${r.partition}/${r.offset}: ${d.error}`);
    records.push(d.value);
    stored.push({
      partition: r.partition,
      offset: Number(r.offset),
      driverId: d.value.driverId,
      seq: d.value.seq,
    });
    let list = partitions.get(r.partition);
    if (!list) partitions.set(r.partition, (list = []));
    list.push({ offset: r.offset, record: d.value });
  }
  return { records, stored, partitions };
}

/** The analytics totals a recount of the same records must reproduce exactly. */
export type CountedTotal =
  'fixes' | 'tripEvents' | 'tripsCompleted' | 'cancellations' | 'drivers' | 'duplicatesSkipped';

/**
 * Where GET /api/analytics/summary differs from a recount ({@link computeGroundTruth}) of the
 * records it was computed from: each of `totals`, and the distance (to within 1 m). Empty when
 * the summary is exact.
 */
export function analyticsDifferences(
  summary: AnalyticsSummary,
  truth: AnalyticsTruth,
  totals: readonly CountedTotal[],
): string[] {
  const out = totals
    .filter((k) => summary[k] !== truth[k])
    .map((k) => `${k}: ${summary[k]} ≠ ${truth[k]}`);
  if (Math.abs(summary.distanceKm * 1000 - truth.distanceM) >= 1)
    out.push(`distance: ${summary.distanceKm * 1000} m ≠ ${truth.distanceM} m`);
  return out;
}

/** The notifications topic as stored, in partition and offset order. */
export async function readNotifications(
  brokers: string,
  topic: string,
): Promise<NotificationRecord[]> {
  return (await readTopic(brokers, topic)).map((r) =>
    NotificationRecordSchema.parse(JSON.parse(r.value!.toString())),
  );
}

/** The notifications topic as stored, by id: how many copies it holds, and the last one. */
export async function readNotificationsById(
  brokers: string,
  topic: string,
): Promise<Map<string, { count: number; record: NotificationRecord }>> {
  const byId = new Map<string, { count: number; record: NotificationRecord }>();
  for (const n of await readNotifications(brokers, topic))
    byId.set(n.id, { count: (byId.get(n.id)?.count ?? 0) + 1, record: n });
  return byId;
}
