import type { Config } from './config.js';
import type { TopicSpec } from './infra/kafka.js';

/** The topics of DESIGN.md as this deployment names and sizes them. */
export function topicSpecs(config: Config): TopicSpec[] {
  const p = config.kafka.locationPartitions;
  // With acks=all, a write succeeds once min.insync.replicas copies have it: RF 3 with min ISR 2
  // survives one broker down without losing an acknowledged record or refusing writes.
  const replicationFactor = config.kafka.replicationFactor;
  const isr = { 'min.insync.replicas': String(config.kafka.minInsyncReplicas) };
  return [
    { topic: config.topics.location, numPartitions: p, replicationFactor, configs: isr },
    { topic: config.topics.notifications, numPartitions: p, replicationFactor, configs: isr },
    // Dead letters are kept a week so a person has time to look and replay.
    {
      topic: config.topics.locationDlq,
      numPartitions: 3,
      replicationFactor,
      configs: { ...isr, 'retention.ms': String(7 * 24 * 3600 * 1000) },
    },
  ];
}
