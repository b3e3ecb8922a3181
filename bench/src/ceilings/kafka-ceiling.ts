import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { samplePositionRecords } from './sample-records.js';
import { ensureTopics } from '@fleetstream/kafka/topics';

export interface KafkaCeiling {
  produce: {
    records: number;
    seconds: number;
    recordsPerS: number;
    mbPerS: number;
    bytesPerRecord: number;
    batch: number;
    inFlight: number;
  };
  consume: { records: number; seconds: number; recordsPerS: number; joinSeconds: number };
}

const BATCH = 1000;
const IN_FLIGHT = 4;

/**
 * kafkajs with no processing: produce position records of the real size in batches of 1000
 * (acks=all, 4 requests in flight) for `produceSeconds`, then one consumer group reads them all
 * back with an empty eachBatch and the settings of our groups (1 MB per partition, one
 * partition at a time). A topic of its own, 12 partitions like delivery-location.
 */
export async function measureKafkaCeiling(
  brokers: string[],
  o: { produceSeconds: number; consumeTimeoutS: number },
  log: (line: string) => void,
): Promise<KafkaCeiling> {
  const kafka = new Kafka({
    clientId: 'fleetstream-bench-ceiling',
    brokers,
    logLevel: logLevel.NOTHING,
  });
  const topic = `bench-ceiling-${randomUUID().slice(0, 8)}`;
  await ensureTopics(kafka, [{ topic, numPartitions: 12 }]);

  const records = samplePositionRecords(20_000);
  const bytesPerRecord =
    records.reduce((s, r) => s + r.value.length + r.key.length, 0) / records.length;
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  let acked = 0;
  let cursor = 0;
  const started = performance.now();
  const end = started + o.produceSeconds * 1000;
  const lane = async () => {
    while (performance.now() < end) {
      const batch = records.slice(cursor % records.length, (cursor % records.length) + BATCH);
      cursor += BATCH;
      await producer.send({ topic, acks: -1, messages: batch });
      acked += batch.length;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const produceSeconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  const produce = {
    records: acked,
    seconds: produceSeconds,
    recordsPerS: acked / produceSeconds,
    mbPerS: (acked * bytesPerRecord) / produceSeconds / 1e6,
    bytesPerRecord,
    batch: BATCH,
    inFlight: IN_FLIGHT,
  };
  log(`kafkajs produce: ${Math.round(produce.recordsPerS).toLocaleString('en-US')} records/s`);

  const read = await emptyConsume(kafka, topic, `${topic}-reader`, acked, o.consumeTimeoutS);
  const consume = {
    records: read.consumed,
    seconds: read.seconds,
    recordsPerS: read.consumed / read.seconds,
    joinSeconds: read.joinSeconds,
  };
  log(`kafkajs consume: ${Math.round(consume.recordsPerS).toLocaleString('en-US')} records/s`);
  const cleanup = kafka.admin();
  await cleanup.connect();
  await cleanup.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await cleanup.disconnect();
  return { produce, consume };
}

/**
 * Reads `topic` from the start with an empty eachBatch until `total` records have come (or
 * `timeoutS` passed): what kafkajs alone can do here, 1 MB per partition a fetch.
 */
export async function emptyConsume(
  kafka: Kafka,
  topic: string,
  groupId: string,
  total: number,
  timeoutS: number,
): Promise<{ consumed: number; seconds: number; joinSeconds: number }> {
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let consumed = 0;
  let first = 0;
  let last = 0;
  const runAt = performance.now();
  await new Promise<void>((resolve) => {
    const timeout = setTimeout(resolve, timeoutS * 1000);
    void consumer.run({
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        consumed += batch.messages.length;
        last = performance.now();
        if (consumed >= total) {
          clearTimeout(timeout);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return {
    consumed,
    seconds: Math.max(0.001, (last - first) / 1000),
    joinSeconds: first > 0 ? (first - runAt) / 1000 : NaN,
  };
}
