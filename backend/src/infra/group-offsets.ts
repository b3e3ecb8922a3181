import type { KafkaClient } from '@fleetstream/kafka/client';

/** A partition's committed offset of a group (-1 = none) and its end offset. */
export interface PartitionProgress {
  partition: number;
  committed: number;
  end: number;
}

/**
 * Moves a group's committed offsets on a topic back to the start (or to the end), as an
 * operator replays a topic. Kafka only allows it while the group has no active member.
 */
export async function resetGroupOffsets(
  kafka: KafkaClient,
  groupId: string,
  topic: string,
  to: 'earliest' | 'latest' = 'earliest',
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.resetOffsets({ groupId, topic, earliest: to === 'earliest' });
  } finally {
    await admin.disconnect();
  }
}

/** Committed and end offsets of a group on a topic, per partition. */
export async function groupProgress(
  kafka: KafkaClient,
  groupId: string,
  topic: string,
): Promise<PartitionProgress[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    return ends
      .map((e) => ({
        partition: e.partition,
        end: Number(e.high),
        committed: Number(
          committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? -1,
        ),
      }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}
