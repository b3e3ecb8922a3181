import type { LocationRecord } from '@fleetstream/contracts';
import type { AppContext, Stop } from '../context.js';
import {
  DEFAULT_MILESTONE_SETTINGS,
  silentSince,
  type MilestoneSettings,
} from '../domain/milestones.js';
import { applyPartition } from '../domain/milestone-partition.js';
import { createRouteProgress } from '../domain/route-progress.js';
import { AppError } from '../errors.js';
import { startHeartbeat } from '../health.js';
import { COMMIT_PLAINLY, type RecordBatch } from '../infra/kafka-consumer.js';
import { deadLetter } from '../infra/dead-letters.js';
import { readRange, type LogReader } from '../infra/kafka-log-reader.js';
import type { OutgoingRecord } from '@fleetstream/kafka/producer';
import { createNotificationSink } from '../infra/notification-sinks.js';
import type { OutboxEntry } from '../infra/notification-store.js';
import type { PartitionRecord } from '../domain/milestone-partition.js';
import { decodeConsumed } from './decode.js';
import { partitionKey, startGroupMember } from './group-member.js';
import { createNotificationPartitions } from './notification-partitions.js';
import { startSinkDispatcher, type DispatcherStats } from './notification-dispatcher.js';
import { roadNetworkFile } from './road-network-file.js';

export const role = 'notifications';

export const groupId = (ctx: AppContext) => ctx.config.groups.notifications;
export const topics = (ctx: AppContext) => [ctx.config.topics.location];

/**
 * A transaction costs several round trips to the broker (and marker writes on it) whatever its
 * size, so each should carry many records: one covers a whole fetched batch of its partition
 * (at most 1 MiB, about 5,000 fixes), a fetch waits up to a second for 1 MiB so that batches are
 * large even when the group keeps up, and the transactions of different partitions (each with
 * its producer) overlap. Notifications are up to a second later for it; at 5,000 fixes/s going
 * from 250 ms / 512 KiB to this took the group from 20 % to 17 % of a core and Redis from 7 % to
 * 5 % (docs/benchmarks.md).
 */
const TRANSACTION_BATCHING = {
  chunkSize: 5000,
  partitionsConcurrently: 4,
  minBytes: 1024 * 1024,
  maxWaitMs: 1000,
};

/**
 * The notifications group: detects each delivery's milestones and writes every notification to
 * `delivery-notifications` exactly once, then hands it to the sink.
 *
 * Why this mechanism: notifications must appear exactly once on a Kafka topic other services
 * read, so the output and the consumed offsets commit in one Kafka transaction (one
 * transactional producer per input partition, so a new owner fences a zombie). Detection state
 * lives in Redis with the partition's applied offset, written atomically (a compare-and-set on
 * that offset) by every chunk that decides something, before its transaction, and at
 * checkpoints (below); what a chunk decided goes to a Redis outbox first. If the
 * worker dies after the Redis write but before the transaction commits, the records come back
 * from the committed offset, their state is already applied, and each outbox entry is sent in
 * the new transaction that covers its source offset. Entries below it were committed and are
 * dropped. Detection itself is deterministic (device time, seq-ordered), so duplicates, late
 * records and replays after an offset reset change nothing.
 *
 * A chunk that decided nothing (most: milestones are rare) is applied in memory only, and
 * Redis gets the partition's changed states with its next write: one that decided something,
 * the first after the member joined or read the partition, the first past NOTIFY_CHECKPOINT_MS
 * since the last, or one past CHECKPOINT_RECORDS records since. Kafka's committed offset then runs
 * ahead of Redis's applied one, by records that decided nothing. A member that reads a
 * partition from Redis and gets records past that gap reads the gap from the log first and
 * applies it with them (as Kafka Streams restores a store from its changelog): detection is
 * deterministic, so the gap decides nothing again, and the state is the one a member that never
 * stopped would hold. Each delivery's state (about 500 bytes) is then written once a
 * checkpoint, not once a fix.
 *
 * Partitions are handled concurrently: they share no detection state (a delivery is one
 * driver's, a driver's records one partition's; offsets, outbox and watch list are per
 * partition), which is what two instances of the group already rely on.
 */
export async function start(ctx: AppContext): Promise<Stop> {
  const log = ctx.log.child({ role });
  const c = ctx.config.notifications;
  const settings: MilestoneSettings = {
    ...DEFAULT_MILESTONE_SETTINGS,
    nearbyMinutes: c.nearbyMinutes,
    nearbyRadiusM: c.nearbyRadiusM,
    nearbyAfterPickupS: c.nearbyAfterPickupS,
    arrivalRadiusM: c.arrivalRadiusM,
    arrivalDwellS: c.arrivalDwellS,
    stallS: c.stallS,
  };
  const store = ctx.stores.notifications;
  const checkpointMs = c.checkpointMs;
  const txns = ctx.producers.transactional(groupId(ctx));
  const partitions = createNotificationPartitions(store);
  /** Partitions with a committed transaction since the member last joined the group. */
  const transacted = new Set<string>();
  const stats = {
    consumed: 0,
    notified: 0,
    deadLettered: 0,
    replayedOutbox: 0,
    plainCommits: 0,
    /** Records read again from the log to rebuild a partition's state past its last write. */
    reread: 0,
    writes: 0,
  };
  let reader: LogReader | null = null;
  const sinkStats: DispatcherStats = { delivered: 0, parked: 0, redelivered: 0, deadLettered: 0 };

  // "Nearby" is judged on the road distance left, not the straight line.
  const remaining = createRouteProgress(roadNetworkFile(ctx.config.http.cityGeoJson, log));

  const clearOutbox = (topic: string, partition: number, entries: readonly OutboxEntry[]) => {
    if (entries.length === 0) return;
    partitions.cleared(topic, partition, new Set(entries.map((e) => e.notification.id)));
    store
      .clearOutbox(
        topic,
        partition,
        entries.map((e) => e.notification.id),
      )
      .catch((err: unknown) => log.warn({ err, partition }, 'could not clear the outbox'));
  };

  /**
   * The valid records of a partition from `from` up to `to`: those a member applied past the
   * partition's last write to Redis. Invalid ones were dead-lettered when first read.
   */
  const readGap = async (
    topic: string,
    partition: number,
    from: bigint,
    to: bigint,
  ): Promise<PartitionRecord[]> => {
    if (to - from > MAX_GAP_RECORDS) {
      log.warn(
        { partition, from: String(from), to: String(to) },
        'the state in Redis is too far behind the committed offset to rebuild: going on from it',
      );
      return [];
    }
    reader ??= ctx.cluster.logReader();
    const read = await readRange(reader, topic, partition, from, to);
    if (read.length === 0 || read[0]!.offset > from)
      log.warn(
        { partition, from: String(from), first: read.length ? String(read[0]!.offset) : null },
        'retention deleted records past the state in Redis: going on without their changes',
      );
    const out: PartitionRecord[] = [];
    for (const r of read) {
      const d = decodeConsumed(ctx, {
        topic,
        partition,
        offset: String(r.offset),
        key: null,
        value: r.value,
        timestamp: r.timestamp,
      });
      if (d.ok) out.push({ offset: String(r.offset), record: d.value });
    }
    stats.reread += read.length;
    log.info(
      { partition, from: String(from), to: String(to), records: read.length },
      'read the records past the last write of the state again',
    );
    return out;
  };

  // Whatever fails in a chunk, the partition is read again from Redis for the next try.
  const handleBatch = async (batch: RecordBatch) => {
    try {
      return await handleChunk(batch);
    } catch (err) {
      partitions.drop(batch.topic, batch.partition);
      throw err;
    }
  };

  const handleChunk = async (batch: RecordBatch) => {
    const { topic, partition, records } = batch;
    const first = BigInt(records[0]!.offset);
    const last = records[records.length - 1]!.offset;
    const stallMs = settings.stallS * 1000;

    // Invalid records are dead-lettered in the same transaction as the offsets: once each.
    const dead: OutgoingRecord[] = [];
    let valid: PartitionRecord[] = [];
    for (const r of records) {
      const d = decodeConsumed(ctx, r);
      if (!d.ok) dead.push(deadLetter(r, d.error, groupId(ctx)));
      else valid.push({ offset: r.offset, record: d.value });
    }
    // Read as if every record were new (the usual case): one round trip for everything.
    // Deliveries silent by the newest time stamp of the chunk are read with it; for a redelivered
    // chunk that is more than the fresh records need, which does no harm.
    const request = () => {
      const streamTime = maxTs(valid);
      return {
        topic,
        partition,
        deliveryIds: [
          ...new Set(valid.flatMap((f) => (f.record.deliveryId ? [f.record.deliveryId] : []))),
        ],
        silentBefore: streamTime > 0 ? streamTime - stallMs : null,
      };
    };
    let start = await partitions.load(request());
    // Redis's state ends before this chunk: the records between were applied by a member that
    // did not write them (they decided nothing). Applied again with the chunk, they decide
    // nothing again and bring the state to where that member left it.
    const written = BigInt(start.applied);
    if (start.restored && written >= 0n && first > written + 1n) {
      const gap = await readGap(topic, partition, written + 1n, first);
      if (gap.length > 0) {
        valid = [...gap, ...valid];
        start = await partitions.load(request());
      }
    }
    const { applied, states } = start;
    const appliedOffset = BigInt(applied);
    const fresh = valid.filter((f) => BigInt(f.offset) > appliedOffset);

    let outbox = start.outbox;
    if (BigInt(last) > appliedOffset) {
      const { changed, decided } = applyPartition(
        fresh,
        (id) => states.get(id),
        start.silent.values(),
        settings,
        remaining,
      );
      // The deliveries that can still fall silent, by their last fix; the others leave the set.
      const watch = new Map([...changed.values()].map((d) => [d.deliveryId, silentSince(d)]));
      // What the gap decides was decided, and sent, before: were Redis's state rolled back
      // (a replica behind its primary took over) or the offsets moved on by hand, the gap would
      // hold records that decided something. Those go to the outbox below the chunk's first
      // offset, where they count as sent and are cleared.
      const again = decided.filter((d) => BigInt(d.sourceOffset) < first);
      if (again.length > 0)
        log.warn(
          { partition, notifications: again.map((d) => d.notification.id) },
          'records read again past the state in Redis decided notifications: not sent again',
        );
      const unwritten = partitions.unwritten(topic, partition);
      const due =
        decided.length > 0 ||
        !unwritten ||
        !transacted.has(partitionKey(topic, partition)) ||
        BigInt(last) - BigInt(unwritten.written) >= CHECKPOINT_RECORDS ||
        Date.now() - partitions.writtenAt(topic, partition) >= checkpointMs;
      if (!due) {
        partitions.advanced(topic, partition, { applied: last, states: changed.values(), watch });
      } else {
        // What earlier chunks left unwritten goes too, the chunk's own changes over it.
        const states = [...new Map([...(unwritten?.states ?? []), ...changed]).values()];
        const watched = new Map([...(unwritten?.watch ?? []), ...watch]);
        const after = await store.commitChunk({
          topic,
          partition,
          expectedApplied: unwritten?.written ?? applied,
          newApplied: last,
          states,
          outbox: decided,
          watch: watched,
        });
        if (after)
          partitions.committed(topic, partition, {
            applied: last,
            states,
            watch: watched,
            outbox: after,
          });
        else
          throw new AppError(
            'KAFKA_FATAL',
            `partition ${partition} state moved under us (another worker?)`,
            { retriable: true },
          );
        stats.writes++;
        outbox = after;
      }
    }

    // Each entry goes out with the transaction that commits its source record's offset: those
    // below this chunk went with an earlier one; those beyond this chunk (a redelivered chunk
    // smaller than the one that decided them) wait for the chunk that holds them, or a kill
    // between this commit and the clear would send them twice.
    const end = BigInt(last);
    const inChunk = (e: OutboxEntry) => BigInt(e.sourceOffset) <= end;
    const toSend = outbox.filter((e) => inChunk(e) && BigInt(e.sourceOffset) >= first);
    stats.replayedOutbox += toSend.filter((e) => BigInt(e.sourceOffset) <= appliedOffset).length;
    // A chunk that decided nothing to send and has nothing to dead-letter needs no
    // transaction: its offsets are committed plainly (most chunks: milestones are rare). Not
    // the first chunk of a partition since the member joined: that one's transaction starts
    // the partition's transactional producer, which fences a member that owned it before (a
    // zombie whose decided notifications would otherwise still go out beside ours).
    const fenced = transacted.has(partitionKey(topic, partition));
    if (fenced && toSend.length === 0 && dead.length === 0) {
      // Entries of the chunk left from an earlier commit (whose clear was lost) go all the same.
      clearOutbox(topic, partition, outbox.filter(inChunk));
      stats.consumed += records.length;
      stats.plainCommits++;
      return COMMIT_PLAINLY;
    }
    await txns.write({
      records: [
        {
          topic: ctx.config.topics.notifications,
          records: toSend.map((e) => ({
            key: e.notification.deliveryId,
            value: JSON.stringify(e.notification),
          })),
        },
        { topic: ctx.config.topics.locationDlq, records: dead },
      ],
      offsets: { groupId: groupId(ctx), topic, partition, offset: String(BigInt(last) + 1n) },
    });
    transacted.add(partitionKey(topic, partition));
    if (toSend.length > 0)
      log.debug(
        {
          partition,
          first: String(first),
          last,
          applied,
          sent: toSend.map((e) => e.notification.id),
        },
        'committed notifications',
      );
    // Not awaited: a lost clear only leaves entries below the committed offset, which the next
    // chunk drops and clears again; the next chunk's reads queue behind it on the connection.
    clearOutbox(topic, partition, outbox.filter(inChunk));
    stats.consumed += records.length;
    stats.notified += toSend.length;
    stats.deadLettered += dead.length;
  };

  const member = await startGroupMember(ctx, {
    groupId: groupId(ctx),
    topics: topics(ctx),
    commit: 'transaction',
    handleBatch,
    onAssignment: (assignment) => {
      partitions.retain(assignment);
      txns.retain((topic, partition) => assignment.get(topic)?.includes(partition) ?? false);
      transacted.clear();
    },
    ...TRANSACTION_BATCHING,
    log,
  });
  const stopSink = await startSinkDispatcher(ctx, {
    groupId: `${groupId(ctx)}-sink`,
    sink: createNotificationSink(
      ctx.config.notifications.sink,
      ctx.log.child({ component: 'notification-sink' }),
    ),
    stats: sinkStats,
  });
  const stopHeartbeat = startHeartbeat(ctx, role, () => ({
    ready: true,
    detail: {
      ...stats,
      sinkDelivered: sinkStats.delivered,
      sinkParked: sinkStats.parked,
      sinkRedelivered: sinkStats.redelivered,
      sinkDeadLettered: sinkStats.deadLettered,
    },
  }));
  log.info(
    { group: groupId(ctx), sink: ctx.config.notifications.sink.kind },
    'notifications started',
  );
  return async () => {
    await stopHeartbeat();
    await stopSink();
    await member.stop();
    await txns.stop();
    await reader?.close();
  };
}

/**
 * A partition is written at least every this many records, whatever the time (a member
 * catching up applies that many in a few seconds), so a gap to read again stays a few seconds'
 * work: a chunk reads its gap between two heartbeats.
 */
const CHECKPOINT_RECORDS = 100_000n;
/**
 * The most records read again to rebuild a partition's state. A larger gap is no member's
 * unwritten chunks (those stay under CHECKPOINT_RECORDS plus a chunk) but offsets moved by hand
 * past records never applied: the state goes on from what Redis has, as it always did.
 */
const MAX_GAP_RECORDS = 200_000n;

/** The newest device time among these records, 0 when none. */
function maxTs(records: readonly { record: LocationRecord }[]): number {
  let t = 0;
  for (const { record } of records) t = Math.max(t, record.ts);
  return t;
}
