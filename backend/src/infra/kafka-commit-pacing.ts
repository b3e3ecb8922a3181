import { createRequire } from 'node:module';

/**
 * Offsets committed at the group's interval, not after every batch. kafkajs 2.2.4's runner
 * commits every resolved offset after each partition batch an eachBatch handler returns (it
 * calls `autoCommitOffsets`, not `autoCommitOffsetsIfNecessary`), whatever `autoCommitInterval`
 * says. A member fetching 12 partitions every 10 ms then sends the broker hundreds of
 * OffsetCommit requests a second, each an append to __consumer_offsets, and waits for each: a
 * round trip per batch on the member's path and a large share of the broker's CPU.
 *
 * For the groups registered here (by group id, in this process) the runner commits instead:
 * - when a fetch cycle ends (kafkajs fetches again only once every batch of the last fetch was
 *   handled), for the first records a member handles after it joins (so a new group has
 *   committed offsets, and a lag, at once instead of an interval later), and then whenever the
 *   interval has passed since the last commit: every partition of the fetch is
 *   committed together, so the group's lag drops to what arrived meanwhile (committing at the
 *   first batch past the interval would leave the fetch's other partitions an interval behind);
 *   an idle member's last records are committed by the next empty fetch;
 * - in full when a heartbeat learns of a rebalance (as kafkajs does), so the partition's next
 *   owner starts where this member stopped;
 * - in full when a handler fails (as kafkajs does), and before the member leaves the group.
 * What a crash leaves uncommitted (a fetch cycle or an interval of records) is redelivered; the
 * effects of every group are idempotent by offset, so it is read again, never applied twice.
 */

interface KafkajsOffsetManager {
  uncommittedOffsets(): { topics: unknown[] };
}

interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

interface KafkajsConsumerGroup {
  groupId: string;
  memberId: string | null;
  autoCommit: boolean;
  /** Made anew at every join (a generation's assignment). */
  offsetManager?: KafkajsOffsetManager;
  commitOffsets(offsets?: {
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<void>;
  commitOffsetsIfNecessary(): Promise<void>;
  fetch(nodeId: number): Promise<unknown[]>;
  leave(): Promise<void>;
}

interface KafkajsRunner {
  consumerGroup: KafkajsConsumerGroup;
  autoCommitOffsets(): Promise<void> | undefined;
  heartbeat(): Promise<void>;
  processEachBatch(batch: unknown): Promise<void>;
}

/** A 'transaction' mode member's offsets committed without a transaction, not yet sent. */
interface Deferred {
  /** By `topic:partition`: the offset of its last chunk, when that chunk needed no transaction. */
  pending: Map<string, PartitionOffset>;
  /** The commit of taken entries in flight. */
  flushing: Promise<void> | null;
  last: number;
  intervalMs: number;
  /** Joins so far: an entry of a chunk that started before the last join is not kept. */
  joins: number;
  /** Chunks started so far, and by `topic:partition` the count when its last chunk started. */
  starts: number;
  startedAt: Map<string, number>;
}

const require = createRequire(import.meta.url);
const pacedGroups = new Set<string>();
/** By group id, then member id: each member's own (a process may run two of one group). */
const deferredMembers = new Map<string, Map<string, Deferred>>();
/** Offset managers (one per join) that have committed something. */
const committedSinceJoin = new WeakSet<KafkajsOffsetManager>();
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
  const processEachBatch = Runner.processEachBatch;
  const fetch = ConsumerGroup.fetch;
  const leave = ConsumerGroup.leave;
  const paced = (g: KafkajsConsumerGroup) => pacedGroups.has(g.groupId);

  // After each batch: nothing (the fetch cycle's end commits).
  Runner.autoCommitOffsets = function (this: KafkajsRunner) {
    return paced(this.consumerGroup) ? undefined : commitAll.call(this);
  };
  Runner.processEachBatch = async function (this: KafkajsRunner, batch: unknown) {
    try {
      await processEachBatch.call(this, batch);
    } catch (err) {
      // As kafkajs does when a handler fails: what it handled before is not read again. Best
      // effort: the handler's error is the one that counts.
      if (paced(this.consumerGroup)) await commitAll.call(this)?.catch(() => undefined);
      throw err;
    }
  };
  Runner.heartbeat = async function (this: KafkajsRunner) {
    try {
      await heartbeat.call(this);
    } catch (err) {
      // kafkajs's own commit on a rebalance went through the paced autoCommitOffsets above.
      if (paced(this.consumerGroup) && isRebalancing(err)) await commitAll.call(this);
      throw err;
    }
  };
  /** Commits what a 'transaction' mode member deferred (see deferPlainCommits). */
  const flushDeferred = (g: KafkajsConsumerGroup, d: Deferred, force: boolean): Promise<void> => {
    if (d.pending.size === 0 || !g.offsetManager || (!force && Date.now() < d.last + d.intervalMs))
      return d.flushing ?? Promise.resolve();
    const taken = [...d.pending];
    const { joins, starts } = d;
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const [, { topic, partition, offset }] of taken)
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset }]);
    d.pending.clear();
    d.last = Date.now();
    const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
    const flushing = g
      .commitOffsets({ topics })
      .catch((err: unknown) => {
        // Not committed: each waits again, unless its partition's next chunk has started
        // meanwhile (that one commits it, or a transaction does) or the member joined again.
        if (d.joins === joins)
          for (const [k, v] of taken)
            if (!d.pending.has(k) && (d.startedAt.get(k) ?? 0) <= starts) d.pending.set(k, v);
        throw err;
      })
      .finally(() => {
        if (d.flushing === flushing) d.flushing = null;
      });
    d.flushing = flushing;
    return flushing;
  };
  const deferredOf = (g: KafkajsConsumerGroup) =>
    g.memberId ? deferredMembers.get(g.groupId)?.get(g.memberId) : undefined;

  ConsumerGroup.fetch = async function (this: KafkajsConsumerGroup, nodeId: number) {
    const d = deferredOf(this);
    if (d) await flushDeferred(this, d, false);
    // Only a member that joined has offsets to commit (offsetManager); the consumer decides
    // whether it commits at all (autoCommit), the offset manager whether the interval passed.
    const om = this.offsetManager;
    if (paced(this) && om && this.autoCommit) {
      if (committedSinceJoin.has(om)) await this.commitOffsetsIfNecessary();
      else if (om.uncommittedOffsets().topics.length > 0) {
        // Marked first: kafkajs fetches from each broker at once, one commit is enough.
        committedSinceJoin.add(om);
        await this.commitOffsets();
      }
    }
    return fetch.call(this, nodeId);
  };
  ConsumerGroup.leave = async function (this: KafkajsConsumerGroup) {
    const d = deferredOf(this);
    // Best effort, as below.
    if (d) await flushDeferred(this, d, true).catch(() => undefined);
    if (paced(this) && this.memberId && this.offsetManager && this.autoCommit)
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

/**
 * For a group that commits its offsets in its own transactions ('transaction' mode): offsets of
 * chunks that needed no transaction (they wrote nothing to Kafka) are committed at the fetch
 * cycle's end once the interval has passed, all partitions in one request, instead of one
 * request per chunk, and before the member leaves. A chunk's partition is taken out of what
 * waits when the chunk starts (and a commit in flight is waited for), so a plain commit never
 * lands after, and moves back, the offset a transaction of a later chunk commits. A join
 * forgets what waits, and what a chunk started before it ends with: those partitions may be
 * another member's now (a commit is accepted from any member of the current generation), and
 * what was not committed is read again, which every group's effects allow. Each member keeps
 * its own, found by its member id.
 */
export function deferPlainCommits(groupId: string, intervalMs: number) {
  install();
  const d: Deferred = {
    pending: new Map(),
    flushing: null,
    last: 0,
    intervalMs,
    joins: 0,
    starts: 0,
    startedAt: new Map(),
  };
  const members = deferredMembers.get(groupId) ?? new Map<string, Deferred>();
  deferredMembers.set(groupId, members);
  let memberId: string | null = null;
  const key = (topic: string, partition: number) => `${topic}:${partition}`;
  return {
    /** A chunk of the partition starts: resolves its token for `plain`. */
    async starting(topic: string, partition: number): Promise<number> {
      const k = key(topic, partition);
      d.pending.delete(k);
      d.startedAt.set(k, ++d.starts);
      // Its outcome is the fetch's to handle: what it held is read again if it failed.
      if (d.flushing) await d.flushing.catch(() => undefined);
      return d.joins;
    },
    /**
     * The partition's chunk, started with `token`, ended without a transaction: `offset` is the
     * next to read. Not kept when the member joined again since (the partition may be another
     * member's now).
     */
    plain(topic: string, partition: number, offset: string, token: number): void {
      if (token === d.joins) d.pending.set(key(topic, partition), { topic, partition, offset });
    },
    /** The member joined the group (again), as `id`. */
    joined(id: string): void {
      d.pending.clear();
      d.joins++;
      if (memberId !== null) members.delete(memberId);
      memberId = id;
      members.set(id, d);
    },
    /** The member stopped (after leaving the group). */
    stopped(): void {
      if (memberId !== null) members.delete(memberId);
      if (members.size === 0) deferredMembers.delete(groupId);
    },
  };
}
