import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';

/**
 * The test kit's and the benchmarks' one door to the raw Kafka and Redis clients (lint keeps
 * kafkajs and ioredis in adapter folders, this file among them): the tests drive and inspect
 * the platform from outside, with the same pinned clients the backend's adapters use.
 */
export { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
export { Cluster, Redis } from 'ioredis';

/** A kafkajs client that logs nothing: the tests and benchmarks report what matters. */
export function quietKafka(
  clientId: string,
  brokers: string | readonly string[],
  o: Omit<KafkaConfig, 'clientId' | 'brokers' | 'logLevel'> = {},
): Kafka {
  return new Kafka({
    clientId,
    brokers: typeof brokers === 'string' ? brokers.split(',') : [...brokers],
    logLevel: logLevel.NOTHING,
    ...o,
  });
}
