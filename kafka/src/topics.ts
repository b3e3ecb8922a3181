import type { Admin } from 'kafkajs';
import type { KafkaClient, KafkaLog } from './client.js';

/**
 * The only code that creates topics, used by every tool that needs them (the backend's start-up
 * and `setup-topics`, the test kit, the simulator, the benchmarks): the platform's topics are
 * sized and configured here, once, and never left to broker auto-creation.
 */

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** @default 1 */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

export interface FleetTopicOptions {
  /** Topic names as the deployment spells them (contracts' TOPICS, namespace applied). */
  names: { location: string; notifications: string; locationDlq: string };
  /** Partitions of `delivery-location` and `delivery-notifications`. */
  locationPartitions: number;
  /** @default 1 */
  replicationFactor?: number;
  /** @default 2 with 3 or more replicas, else 1 */
  minInsyncReplicas?: number;
}

/** A week: dead letters are kept long enough for a person to look and replay. */
const DLQ_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** `delivery-location`, keyed by driver. */
export function locationTopic(o: Omit<FleetTopicOptions, 'names'> & { topic: string }): TopicSpec {
  return { topic: o.topic, numPartitions: o.locationPartitions, ...durability(o) };
}

/** The topics of DESIGN.md: delivery-location, delivery-notifications, the dead letters. */
export function fleetTopics(o: FleetTopicOptions): TopicSpec[] {
  const d = durability(o);
  return [
    locationTopic({ ...o, topic: o.names.location }),
    { topic: o.names.notifications, numPartitions: o.locationPartitions, ...d },
    {
      topic: o.names.locationDlq,
      numPartitions: 3,
      ...d,
      configs: { ...d.configs, 'retention.ms': String(DLQ_RETENTION_MS) },
    },
  ];
}

/**
 * With acks=all, a write succeeds once min.insync.replicas copies have it: RF 3 with min ISR 2
 * survives one broker down without losing an acknowledged record or refusing writes.
 */
function durability(o: Pick<FleetTopicOptions, 'replicationFactor' | 'minInsyncReplicas'>) {
  const replicationFactor = o.replicationFactor ?? 1;
  const isr = o.minInsyncReplicas ?? (replicationFactor >= 3 ? 2 : 1);
  return { replicationFactor, configs: { 'min.insync.replicas': String(isr) } };
}

/**
 * Creates missing topics and waits until every partition has a leader, so producers and
 * consumers that start next never meet "does not host this topic-partition". Existing topics
 * are left as they are (a partition count that differs is logged, never changed silently).
 * Resolves with the topics it created.
 */
export async function ensureTopics(
  kafka: KafkaClient,
  specs: readonly TopicSpec[],
  log?: KafkaLog,
): Promise<{ created: string[] }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        // kafkajs asks one broker and gives up on "unknown topic" from another; we wait below.
        waitForLeaders: false,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.numPartitions,
          replicationFactor: s.replicationFactor ?? 1,
          configEntries: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
      log?.info({ topics: missing.map((s) => s.topic) }, 'created topics');
    }
    await waitForLeaders(admin, specs, log);
    return { created: missing.map((s) => s.topic) };
  } finally {
    await admin.disconnect();
  }
}

/** Topics whose partitions still have no leader after the wait. */
export class LeaderlessTopicsError extends Error {
  readonly retriable = true;
  constructor(readonly topics: string[]) {
    super(`partitions without a leader: ${topics.join(', ')}`);
    this.name = 'LeaderlessTopicsError';
  }
}

async function waitForLeaders(
  admin: Admin,
  specs: readonly TopicSpec[],
  log: KafkaLog | undefined,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    let topics: Awaited<ReturnType<Admin['fetchTopicMetadata']>>['topics'];
    try {
      ({ topics } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) }));
    } catch (err) {
      // On a cluster, the broker asked may not know a topic created a moment ago on another.
      if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const pending = topics.filter(
      (t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0),
    );
    for (const t of topics) {
      const spec = specs.find((s) => s.topic === t.name);
      if (spec && t.partitions.length !== spec.numPartitions) {
        log?.warn(
          { topic: t.name, partitions: t.partitions.length, wanted: spec.numPartitions },
          'topic exists with another partition count',
        );
      }
    }
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new LeaderlessTopicsError(pending.map((t) => t.name));
    await new Promise((r) => setTimeout(r, 200));
  }
}
