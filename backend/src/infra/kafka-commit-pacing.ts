import { createRequire } from 'node:module';

/**
 * Offsets committed at the group's interval, not after every batch. kafkajs 2.2.4's runner
 * commits every resolved offset after each partition batch an eachBatch handler returns (it
 * calls `autoCommitOffsets`, not `autoCommitOffsetsIfNecessary`), whatever `autoCommitInterval`
 * says. A member fetching 12 partitions every 10 ms then sends the broker hundreds of
 * OffsetCommit requests a second, each an append to __consumer_offsets, and waits for each: a
 * round trip per batch on the member's path and a large share of the broker's CPU.
 *
 * For the groups registered here (by group id, in this process) the runner commits when the
 * interval has passed instead, and in full only where kafkajs's own reasons for an immediate
 * commit hold:
 * - after every batch, empty ones included (an idle member's last records are committed within
 *   an interval of its next fetch, so its lag reads 0 when it has caught up);
 * - in full when a heartbeat learns of a rebalance (as kafkajs does), so the partition's next
 *   owner starts where this member stopped;
 * - in full before the member leaves the group on stop.
 * What a crash leaves uncommitted (at most an interval of records) is redelivered; the effects
 * of every group are idempotent by offset, so it is read again, never applied twice.
 */

interface KafkajsConsumerGroup {
  groupId: string;
  memberId: string | null;
  offsetManager?: unknown;
  commitOffsets(): Promise<void>;
  leave(): Promise<void>;
}

interface KafkajsRunner {
  consumerGroup: KafkajsConsumerGroup;
  autoCommitOffsets(): Promise<void> | undefined;
  autoCommitOffsetsIfNecessary(): Promise<void> | undefined;
  heartbeat(): Promise<void>;
}

const require = createRequire(import.meta.url);
const pacedGroups = new Set<string>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const { isRebalancing } = require('kafkajs/src/errors.js') as {
    isRebalancing(e: unknown): boolean;
  };
  const Runner = (require('kafkajs/src/consumer/runner.js') as { prototype: KafkajsRunner })
    .prototype;
  const ConsumerGroup = (
    require('kafkajs/src/consumer/consumerGroup.js') as { prototype: KafkajsConsumerGroup }
  ).prototype;
  const commitAll = Runner.autoCommitOffsets;
  const heartbeat = Runner.heartbeat;
  const leave = ConsumerGroup.leave;
  const paced = (r: KafkajsRunner) => pacedGroups.has(r.consumerGroup.groupId);

  Runner.autoCommitOffsets = function (this: KafkajsRunner) {
    return paced(this) ? this.autoCommitOffsetsIfNecessary() : commitAll.call(this);
  };
  Runner.heartbeat = async function (this: KafkajsRunner) {
    if (!paced(this)) return heartbeat.call(this);
    await this.autoCommitOffsetsIfNecessary();
    try {
      await heartbeat.call(this);
    } catch (err) {
      if (isRebalancing(err)) await commitAll.call(this);
      throw err;
    }
  };
  ConsumerGroup.leave = async function (this: KafkajsConsumerGroup) {
    if (pacedGroups.has(this.groupId) && this.memberId && this.offsetManager)
      // Best effort: a member leaving on stop commits what it handled; if it cannot (no
      // coordinator), the next owner reads those records again, which is safe.
      await this.commitOffsets().catch(() => undefined);
    return leave.call(this);
  };
}

/** From now on, members of `groupId` in this process commit at their interval (see above). */
export function paceCommits(groupId: string): void {
  install();
  pacedGroups.add(groupId);
}
