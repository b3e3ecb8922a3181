// First: kafkajs's consumer must load the corrected read_committed filter.
import { assertReadCommittedFixed } from '@fleetstream/kafka/read-committed';
import type { EachBatchPayload } from 'kafkajs';
import { AppError } from '../errors.js';
import type { KafkaClient } from '@fleetstream/kafka/client';
import { deferPlainCommits, paceCommits } from './kafka-commit-pacing.js';
import { setIdleFetchWait } from './kafka-idle-fetch.js';
import { CommitOutcomeUnknown } from './kafka-producers.js';
import type { Logger } from './logger.js';

/** One consumed record, decoupled from kafkajs types. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  /** Kafka offsets are int64; kept as a decimal string. */
  offset: string;
  key: string | null;
  value: Buffer | null;
  /** Broker or producer timestamp, epoch ms. */
  timestamp: number;
}

/** A consumed record whose key is decoded when asked for: only dead letters read it. */
class Consumed implements ConsumedRecord {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    private readonly rawKey: Buffer | null,
    readonly value: Buffer | null,
    readonly timestamp: number,
  ) {}

  get key(): string | null {
    return this.rawKey === null ? null : this.rawKey.toString();
  }
}

export interface RecordBatch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
  /** Offset of the next record the partition will get, as seen when the batch was fetched. */
  highWatermark: string;
}

/** What a 'transaction' mode handler resolves when its chunk wrote nothing to Kafka. */
export const COMMIT_PLAINLY = 'commit-plainly';

export interface BatchConsumerOptions {
  groupId: string;
  topics: readonly string[];
  /** Where a group with no committed offset starts. @default true (earliest) */
  fromBeginning?: boolean;
  /**
   * Applies a chunk of records. When it resolves, the chunk's offsets are committed; when it
   * throws, nothing of the chunk is committed and kafkajs retries it (at-least-once). In
   * 'transaction' mode the handler commits them in its transaction, or resolves
   * `COMMIT_PLAINLY` for a chunk that needed none (it wrote nothing to Kafka): the offsets
   * are then committed by the consumer, with other partitions' at the group's interval, instead
   * of a whole transaction.
   */
  handleBatch(batch: RecordBatch): Promise<void | typeof COMMIT_PLAINLY>;
  /** Records per handleBatch call; we heartbeat between chunks. @default 500 */
  chunkSize?: number;
  /**
   * Partitions handled at once (kafkajs partitionsConsumedConcurrently): chunks of one
   * partition are still handled one after another, in order. More than 1 overlaps one
   * partition's round trips with another's work; only for handlers whose partitions share no
   * state that a chunk reads and writes. @default 1
   */
  partitionsConcurrently?: number;
  /**
   * A fetch waits for this many bytes (over all partitions) or `maxWaitMs`, whichever comes
   * first: larger batches, so fewer handler calls, at the price of up to `maxWaitMs` of latency.
   * @default 1 (answer as soon as there is anything)
   */
  minBytes?: number;
  /** @default 5000 (kafkajs), only reached when nothing arrives */
  maxWaitMs?: number;
  /**
   * The most a fetch brings of one partition, and of all: on a backlog a partition's records
   * come this much at a time, which bounds a chunk (`chunkSize`). @default 1 MiB and 10 MiB
   */
  maxBytesPerPartition?: number;
  maxBytes?: number;
  /**
   * After a fetch that brought nothing, the next asks for any record and waits up to this long
   * (infra/kafka-idle-fetch.ts): an idle member stops fetching every `maxWaitMs`. @default 0 (off)
   */
  idleWaitMs?: number;
  /**
   * 'auto': offsets of handled chunks are committed by the consumer. 'transaction': the handler
   * commits them itself, inside a Kafka transaction (see startTransactionalProducers).
   * @default 'auto'
   */
  commit?: 'auto' | 'transaction';
  /** @default 30_000 */
  sessionTimeoutMs?: number;
  /**
   * How often handled offsets are committed in 'auto' mode, and those of chunks that needed no
   * transaction in 'transaction' mode (infra/kafka-commit-pacing.ts); in full on a rebalance
   * ('auto') and on stop. @default 1000
   */
  commitIntervalMs?: number;
  /** Called when kafkajs gives up (CRASH without restart): the process should exit. */
  onFatal(err: Error): void;
  /** Called with the member's partitions each time it joins the group (after a rebalance). */
  onAssignment?(assignment: ReadonlyMap<string, readonly number[]>): void;
  log: Logger;
}

export interface BatchConsumer {
  stop(): Promise<void>;
  /** Partitions currently assigned to this member. */
  assignment(): ReadonlyMap<string, readonly number[]>;
  /** Stops fetching but stays in the group (heartbeats go on), so lag builds up. */
  pause(): void;
  resume(): void;
}

/**
 * Runs a consumer group member that hands records to `handleBatch` in chunks and commits only
 * what was handled. eachBatchAutoResolve is off: an early stop or a rebalance mid-batch leaves
 * the rest uncommitted, so it is consumed again rather than lost.
 */
export async function startBatchConsumer(
  kafka: KafkaClient,
  o: BatchConsumerOptions,
): Promise<BatchConsumer> {
  assertReadCommittedFixed();
  const consumer = kafka.consumer({
    groupId: o.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: o.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: Math.min(3_000, Math.floor((o.sessionTimeoutMs ?? 30_000) / 3)),
    maxBytesPerPartition: o.maxBytesPerPartition ?? 1024 * 1024,
    maxBytes: o.maxBytes ?? 10 * 1024 * 1024,
    minBytes: o.minBytes ?? 1,
    maxWaitTimeInMs: o.maxWaitMs ?? 5000,
    retry: { retries: 8, initialRetryTime: 300 },
  });
  const chunkSize = o.chunkSize ?? 500;
  const plain =
    o.commit === 'transaction' ? deferPlainCommits(o.groupId, o.commitIntervalMs ?? 1000) : null;
  let assigned = new Map<string, number[]>();
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    plain?.joined(e.payload.memberId);
    assigned = new Map(Object.entries(e.payload.memberAssignment));
    o.onAssignment?.(assigned);
    o.log.info({ group: o.groupId, assignment: e.payload.memberAssignment }, 'joined group');
  });
  consumer.on(consumer.events.CRASH, (e) => {
    const { error, restart } = e.payload;
    o.log.error({ err: error, restart, group: o.groupId }, 'consumer crashed');
    if (!restart)
      o.onFatal(
        new AppError('KAFKA_FATAL', `consumer ${o.groupId} crashed: ${error.message}`, {
          cause: error,
        }),
      );
  });

  setIdleFetchWait(o.groupId, o.idleWaitMs ?? 0);
  if (o.commit !== 'transaction') paceCommits(o.groupId);
  await consumer.connect();
  await consumer.subscribe({ topics: [...o.topics], fromBeginning: o.fromBeginning ?? true });
  await consumer.run({
    autoCommit: o.commit !== 'transaction',
    autoCommitInterval: o.commitIntervalMs ?? 1000,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: o.partitionsConcurrently ?? 1,
    eachBatch: async (payload: EachBatchPayload) => {
      try {
        await eachChunk(payload);
      } catch (err) {
        throw restartInsteadOfExit(err, o);
      }
    },
  });
  async function eachChunk(payload: EachBatchPayload) {
    const { batch } = payload;
    for (let i = 0; i < batch.messages.length; i += chunkSize) {
      if (!payload.isRunning() || payload.isStale()) return;
      const chunk = batch.messages.slice(i, i + chunkSize);
      const token = await plain?.starting(batch.topic, batch.partition);
      const outcome = await o.handleBatch({
        topic: batch.topic,
        partition: batch.partition,
        highWatermark: batch.highWatermark,
        records: chunk.map(
          (m) =>
            new Consumed(
              batch.topic,
              batch.partition,
              m.offset,
              m.key,
              m.value,
              Number(m.timestamp),
            ),
        ),
      });
      const last = chunk[chunk.length - 1]!.offset;
      payload.resolveOffset(last);
      // 'auto': committed when the fetch cycle ends (infra/kafka-commit-pacing.ts).
      // 'transaction', a chunk that needed none: this partition's offset, at the cycle's end
      // with the other such partitions' (deferPlainCommits), never after a later transaction of
      // the partition (committing every resolved offset could move another partition's offset
      // back behind its transaction's), and only while the member owns the partition.
      if (
        plain &&
        token !== undefined &&
        outcome === COMMIT_PLAINLY &&
        assigned.get(batch.topic)?.includes(batch.partition)
      )
        plain.plain(batch.topic, batch.partition, String(BigInt(last) + 1n), token);
      await payload.heartbeat();
    }
  }
  return {
    async stop() {
      await consumer.disconnect();
      plain?.stopped();
    },
    assignment: () => assigned,
    pause: () => consumer.pause(o.topics.map((topic) => ({ topic }))),
    resume: () => consumer.resume(o.topics.map((topic) => ({ topic }))),
  };
}

/** Whether `err` or one of its causes (at most 10 deep) is named, or of a kafkajs type, in `names`. */
function causedBy(err: unknown, names: readonly string[]): boolean {
  let e = err as { name?: string; type?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 10; depth++, e = e.cause as typeof e)
    if (names.includes(e.name ?? '') || names.includes(e.type ?? '')) return true;
  return false;
}

/**
 * Errors after which the member rejoins instead of exiting: no group coordinator (a broker
 * paused or a coordinator moving), and a transactional producer fenced by a newer epoch (the
 * partition's new owner initialised the same transactional id: this member was dropped from
 * the group while it handled the chunk, during a broker failover for example).
 */
const REJOIN_ON = [
  'KafkaJSGroupCoordinatorNotFound',
  'INVALID_PRODUCER_EPOCH',
  'PRODUCER_FENCED',
] as const;

/**
 * What a failed chunk does to the consumer. kafkajs ends the consumer for good (CRASH without
 * restart, and we exit) when the innermost cause of an error is not retriable, and it counts
 * "no group coordinator" as such: a broker paused for a few seconds, or a coordinator moving,
 * took the notifications worker down (sendOffsets, then minutes for its replacement to start
 * consuming). So did a producer fenced by the partition's new owner: a member dropped from the
 * group mid-chunk during a broker failover, which the 3-broker failover test saw as an exit
 * and a restart by the supervisor. Those (REJOIN_ON), and a transaction whose commit outcome
 * is unknown, now restart the
 * consumer instead: it rejoins and reads the committed offsets, never retrying the chunk in
 * place (which after an unknown outcome could send its records twice). Every other error is
 * passed on as it is: retriable ones (a coordinator still loading, a rebalance) are retried in
 * place by kafkajs, the rest end the process. Restarting on those too was tried and made
 * things worse: each restart is a rebalance, partitions moved back and forth between the
 * instances of the 3-broker failover test, and each move fenced the other's producers.
 */
export function restartInsteadOfExit(err: unknown, o: { groupId: string; log: Logger }): unknown {
  const transient = err instanceof CommitOutcomeUnknown || causedBy(err, REJOIN_ON);
  if (!transient) return err;
  const message = (err as Error).message;
  o.log.warn(
    { group: o.groupId, err: message },
    'chunk failed; the consumer rejoins from its committed offsets',
  );
  // Not retriable itself (kafkajs does not retry it in place), its innermost cause retriable
  // (kafkajs restarts the consumer rather than giving up).
  return new AppError('KAFKA_UNAVAILABLE', `consumer ${o.groupId} restarts: ${message}`, {
    retriable: false,
    cause: new AppError('KAFKA_UNAVAILABLE', message, { retriable: true }),
  });
}
