import { Partitioners, type IHeaders, type RetryOptions } from 'kafkajs';
import type { KafkaClient } from './client.js';
import { partitionForKey } from './partitioner.js';

/**
 * The producer every tool sends with: idempotent (acks=all), never auto-creating topics,
 * assigning partitions itself and sending each partition on its own (see sendVerified), so that
 * a leader failing mid-send neither loses nor doubles a record.
 */

export interface OutgoingRecord {
  key: string | null;
  value: Buffer | string;
  headers?: IHeaders;
}

export interface SendOptions {
  /**
   * Told the records of each partition once Kafka has acknowledged them, even if the send fails:
   * the very objects given to `send`, so that a caller sends again only the others.
   */
  onAcknowledged?: (records: readonly OutgoingRecord[]) => void;
}

export interface RecordProducer {
  /** One produce request per partition for many records (kafkajs has no linger: callers batch). */
  send(topic: string, records: readonly OutgoingRecord[], o?: SendOptions): Promise<void>;
  stop(): Promise<void>;
}

export interface ProducerOptions {
  /**
   * Retries of a send. @default forever, 100 ms to 5 s apart: the idempotent producer keeps its
   * guarantees only if it never gives up on a batch
   */
  retry?: RetryOptions;
}

/** Connects an idempotent producer (acks=all) that never auto-creates topics. */
export async function startProducer(
  kafka: KafkaClient,
  o: ProducerOptions = {},
): Promise<RecordProducer> {
  const withPartitions = partitionAssigner(kafka);
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
    // The Java-compatible partitioner, so a driver lands on the same partition from any client.
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: o.retry ?? {
      retries: Number.MAX_SAFE_INTEGER,
      initialRetryTime: 100,
      maxRetryTime: 5_000,
    },
  });
  await producer.connect();
  return {
    async send(topic, records, so) {
      if (records.length === 0) return;
      const partitions = await withPartitions(topic, records);
      await sendVerified(
        topic,
        records,
        partitions,
        (m) => producer.send({ topic, acks: -1, messages: m }),
        so,
      );
    },
    stop: () => producer.disconnect(),
  };
}

/** A record as kafkajs sends it, its partition chosen by us. */
export interface PartitionedMessage extends OutgoingRecord {
  partition: number;
}

/**
 * Chooses each record's partition ourselves, with the same Java-compatible murmur2 the
 * producer would use (records without a key are spread by their index), so that we know which
 * partitions a send must cover: one partition per record, in order. Partition counts are read
 * once per topic.
 */
export function partitionAssigner(kafka: KafkaClient) {
  const counts = new Map<string, Promise<number>>();
  const count = (topic: string) => {
    let c = counts.get(topic);
    if (!c) {
      c = (async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
          return Math.max(1, topics[0]?.partitions.length ?? 1);
        } finally {
          await admin.disconnect();
        }
      })();
      c.catch(() => counts.delete(topic));
      counts.set(topic, c);
    }
    return c;
  };
  return async (topic: string, records: readonly OutgoingRecord[]): Promise<number[]> => {
    const n = await count(topic);
    return records.map((r, i) => partitionForKey(r.key ?? String(i), n));
  };
}

/** Partitions Kafka did not acknowledge after every try; worth trying again later. */
export class UnacknowledgedSendError extends Error {
  readonly retriable = true;
  constructor(
    readonly topic: string,
    readonly partitions: number[],
  ) {
    super(`Kafka did not acknowledge ${topic} partitions ${partitions.join(', ')}`);
    this.name = 'UnacknowledgedSendError';
  }
}

const ATTEMPTS = 5;

/**
 * Sends each partition's records (`partitions[i]` is the partition of `records[i]`) in its own
 * produce call, all at once (kafkajs still sends them one request per broker at a time), and
 * waits for every call to settle before it answers.
 * A kafkajs 2.2.4 send that spans several leaders is not safe across a leader failure: its
 * retry goes out while the request to another leader still waits for replicas, and sends that
 * leader's partitions again under new sequence numbers once the first answer arrives, so they
 * are written twice. It can also resolve without partitions whose leader moved mid-request
 * (tulios/kafkajs#1303): every partition must be in its answer, the missing ones are sent
 * again, and after 5 tries the send fails (and is retried by the caller) rather than pretending.
 * A failed call rejects the send with its error, after the others have settled.
 * `onAcknowledged` is given the caller's own record objects: a caller that sends again what was
 * not acknowledged must be able to tell them apart, since a record acknowledged and sent again
 * gets new sequence numbers and is stored twice.
 */
export async function sendVerified(
  topic: string,
  records: readonly OutgoingRecord[],
  partitions: readonly number[],
  send: (
    m: PartitionedMessage[],
  ) => Promise<{ topicName: string; partition: number; errorCode: number }[]>,
  o: SendOptions = {},
): Promise<void> {
  if (partitions.length !== records.length)
    throw new Error(`${records.length} records but ${partitions.length} partitions`);
  let pending = new Map<number, OutgoingRecord[]>();
  records.forEach((r, i) => {
    const partition = partitions[i]!;
    const list = pending.get(partition);
    if (list) list.push(r);
    else pending.set(partition, [r]);
  });
  for (let attempt = 1; pending.size > 0; attempt++) {
    const results = await Promise.allSettled(
      [...pending].map(async ([partition, list]) => {
        const answered = await send(
          list.map((r) => ({ key: r.key, value: r.value, headers: r.headers, partition })),
        );
        return answered.some(
          (a) => a.topicName === topic && a.partition === partition && a.errorCode === 0,
        );
      }),
    );
    const acked = results.map((r) => r.status === 'fulfilled' && r.value);
    [...pending.values()].forEach((list, i) => {
      if (acked[i]) o.onAcknowledged?.(list);
    });
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    pending = new Map([...pending].filter((_, i) => !acked[i]));
    if (pending.size > 0 && attempt >= ATTEMPTS)
      throw new UnacknowledgedSendError(topic, [...pending.keys()]);
  }
}
