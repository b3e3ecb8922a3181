import './kafka-read-committed.js';
import { Partitioners, type IHeaders, type Producer } from 'kafkajs';
import { partitionForKey } from '../domain/partitioner.js';
import { AppError } from '../errors.js';
import type { KafkaClient } from './kafka.js';

/**
 * Our producers: idempotent (acks=all) for plain records, transactional for records that commit
 * with consumed offsets. Both assign partitions themselves and send each partition on its own
 * (see sendVerified), so that a leader failing mid-send neither loses nor doubles a record.
 */

export interface OutgoingRecord {
  key: string | null;
  value: Buffer | string;
  headers?: IHeaders;
}

export interface RecordProducer {
  /** One produce request for many records (kafkajs has no linger: callers batch). */
  send(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  stop(): Promise<void>;
}

/** An idempotent producer (acks=all) that never auto-creates topics. */
export async function startProducer(kafka: KafkaClient): Promise<RecordProducer> {
  const withPartitions = partitionAssigner(kafka);
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
    // The Java-compatible partitioner, so a driver lands on the same partition from any client.
    createPartitioner: Partitioners.DefaultPartitioner,
    // The idempotent producer keeps its guarantees only if it never gives up on a batch.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 5_000 },
  });
  await producer.connect();
  return {
    async send(topic, records) {
      if (records.length === 0) return;
      const messages = await withPartitions(topic, records);
      await sendVerified(topic, messages, (m) => producer.send({ topic, acks: -1, messages: m }));
    },
    stop: () => producer.disconnect(),
  };
}

/**
 * A transaction whose commit failed without an answer: it may have committed. The consumer that
 * wrote it must not retry the chunk in place (it would send the same records again in a new
 * transaction); it rejoins and reads its committed offset (startBatchConsumer does that).
 */
export class CommitOutcomeUnknown extends AppError {}

export interface TransactionalWrite {
  /** Records to write, by topic, all or nothing. */
  records: { topic: string; records: readonly OutgoingRecord[] }[];
  /** The consumer group and the next offset to commit with them. */
  offsets: { groupId: string; topic: string; partition: number; offset: string };
}

/**
 * Transactional producers, one per input partition (transactional.id = base + partition), the
 * classic Kafka exactly-once layout: whoever takes over a partition after a rebalance or crash
 * initialises the same transactional id and so fences the previous owner's unfinished
 * transaction. Output records and the consumed offsets commit together, or neither does.
 */
export function startTransactionalProducers(kafka: KafkaClient, baseId: string) {
  const withPartitions = partitionAssigner(kafka);
  const producers = new Map<string, Promise<Producer>>();
  const forPartition = (topic: string, partition: number) => {
    const key = `${topic}-${partition}`;
    let p = producers.get(key);
    if (!p) {
      p = (async () => {
        const producer = kafka.producer({
          transactionalId: `${baseId}-${key}`,
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
          createPartitioner: Partitioners.DefaultPartitioner,
          transactionTimeout: 30_000,
        });
        await producer.connect();
        return producer;
      })();
      p.catch(() => producers.delete(key));
      producers.set(key, p);
    }
    return p;
  };
  return {
    /**
     * Writes the records and the offsets in one transaction. Rejects with the error as it is
     * when the transaction was aborted, and with an "outcome unknown" error when the commit
     * itself failed: then it may have committed.
     */
    async write(w: TransactionalWrite): Promise<void> {
      const producer = await forPartition(w.offsets.topic, w.offsets.partition);
      const txn = await producer.transaction();
      let committing = false;
      try {
        for (const t of w.records) {
          if (t.records.length === 0) continue;
          const messages = await withPartitions(t.topic, t.records);
          await sendVerified(t.topic, messages, (m) => txn.send({ topic: t.topic, messages: m }));
        }
        await txn.sendOffsets({
          consumerGroupId: w.offsets.groupId,
          topics: [
            {
              topic: w.offsets.topic,
              partitions: [{ partition: w.offsets.partition, offset: w.offsets.offset }],
            },
          ],
        });
        committing = true;
        await txn.commit();
      } catch (err) {
        if (!committing) await txn.abort().catch(() => undefined);
        // A fenced or broken producer cannot be reused: the next write makes a new one.
        producers.delete(`${w.offsets.topic}-${w.offsets.partition}`);
        await producer.disconnect().catch(() => undefined);
        if (!committing) throw err;
        // The commit may have gone through with its answer lost: the caller must not send the
        // same records again before it knows (fence, then read the committed offset).
        throw new CommitOutcomeUnknown(
          'KAFKA_UNAVAILABLE',
          `transaction commit failed, outcome unknown: ${(err as Error).message}`,
          { cause: err, retriable: true },
        );
      }
    },
    /**
     * Closes the producers of partitions `owned` says no: another member may have fenced them
     * since, and the next ownership of such a partition must start with a new producer, whose
     * initialisation fences whoever owned it in between (a producer kept across that would fail
     * its next transaction with an old epoch).
     */
    retain(owned: (topic: string, partition: number) => boolean) {
      for (const [key, p] of producers) {
        const at = key.lastIndexOf('-');
        if (owned(key.slice(0, at), Number(key.slice(at + 1)))) continue;
        producers.delete(key);
        void p.then((producer) => producer.disconnect()).catch(() => undefined);
      }
    },
    async stop() {
      const all = await Promise.allSettled(producers.values());
      producers.clear();
      await Promise.all(
        all.map((r) => (r.status === 'fulfilled' ? r.value.disconnect() : undefined)),
      );
    },
  };
}

interface PartitionedMessage {
  key: string | null;
  value: Buffer | string;
  headers?: IHeaders;
  partition: number;
}

/**
 * Assigns each record its partition ourselves, with the same Java-compatible murmur2 the
 * producer would use (records without a key are spread by value size), so that we know which
 * partitions a send must cover. Partition counts are read once per topic.
 */
function partitionAssigner(kafka: KafkaClient) {
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
  return async (
    topic: string,
    records: readonly OutgoingRecord[],
  ): Promise<PartitionedMessage[]> => {
    const n = await count(topic);
    return records.map((r, i) => ({
      key: r.key,
      value: r.value,
      headers: r.headers,
      partition: partitionForKey(r.key ?? String(i), n),
    }));
  };
}

/**
 * Sends each partition's records in its own produce call, all at once (kafkajs still sends them
 * one request per broker at a time), and waits for every call to settle before it answers.
 * A kafkajs 2.2.4 send that spans several leaders is not safe across a leader failure: its
 * retry goes out while the request to another leader still waits for replicas, and sends that
 * leader's partitions again under new sequence numbers once the first answer arrives, so they
 * are written twice. It can also resolve without partitions whose leader moved mid-request
 * (tulios/kafkajs#1303): every partition must be in its answer, the missing ones are sent
 * again, and after 5 tries the send fails (and is retried by the caller) rather than pretending.
 */
async function sendVerified(
  topic: string,
  messages: readonly PartitionedMessage[],
  send: (
    m: PartitionedMessage[],
  ) => Promise<{ topicName: string; partition: number; errorCode: number }[]>,
): Promise<void> {
  let pending = new Map<number, PartitionedMessage[]>();
  for (const m of messages) {
    const list = pending.get(m.partition);
    if (list) list.push(m);
    else pending.set(m.partition, [m]);
  }
  for (let attempt = 1; pending.size > 0; attempt++) {
    const results = await Promise.allSettled(
      [...pending].map(async ([partition, list]) => {
        const answered = await send(list);
        return answered.some(
          (a) => a.topicName === topic && a.partition === partition && a.errorCode === 0,
        );
      }),
    );
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    const acked = results.map((r) => r.status === 'fulfilled' && r.value);
    pending = new Map([...pending].filter((_, i) => !acked[i]));
    if (pending.size > 0 && attempt >= 5) {
      throw new AppError(
        'KAFKA_UNAVAILABLE',
        `Kafka did not acknowledge ${topic} partitions ${[...pending.keys()].join(', ')}`,
        { retriable: true },
      );
    }
  }
}
