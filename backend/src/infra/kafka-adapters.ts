import { createKafka, type KafkaClient } from '@fleetstream/kafka/client';
import { startProducer, type RecordProducer } from '@fleetstream/kafka/producer';
import type { Config } from '../config.js';
import { createGroupInspector } from './kafka-admin.js';
import {
  startBatchConsumer,
  type BatchConsumer,
  type BatchConsumerOptions,
} from './kafka-consumer.js';
import { createLogReader, type LogReader } from './kafka-log-reader.js';
import { createKafkaProbe } from './kafka-probe.js';
import { startTransactionalProducers } from './kafka-producers.js';
import type { Logger } from './logger.js';
import { createTopicRetentionReader } from './topic-retention.js';

/** The process's Kafka client, as the deployment configures it. */
export function openKafka(config: Config, log: Logger, clientId: string): KafkaClient {
  return createKafka({
    brokers: config.kafka.brokers,
    clientId,
    log: log.child({ component: 'kafkajs' }),
    ssl: config.kafka.ssl,
    sasl: config.kafka.sasl,
  });
}

/** Producers on the process's client; each is stopped by whoever started it. */
export interface Producers {
  /** An idempotent producer (acks=all) sending each partition on its own, verified. */
  start(): Promise<RecordProducer>;
  /** Transactional producers, one per input partition (kafka-producers.ts). */
  transactional(baseId: string): ReturnType<typeof startTransactionalProducers>;
}

/** Joins consumer groups (consumers/group-member.ts adds the deployment's settings). */
export interface GroupMembers {
  join(o: BatchConsumerOptions): Promise<BatchConsumer>;
}

/** Read-only views of the cluster, each with a connection its owner closes. */
export interface ClusterViews {
  /** Cluster liveness for /healthz. */
  probe(): ReturnType<typeof createKafkaProbe>;
  /** Committed and end offsets and members of groups, for lag. */
  groupInspector(): ReturnType<typeof createGroupInspector>;
  /** Topics' retention settings. */
  topicRetention(): ReturnType<typeof createTopicRetentionReader>;
  /** Group-less reads of the log (replay, the fleet view). */
  logReader(): LogReader;
}

export function createProducers(kafka: KafkaClient): Producers {
  return {
    start: () => startProducer(kafka),
    transactional: (baseId) => startTransactionalProducers(kafka, baseId),
  };
}

export function createGroupMembers(kafka: KafkaClient): GroupMembers {
  return { join: (o) => startBatchConsumer(kafka, o) };
}

export function createClusterViews(kafka: KafkaClient): ClusterViews {
  return {
    probe: () => createKafkaProbe(kafka),
    groupInspector: () => createGroupInspector(kafka),
    topicRetention: () => createTopicRetentionReader(kafka),
    logReader: () => createLogReader(kafka),
  };
}
