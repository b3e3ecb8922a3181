import {
  NotificationRecordSchema,
  type LocationRecord,
  type PositionRecord,
} from '@fleetstream/contracts';
import type { AppContext, Stop } from '../context.js';
import { startHeartbeat } from '../health.js';
import { decodeConsumed } from './decode.js';
import { startGroupMember } from './group-member.js';
import { createLivePartitions } from './live-partitions.js';
import { createLiveRoutes } from './live-routes.js';
import type { DeliveryUpdate } from '../infra/delivery-store.js';
import { type RecordBatch } from '../infra/kafka-consumer.js';
import { deadLetter } from '../infra/dead-letters.js';
import type { OutgoingRecord } from '@fleetstream/kafka/producer';

export const role = 'live-push';
/**
 * Partitions a worker handles at once (see startGroupMember): all of a fetch's, both topics'
 * 12 by default, so that their chunks' writes meet in one event-loop turn and go to Redis as one
 * script call (infra/live-chunk.ts).
 */
const PARTITIONS_CONCURRENTLY = 24;
export const groupId = (ctx: AppContext) => ctx.config.groups.livePush;
/** Positions and trips, and the notifications group's output, which it forwards to customers. */
export const topics = (ctx: AppContext) => [
  ctx.config.topics.location,
  ctx.config.topics.notifications,
];

export interface LivePushStats {
  consumed: number;
  positions: number;
  trips: number;
  deadLettered: number;
  /**
   * Updates not newer than their delivery's last one by (session, seq): producer retries,
   * records of a superseded session (redelivered chunks count as replays).
   */
  outOfOrder: number;
  /** Driver app restarts seen: first records of a session that superseded another. */
  newSessions: number;
  /** Records of chunks redelivered after a crash or rebalance, skipped by offset. */
  replays: number;
  /** Updates applied to Redis and published to gateways. */
  published: number;
  /** Notifications forwarded to customers. */
  notifications: number;
}

/**
 * The live-push consumer group: each delivery's latest position, trail and status go to Redis
 * and out on the delivery's pub/sub channel, so a customer on any gateway instance gets them,
 * whichever instance consumes the driver's partition.
 */
export async function start(ctx: AppContext): Promise<Stop> {
  const log = ctx.log.child({ role });
  const stats: LivePushStats = {
    consumed: 0,
    positions: 0,
    trips: 0,
    deadLettered: 0,
    outOfOrder: 0,
    newSessions: 0,
    replays: 0,
    published: 0,
    notifications: 0,
  };
  const store = ctx.stores.deliveries;
  const partitions = createLivePartitions(store, log);
  const routes = createLiveRoutes({ cityGeoJson: ctx.config.http.cityGeoJson, log });
  const dlq = await ctx.producers.start();
  let joined = false;

  /** The update a record makes, with its planned route or ETA; null when it has no delivery. */
  const toUpdate = (record: LocationRecord): DeliveryUpdate | null => {
    if (record.type === 'position') stats.positions++;
    else stats.trips++;
    if (record.type === 'trip') return { type: 'trip', trip: record, route: routes.plan(record) };
    if (record.deliveryId === null) return null;
    // Not copied: only deliveryId's type is narrowed.
    const position = record as PositionRecord & { deliveryId: string };
    return { type: 'position', position, eta: routes.eta(position) };
  };

  /**
   * delivery-notifications is transactional: the batch consumer passes committed records only
   * (@fleetstream/kafka/read-committed). A notification is still applied once per id, not once per
   * record, because a record is consumed again after a crash before its offset was committed.
   */
  const forwardNotifications = async (batch: RecordBatch) => {
    const writes = batch.records.flatMap((r) => {
      const parsed = NotificationRecordSchema.safeParse(safeJson(r.value));
      if (!parsed.success) {
        log.warn(
          { offset: r.offset, partition: r.partition },
          'skipping an invalid notification record',
        );
        return [];
      }
      return [store.applyNotification(parsed.data)];
    });
    stats.notifications += (await Promise.all(writes)).filter(Boolean).length;
  };

  const handleBatch = async (batch: RecordBatch) => {
    if (batch.topic === ctx.config.topics.notifications) return forwardNotifications(batch);
    const last = batch.records[batch.records.length - 1];
    if (!last) return;
    const invalid: OutgoingRecord[] = [];
    const now = Date.now();
    const records: LocationRecord[] = [];
    const recordOffsets: number[] = [];
    for (const r of batch.records) {
      const decoded = decodeConsumed(ctx, r);
      if (decoded.ok) {
        records.push(decoded.value);
        recordOffsets.push(Number(r.offset));
      } else invalid.push(deadLetter(r, decoded.error, groupId(ctx)));
    }
    // Routes planned by another worker (before a rebalance or restart) are picked up from Redis.
    const ids = new Set<string>();
    for (const r of records) if (r.type === 'position' && r.deliveryId) ids.add(r.deliveryId);
    const unknown = routes.missing([...ids]);
    if (unknown.length > 0) {
      const stored = await store.routes(unknown);
      unknown.forEach((id, i) => routes.adopt(id, stored[i] ?? null, 'picked_up'));
    }
    const updates: DeliveryUpdate[] = [];
    const offsets: number[] = [];
    for (let i = 0; i < records.length; i++) {
      const update = toUpdate(records[i]!);
      if (update) {
        updates.push(update);
        offsets.push(recordOffsets[i]!);
      }
    }
    // Dead letters are written before the chunk's offset is stored as applied: none is lost
    // (a redelivered chunk may send one again; the dead-letter topic is at-least-once).
    await dlq.send(ctx.config.topics.locationDlq, invalid);
    // The chunk's changes and messages in one compare-and-set write, in partition order.
    const result = await partitions.apply(
      batch.topic,
      batch.partition,
      { updates, offsets },
      Number(last.offset),
      now,
    );
    stats.consumed += batch.records.length;
    stats.deadLettered += invalid.length;
    const published = result.applied.filter(Boolean).length;
    stats.replays += result.replays;
    stats.published += published;
    stats.outOfOrder += updates.length - result.replays - published;
    stats.newSessions += result.newSessions;
  };

  const member = await startGroupMember(ctx, {
    groupId: groupId(ctx),
    topics: topics(ctx),
    handleBatch,
    // A partition's chunks stay in order; different partitions hold different drivers, so their
    // deliveries' updates need no order between them (each is seq-checked in Redis anyway), and
    // one partition's decoding overlaps another's script call.
    partitionsConcurrently: PARTITIONS_CONCURRENTLY,
    // A partition's chunk is one compare-and-set write, so on a backlog larger chunks mean
    // fewer writes of each delivery, its trail points added in one RPUSH. A fetch brings up to
    // 2 MiB of a partition (about 7,000 records; kafkajs's default of 1 MiB brought about
    // 3,500) and a chunk holds up to 8,000: against 1 MiB and 2,000, the consume rate on a
    // 600,000-record backlog went from 58k to 72k records/s and live-push's Redis from 3.9 to
    // 2.5 µs a record, for a peak RSS of about 520 MB instead of 385 (docs/benchmarks.md,
    // 2026-12-07 eleventh session). Live, a fetch holds a few records a partition, so neither
    // changes anything there.
    chunkSize: 8000,
    maxBytesPerPartition: 2 * 1024 * 1024,
    // Both topics' 24 partitions could bring 48 MiB; half of that is plenty for a fetch.
    maxBytes: 24 * 1024 * 1024,
    onAssignment: (assignment) => partitions.retain(assignment),
    // Customers wait for these: a fetch waits 20 ms at most for a fuller batch by default (a
    // fiftieth of the other groups' wait), about 50 fetches a second. Each fetch costs live-push
    // and the broker a whole cycle, so the wait sets what a small fleet costs: at 1,000 fixes/s
    // 20 ms instead of 10 took the pipeline from 558-608 to 440-497 µs a fix, for S1's p99 at
    // 31-35 ms instead of 20-27 (its target is 50; docs/benchmarks.md, 2026-12-07 seventh
    // session). LIVE_PUSH_FETCH_WAIT_MS trades one for the other. When a fetch brings nothing,
    // the next waits up to LIVE_PUSH_IDLE_FETCH_WAIT_MS for any record instead: answered the
    // moment one arrives, so no fix waits longer, and an idle fleet costs a few fetches a
    // second, not fifty.
    maxWaitMs: ctx.config.kafka.livePushFetchWaitMs,
    idleWaitMs: ctx.config.kafka.livePushIdleFetchWaitMs,
    log,
  });
  joined = true;
  const stopHeartbeat = startHeartbeat(ctx, role, () => ({
    ready: joined,
    detail: { ...stats, deliveries: partitions.deliveries },
  }));
  const summary = setInterval(
    () => log.info({ ...stats, deliveries: partitions.deliveries }, 'live-push progress'),
    30_000,
  );
  log.info({ group: groupId(ctx), topics: topics(ctx) }, 'live-push started');

  return async () => {
    clearInterval(summary);
    await stopHeartbeat();
    await member.stop();
    await dlq.stop();
  };
}

function safeJson(value: Buffer | null): unknown {
  try {
    return JSON.parse(value?.toString() ?? '');
  } catch {
    return null;
  }
}
