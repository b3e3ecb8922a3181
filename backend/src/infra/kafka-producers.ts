import '@fleetstream/kafka/read-committed';
import { Partitioners, type Producer } from 'kafkajs';
import type { KafkaClient } from '@fleetstream/kafka/client';
import { partitionAssigner, sendVerified, type OutgoingRecord } from '@fleetstream/kafka/producer';
import { AppError } from '../errors.js';

/**
 * The backend's transactional producers, for records that commit with consumed offsets. Like
 * the plain producer (@fleetstream/kafka/producer) they assign partitions themselves and send
 * each partition on its own (sendVerified), so that a leader failing mid-send neither loses nor
 * doubles a record.
 */

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
          const partitions = await withPartitions(t.topic, t.records);
          await sendVerified(t.topic, t.records, partitions, (m) =>
            txn.send({ topic: t.topic, messages: m }),
          );
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
