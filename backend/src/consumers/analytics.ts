import type { AppContext, Stop } from '../context.js';
import { startHeartbeat } from '../health.js';
import type { OffsetRecord } from '../infra/analytics-store.js';
import { type RecordBatch } from '../infra/kafka-consumer.js';
import { deadLetter } from '../infra/dead-letters.js';
import type { OutgoingRecord } from '@fleetstream/kafka/producer';
import { decodeConsumed } from './decode.js';
import { startGroupMember } from './group-member.js';

export const role = 'analytics';
export const groupId = (ctx: AppContext) => ctx.config.groups.analytics;
export const topics = (ctx: AppContext) => [ctx.config.topics.location];

/**
 * Each chunk costs one script call whose work grows with the aggregates it touches, not with its
 * records (a chunk's counts are summed in TypeScript first), so chunks should be large: a fetch
 * waits up to a second for 1 MiB (about 4,500 fixes) and a partition's whole batch is one chunk.
 * Aggregates are then up to a second behind the log, which a dashboard refreshed every few
 * seconds does not show. At 5,000 fixes/s this took analytics from 25 % to 14 % of a core and
 * its Redis from 10 % to 5 % (it had waited 500 ms for 64 KiB: chunks of about 20 records).
 */
const AGGREGATE_BATCHING = {
  chunkSize: 5000,
  minBytes: 1024 * 1024,
  maxWaitMs: 1000,
};

export interface AnalyticsStats {
  consumed: number;
  applied: number;
  duplicates: number;
  /** Records of a session their driver had already superseded. */
  stale: number;
  /** Records of chunks redelivered after a crash or rebalance, skipped by offset. */
  replays: number;
  deadLettered: number;
  chunks: number;
}

/**
 * The analytics consumer group: fleet aggregates in Redis with an exactly-once effect. Kafka
 * delivers at least once (a chunk is committed after it is applied). The member keeps each
 * partition's state in memory (drivers' sessions and last fixes, open trips), decides in
 * domain/analytics-partition.ts, and writes a chunk's effects with the partition's offset in
 * one compare-and-set script (infra/analytics-script.ts): a redelivered chunk, or one written
 * by a member the partition has moved away from, never counts twice.
 */
export async function start(ctx: AppContext): Promise<Stop> {
  const log = ctx.log.child({ role });
  const store = ctx.stores.analytics();
  const stats: AnalyticsStats = {
    consumed: 0,
    applied: 0,
    duplicates: 0,
    stale: 0,
    replays: 0,
    deadLettered: 0,
    chunks: 0,
  };
  const dlq = await ctx.producers.start();
  let joined = false;

  const handleBatch = async (batch: RecordBatch) => {
    const valid: OffsetRecord[] = [];
    const invalid: { offset: number; letter: OutgoingRecord }[] = [];
    for (const r of batch.records) {
      const decoded = decodeConsumed(ctx, r);
      if (decoded.ok) valid.push({ offset: r.offset, record: decoded.value });
      else
        invalid.push({
          offset: Number(r.offset),
          letter: deadLetter(r, decoded.error, groupId(ctx)),
        });
    }
    if (invalid.length > 0) {
      // Dead letters go out before the chunk is applied, so every offset at or below the
      // applied one has had its dead letters written: a redelivered chunk need not send them again.
      const done = await store.appliedOffset(batch.topic, batch.partition);
      const fresh = invalid.filter((d) => d.offset > done).map((d) => d.letter);
      await dlq.send(ctx.config.topics.locationDlq, fresh);
      stats.deadLettered += fresh.length;
    }
    const last = batch.records[batch.records.length - 1];
    if (!last) return;
    const result = await store.applyChunk(batch.topic, batch.partition, last.offset, valid);
    stats.consumed += batch.records.length;
    stats.applied += result.applied;
    stats.duplicates += result.duplicates;
    stats.stale += result.stale;
    stats.replays += result.replays;
    stats.chunks++;
  };

  const member = await startGroupMember(ctx, {
    groupId: groupId(ctx),
    topics: topics(ctx),
    handleBatch,
    ...AGGREGATE_BATCHING,
    log,
  });
  joined = true;
  const stopHeartbeat = startHeartbeat(ctx, role, () => ({ ready: joined, detail: { ...stats } }));
  const summary = setInterval(() => log.info({ ...stats }, 'analytics progress'), 30_000);
  log.info({ group: groupId(ctx), topics: topics(ctx) }, 'analytics started');

  return async () => {
    clearInterval(summary);
    await stopHeartbeat();
    await member.stop();
    await dlq.stop();
  };
}
