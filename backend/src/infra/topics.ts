import type { KafkaClient } from '@fleetstream/kafka/client';
import { ensureTopics, fleetTopics, type TopicSpec } from '@fleetstream/kafka/topics';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Logger } from './logger.js';

/** The topics of DESIGN.md as this deployment names and sizes them. */
export function topicSpecs(config: Config): TopicSpec[] {
  return fleetTopics({
    names: config.topics,
    locationPartitions: config.kafka.locationPartitions,
    replicationFactor: config.kafka.replicationFactor,
    minInsyncReplicas: config.kafka.minInsyncReplicas,
  });
}

/** Creates the deployment's missing topics; consumers and producers never rely on auto-creation. */
export async function setupTopics(kafka: KafkaClient, config: Config, log: Logger): Promise<void> {
  try {
    await ensureTopics(kafka, topicSpecs(config), log);
  } catch (err) {
    throw new AppError('KAFKA_UNAVAILABLE', `could not create topics: ${(err as Error).message}`, {
      cause: err,
      retriable: true,
    });
  }
}
