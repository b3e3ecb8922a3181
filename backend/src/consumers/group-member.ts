import type { AppContext, Stop } from '../context.js';
import type { BatchConsumer, BatchConsumerOptions } from '../infra/kafka-consumer.js';
import type { Logger } from '../infra/logger.js';
import { followGroupControl } from './group-control.js';

export interface GroupMemberOptions {
  groupId: string;
  topics: readonly string[];
  handleBatch: BatchConsumerOptions['handleBatch'];
  /** @default 'auto' */
  commit?: BatchConsumerOptions['commit'];
  /** @default 500 */
  chunkSize?: BatchConsumerOptions['chunkSize'];
  /** @default 1 */
  partitionsConcurrently?: BatchConsumerOptions['partitionsConcurrently'];
  /** @default 64 KiB */
  minBytes?: BatchConsumerOptions['minBytes'];
  /** @default 500 */
  maxWaitMs?: BatchConsumerOptions['maxWaitMs'];
  /** @default 0 (off) */
  idleWaitMs?: BatchConsumerOptions['idleWaitMs'];
  /** @default 1 MiB */
  maxBytesPerPartition?: BatchConsumerOptions['maxBytesPerPartition'];
  /** @default 10 MiB */
  maxBytes?: BatchConsumerOptions['maxBytes'];
  onAssignment?: BatchConsumerOptions['onAssignment'];
  log: Logger;
}

/**
 * Fetches wait for this much data, or the group's wait, before the broker answers. With the
 * broker's default (answer as soon as one record is there) every group fetched after nearly
 * every produce request: hundreds of fetches a second each, most of the broker's CPU on a
 * loaded machine, and tiny batches whose per-chunk costs (round trips, transactions) dominate.
 * Under load 64 KiB arrive within tens of milliseconds; at a small fleet's rate they do not,
 * and the wait decides how often an idle group asks: 500 ms (once 100 ms) took analytics from
 * 14 % to 10 % of a core at 1,000 fixes/s, for at most half a second more before a fix shows
 * in the aggregates. Live-push, which customers wait for, sets its own 20 ms
 * (LIVE_PUSH_FETCH_WAIT_MS; S1 p99 31-35 ms, 20-27 ms with 10).
 */
const FETCH_MIN_BYTES = 64 * 1024;
const FETCH_MAX_WAIT_MS = 500;

/**
 * Joins a consumer group the way every fleetstream group does: the deployment's session and
 * commit settings, batched fetches, exit on a fatal Kafka error for the supervisor to restart,
 * and pause/resume from the ops dashboard.
 */
export async function startGroupMember(
  ctx: AppContext,
  o: GroupMemberOptions,
): Promise<{ consumer: BatchConsumer; stop: Stop }> {
  const k = ctx.config.kafka;
  const consumer = await ctx.groups.join({
    minBytes: FETCH_MIN_BYTES,
    maxWaitMs: FETCH_MAX_WAIT_MS,
    ...o,
    sessionTimeoutMs: k.sessionTimeoutMs,
    commitIntervalMs: k.commitIntervalMs,
    onFatal: ctx.fatal,
  });
  const stopControl = await followGroupControl(ctx, o.groupId, consumer);
  return {
    consumer,
    stop: async () => {
      await stopControl();
      await consumer.stop();
    },
  };
}

/** The key under which a member holds a partition's state in memory. */
export const partitionKey = (topic: string, partition: number) => `${topic}:${partition}`;

/** Deliveries a member holds in memory per partition; past it the partition is read again. */
export const MAX_HELD_DELIVERIES = 200_000;

/**
 * Forgets what a member held of partitions it no longer owns (`held` keyed by partitionKey):
 * another member may change their state meanwhile.
 */
export function retainAssigned(
  held: Map<string, unknown>,
  assignment: ReadonlyMap<string, readonly number[]>,
) {
  for (const key of held.keys()) {
    const at = key.lastIndexOf(':');
    if (!assignment.get(key.slice(0, at))?.includes(Number(key.slice(at + 1)))) held.delete(key);
  }
}
