import { Kafka, Partitioners, logLevel, type Admin, type Message, type Producer } from 'kafkajs';
import { encodeLocationRecord, type LocationRecord } from '@fleetstream/contracts';
import { PartialSendError } from './simulator.js';

export interface PublisherOptions {
  brokers: string[];
  topic: string;
  /** Partitions to create the topic with, only if it does not exist yet. */
  partitions: number;
  clientId?: string;
  /** Connection attempts before giving up, with doubling back-off from 500 ms. @default 6 */
  connectAttempts?: number;
  /** Told about each failed attempt, so a person sees why start-up is slow. */
  onRetry?: (info: { attempt: number; attempts: number; delayMs: number; error: Error }) => void;
}

export interface Publisher {
  /** Whether the topic was created by this publisher (false: it existed). */
  readonly created: boolean;
  /**
   * Sends the records, one produce call per partition; resolves when all are acknowledged,
   * rejects with a {@link PartialSendError} naming the records that were and were not.
   */
  publish(records: readonly LocationRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** Kafka could not be reached or refused the set-up; `brokers` says which. */
export class BrokerUnreachableError extends Error {
  constructor(
    readonly brokers: string[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BrokerUnreachableError';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The simulator's only Kafka code. Records are keyed by driverId so each driver's stream stays
 * in order on one partition (Java-compatible murmur2 partitioner). The producer is idempotent
 * with one request in flight, so retries neither duplicate nor reorder; the device `ts` stays
 * in the value and the Kafka timestamp is left to the producer.
 */
export async function createPublisher(o: PublisherOptions): Promise<Publisher> {
  const kafka = new Kafka({
    clientId: o.clientId ?? 'fleetstream-simulator',
    brokers: o.brokers,
    // We report connection problems ourselves, once per attempt, instead of kafkajs log spam.
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 0 },
  });
  const admin = await connectAdmin(kafka, o);
  let created = false;
  let partitionCount: number;
  try {
    const exists = (await admin.listTopics()).includes(o.topic);
    if (!exists)
      created = await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: o.topic, numPartitions: o.partitions, replicationFactor: 1 }],
      });
    const { topics } = await admin.fetchTopicMetadata({ topics: [o.topic] });
    partitionCount = topics[0]?.partitions.length || o.partitions;
  } finally {
    await admin.disconnect();
  }
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    // About 80 s of retries: a broker failover (leader election after the controller fences a
    // dead broker, ~10–30 s) must not fail a send, and a failed idempotent send leaves a gap.
    retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 5_000 },
  });
  await producer.connect();
  // The same murmur2 partitioner kafkajs would apply, run here so we know each record's partition.
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  return {
    created,
    async publish(records) {
      if (records.length === 0) return;
      const byPartition = new Map<number, { records: LocationRecord[]; messages: Message[] }>();
      for (const r of records) {
        const key = r.driverId;
        const value = encodeLocationRecord(r);
        const partition = partitioner({
          topic: o.topic,
          partitionMetadata,
          message: { key, value },
        });
        let group = byPartition.get(partition);
        if (!group) byPartition.set(partition, (group = { records: [], messages: [] }));
        group.records.push(r);
        group.messages.push({ key, value, partition });
      }
      // One send per partition, all at once (kafkajs still sends them one request per broker
      // at a time). A send spanning several leaders is not safe in kafkajs 2.2.4: when one
      // leader fails, its retry goes out while the request to another leader is still waiting
      // for replicas, and re-sends that leader's partitions under new sequence numbers once the
      // first answer arrives, so they are written twice (broker-failover chaos test). It can
      // also resolve without partitions whose leader moved mid-request (tulios/kafkajs#1303),
      // hence the check that the answer names the partition.
      const groups = [...byPartition];
      const results = await Promise.allSettled(
        groups.map(async ([partition, g]) => {
          const answer = await producer.send({ topic: o.topic, acks: -1, messages: g.messages });
          if (!answer.some((a) => a.partition === partition && a.errorCode === 0))
            throw new Error(`Kafka did not acknowledge partition ${partition}`);
        }),
      );
      const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (failed.length === 0) return;
      const sent = new Set<LocationRecord>();
      groups.forEach(([, g], i) => {
        if (results[i]!.status === 'fulfilled') for (const r of g.records) sent.add(r);
      });
      throw new PartialSendError(
        records.filter((r) => sent.has(r)),
        records.filter((r) => !sent.has(r)),
        { cause: failed[0] },
      );
    },
    close: () => producer.disconnect(),
  };
}

async function connectAdmin(kafka: Kafka, o: PublisherOptions): Promise<Admin> {
  const attempts = o.connectAttempts ?? 6;
  let delayMs = 500;
  for (let attempt = 1; ; attempt++) {
    const admin = kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      await admin.listTopics();
      return admin;
    } catch (err) {
      await admin.disconnect().catch(() => undefined);
      const error = err instanceof Error ? err : new Error(String(err));
      if (attempt >= attempts) {
        throw new BrokerUnreachableError(
          o.brokers,
          `cannot reach Kafka at ${o.brokers.join(', ')} after ${attempts} attempts: ${error.message}`,
          { cause: error },
        );
      }
      o.onRetry?.({ attempt, attempts, delayMs, error });
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, 8_000);
    }
  }
}
