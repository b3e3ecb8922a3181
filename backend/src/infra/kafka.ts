// First: kafkajs's consumer must load the corrected read_committed filter.
import { assertReadCommittedFixed } from './kafka-read-committed.js';
import {
  Kafka,
  logLevel,
  type Admin,
  type EachBatchPayload,
  type IHeaders,
  type LogEntry,
  type SASLOptions,
} from 'kafkajs';
import { DLQ_HEADERS } from '@fleetstream/contracts';
import { AppError } from '../errors.js';
import { CommitOutcomeUnknown, type OutgoingRecord } from './kafka-producers.js';
import type { Logger } from './logger.js';

export type KafkaClient = Kafka;

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** SASL credentials for a secured (e.g. managed) cluster. */
export interface KafkaSasl {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

/** A kafkajs client logging through our logger. */
export function createKafka(opts: {
  brokers: readonly string[];
  clientId: string;
  log: Logger;
  /** TLS to the brokers, with the system's CAs. @default false */
  ssl?: boolean;
  /** @default none */
  sasl?: KafkaSasl | null;
}): KafkaClient {
  const log = opts.log.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: opts.clientId,
    brokers: [...opts.brokers],
    ssl: opts.ssl ?? false,
    // Each mechanism takes the same username and password; kafkajs types them one by one.
    ...(opts.sasl ? { sasl: { ...opts.sasl } as SASLOptions } : {}),
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 10_000 },
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[levels[level] ?? 'info'](rest, message);
      },
  });
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** @default 1 */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

/**
 * Creates missing topics and waits until every partition has a leader, so producers and
 * consumers that start next never meet "does not host this topic-partition". Existing topics
 * are left as they are (a partition count that differs is logged, never changed silently).
 */
export async function ensureTopics(
  kafka: KafkaClient,
  specs: readonly TopicSpec[],
  log: Logger,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        // kafkajs asks one broker and gives up on "unknown topic" from another; we wait below.
        waitForLeaders: false,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.numPartitions,
          replicationFactor: s.replicationFactor ?? 1,
          configEntries: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
      log.info({ topics: missing.map((s) => s.topic) }, 'created topics');
    }
    await waitForLeaders(admin, specs, log);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('KAFKA_UNAVAILABLE', `could not create topics: ${(err as Error).message}`, {
      cause: err,
      retriable: true,
    });
  } finally {
    await admin.disconnect();
  }
}

async function waitForLeaders(
  admin: Admin,
  specs: readonly TopicSpec[],
  log: Logger,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    let topics: Awaited<ReturnType<Admin['fetchTopicMetadata']>>['topics'];
    try {
      ({ topics } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) }));
    } catch (err) {
      // On a cluster, the broker asked may not know a topic created a moment ago on another.
      if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const pending = topics.filter(
      (t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0),
    );
    for (const t of topics) {
      const spec = specs.find((s) => s.topic === t.name);
      if (spec && t.partitions.length !== spec.numPartitions) {
        log.warn(
          { topic: t.name, partitions: t.partitions.length, wanted: spec.numPartitions },
          'topic exists with another partition count',
        );
      }
    }
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      throw new AppError(
        'KAFKA_UNAVAILABLE',
        `partitions without a leader: ${pending.map((t) => t.name).join(', ')}`,
        { retriable: true },
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

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
   * are then committed by the consumer, one request instead of a whole transaction.
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
   * 'auto': offsets of handled chunks are committed by the consumer. 'transaction': the handler
   * commits them itself, inside a Kafka transaction (see startTransactionalProducers).
   * @default 'auto'
   */
  commit?: 'auto' | 'transaction';
  /** @default 30_000 */
  sessionTimeoutMs?: number;
  /** How often handled offsets are committed in 'auto' mode. @default 1000 */
  commitIntervalMs?: number;
  /** Fault injection: a pause between a handled chunk and its offsets. @default 0 */
  faultApplyToCommitDelayMs?: number;
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
    maxBytesPerPartition: 1024 * 1024,
    minBytes: o.minBytes ?? 1,
    maxWaitTimeInMs: o.maxWaitMs ?? 5000,
    retry: { retries: 8, initialRetryTime: 300 },
  });
  const chunkSize = o.chunkSize ?? 500;
  let assigned = new Map<string, number[]>();
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
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
      const outcome = await o.handleBatch({
        topic: batch.topic,
        partition: batch.partition,
        highWatermark: batch.highWatermark,
        records: chunk.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key === null ? null : m.key.toString(),
          value: m.value,
          timestamp: Number(m.timestamp),
        })),
      });
      if (o.faultApplyToCommitDelayMs)
        await new Promise((r) => setTimeout(r, o.faultApplyToCommitDelayMs));
      const last = chunk[chunk.length - 1]!.offset;
      payload.resolveOffset(last);
      if (o.commit !== 'transaction') await payload.commitOffsetsIfNecessary();
      // Only this partition's offset, now: its chunks run one at a time, so no transaction of
      // it is in flight that this commit could land after (committing every resolved offset
      // could move another partition's offset back behind its transaction's).
      else if (outcome === COMMIT_PLAINLY)
        await payload.commitOffsetsIfNecessary({
          topics: [
            {
              topic: batch.topic,
              partitions: [{ partition: batch.partition, offset: String(BigInt(last) + 1n) }],
            },
          ],
        });
      await payload.heartbeat();
    }
  }
  return {
    async stop() {
      await consumer.disconnect();
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

/** Dead-lettered values are cut to this; the original size goes in a header. */
const MAX_DEAD_LETTER_BYTES = 64 * 1024;

/**
 * A dead letter for a record that failed processing: its key and value (cut to 64 KiB, so a
 * batch of huge invalid records can never exceed the broker's message size and block the
 * partition), with headers that trace it to its source and say why.
 */
export function deadLetter(source: ConsumedRecord, error: string, group: string): OutgoingRecord {
  const value = source.value ?? Buffer.alloc(0);
  const headers: IHeaders = { ...deadLetterHeaders(source, error), [DLQ_HEADERS.group]: group };
  if (value.byteLength > MAX_DEAD_LETTER_BYTES)
    headers[DLQ_HEADERS.originalBytes] = String(value.byteLength);
  return { key: source.key, value: value.subarray(0, MAX_DEAD_LETTER_BYTES), headers };
}

function deadLetterHeaders(source: ConsumedRecord, error: string): IHeaders {
  return {
    [DLQ_HEADERS.sourceTopic]: source.topic,
    [DLQ_HEADERS.sourcePartition]: String(source.partition),
    [DLQ_HEADERS.sourceOffset]: source.offset,
    // Header values are small and printable; errors are cut to keep records bounded.
    [DLQ_HEADERS.error]: error.slice(0, 1000),
    [DLQ_HEADERS.failedAt]: new Date().toISOString(),
  };
}

/**
 * A cheap liveness check of the cluster for /healthz: one admin connection kept open, a
 * metadata round trip at most every `cacheMs`.
 */
export function createKafkaProbe(kafka: KafkaClient, cacheMs = 3_000) {
  let admin: Admin | undefined;
  let last = { at: 0, ok: false, error: '' };
  const check = async (): Promise<{ ok: boolean; error?: string }> => {
    if (Date.now() - last.at < cacheMs)
      return last.ok ? { ok: true } : { ok: false, error: last.error };
    try {
      if (!admin) {
        admin = kafka.admin();
        await admin.connect();
      }
      const cluster = await admin.describeCluster();
      last = { at: Date.now(), ok: cluster.brokers.length > 0, error: '' };
    } catch (err) {
      last = { at: Date.now(), ok: false, error: (err as Error).message };
      await admin?.disconnect().catch(() => undefined);
      admin = undefined;
    }
    return last.ok ? { ok: true } : { ok: false, error: last.error };
  };
  return { check, stop: async () => admin?.disconnect() };
}
