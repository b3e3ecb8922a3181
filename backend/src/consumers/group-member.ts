import type { AppContext, Stop } from '../context.js';
import {
  startBatchConsumer,
  type BatchConsumer,
  type BatchConsumerOptions,
} from '../infra/kafka.js';
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
  log: Logger;
}

/**
 * Joins a consumer group the way every fleetstream group does: the deployment's session and
 * commit settings, exit on a fatal Kafka error for the supervisor to restart, and pause/resume
 * from the ops dashboard.
 */
export async function startGroupMember(
  ctx: AppContext,
  o: GroupMemberOptions,
): Promise<{ consumer: BatchConsumer; stop: Stop }> {
  const k = ctx.config.kafka;
  const consumer = await startBatchConsumer(ctx.kafka, {
    ...o,
    sessionTimeoutMs: k.sessionTimeoutMs,
    commitIntervalMs: k.commitIntervalMs,
    faultApplyToCommitDelayMs: k.faultApplyToCommitDelayMs,
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
