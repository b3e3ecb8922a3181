import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import { encodeLocationRecord, type LocationRecord } from '@fleetstream/contracts';

export interface PublisherOptions {
  brokers: string[];
  topic: string;
  /** Partitions to create the topic with, only if it does not exist yet. */
  partitions: number;
  clientId?: string;
}

export interface Publisher {
  /** Sends many records in one produce request per partition leader; resolves when acknowledged. */
  publish(records: readonly LocationRecord[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The simulator's only Kafka code. Records are keyed by driverId so each driver's stream stays
 * in order on one partition (default Java-compatible partitioner).
 */
export async function createPublisher(o: PublisherOptions): Promise<Publisher> {
  const kafka = new Kafka({
    clientId: o.clientId ?? 'fleetstream-simulator',
    brokers: o.brokers,
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const exists = (await admin.listTopics()).includes(o.topic);
    if (!exists)
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: o.topic, numPartitions: o.partitions, replicationFactor: 1 }],
      });
  } finally {
    await admin.disconnect();
  }
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 5_000 },
  });
  await producer.connect();
  return {
    async publish(records) {
      if (records.length === 0) return;
      await producer.send({
        topic: o.topic,
        acks: -1,
        messages: records.map((r) => ({ key: r.driverId, value: encodeLocationRecord(r) })),
      });
    },
    close: () => producer.disconnect(),
  };
}
