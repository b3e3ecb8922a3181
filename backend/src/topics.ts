import type { Config } from './config.js';
import type { TopicSpec } from './infra/kafka.js';

/** The topics of DESIGN.md as this deployment names and sizes them. */
export function topicSpecs(config: Config): TopicSpec[] {
  const p = config.kafka.locationPartitions;
  return [
    { topic: config.topics.location, numPartitions: p },
    { topic: config.topics.notifications, numPartitions: p },
    // Dead letters are kept a week so a person has time to look and replay.
    {
      topic: config.topics.locationDlq,
      numPartitions: 3,
      configs: { 'retention.ms': String(7 * 24 * 3600 * 1000) },
    },
  ];
}
