import kafkajs, { type Admin } from 'kafkajs';
import type { KafkaClient } from '@fleetstream/kafka/client';

// kafkajs is CommonJS, and Node's ESM loader does not see this export by name.
const { ConfigResourceTypes } = kafkajs;

/** A topic's retention settings; null = unlimited (-1). */
export interface TopicRetention {
  retentionMs: number | null;
  retentionBytes: number | null;
}

/**
 * Reads a topic's `retention.ms` and `retention.bytes` (the broker's effective values, topic
 * override or default) with describeConfigs, at most once per `maxAgeMs`: they rarely change,
 * and the ops role polls every few seconds. On a failed read the last value stays in use.
 */
export function createTopicRetentionReader(kafka: KafkaClient, maxAgeMs = 60_000) {
  let admin: Admin | undefined;
  const cache = new Map<string, { at: number; value: TopicRetention }>();

  async function read(topic: string): Promise<TopicRetention> {
    if (!admin) {
      admin = kafka.admin();
      await admin.connect();
    }
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configNames: ['retention.ms', 'retention.bytes'],
          },
        ],
      });
      const entries = resources[0]?.configEntries ?? [];
      const value = (name: string) => {
        const v = Number(entries.find((e) => e.configName === name)?.configValue ?? -1);
        return Number.isFinite(v) && v >= 0 ? v : null;
      };
      return { retentionMs: value('retention.ms'), retentionBytes: value('retention.bytes') };
    } catch (err) {
      await admin.disconnect().catch(() => undefined);
      admin = undefined;
      throw err;
    }
  }

  return {
    async retention(topic: string, now = Date.now()): Promise<TopicRetention> {
      const hit = cache.get(topic);
      if (hit && now - hit.at < maxAgeMs) return hit.value;
      try {
        const value = await read(topic);
        cache.set(topic, { at: now, value });
        return value;
      } catch (err) {
        if (hit) return hit.value;
        throw err;
      }
    },
    async stop() {
      await admin?.disconnect();
      admin = undefined;
    },
  };
}

export type TopicRetentionReader = ReturnType<typeof createTopicRetentionReader>;
