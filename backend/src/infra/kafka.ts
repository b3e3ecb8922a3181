// First: kafkajs's consumer must load the corrected read_committed filter.
import './kafka-read-committed.js';
import { Kafka, logLevel, type Admin, type LogEntry, type SASLOptions } from 'kafkajs';
import { AppError } from '../errors.js';
import type { Logger } from './logger.js';

export type KafkaClient = Kafka;

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** SASL credentials for a secured (e.g. managed) cluster. */
export interface KafkaSasl {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

/** A kafkajs client logging through our logger. */
export function createKafka(opts: {
  brokers: readonly string[];
  clientId: string;
  log: Logger;
  /** TLS to the brokers, with the system's CAs. @default false */
  ssl?: boolean;
  /** @default none */
  sasl?: KafkaSasl | null;
}): KafkaClient {
  const log = opts.log.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: opts.clientId,
    brokers: [...opts.brokers],
    ssl: opts.ssl ?? false,
    // Each mechanism takes the same username and password; kafkajs types them one by one.
    ...(opts.sasl ? { sasl: { ...opts.sasl } as SASLOptions } : {}),
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 10_000 },
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[levels[level] ?? 'info'](rest, message);
      },
  });
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** @default 1 */
  replicationFactor?: number;
  configs?: Record<string, string>;
}

/**
 * Creates missing topics and waits until every partition has a leader, so producers and
 * consumers that start next never meet "does not host this topic-partition". Existing topics
 * are left as they are (a partition count that differs is logged, never changed silently).
 */
export async function ensureTopics(
  kafka: KafkaClient,
  specs: readonly TopicSpec[],
  log: Logger,
): Promise<void> {
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
      log.info({ topics: missing.map((s) => s.topic) }, 'created topics');
    }
    await waitForLeaders(admin, specs, log);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('KAFKA_UNAVAILABLE', `could not create topics: ${(err as Error).message}`, {
      cause: err,
      retriable: true,
    });
  } finally {
    await admin.disconnect();
  }
}

async function waitForLeaders(
  admin: Admin,
  specs: readonly TopicSpec[],
  log: Logger,
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
        log.warn(
          { topic: t.name, partitions: t.partitions.length, wanted: spec.numPartitions },
          'topic exists with another partition count',
        );
      }
    }
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      throw new AppError(
        'KAFKA_UNAVAILABLE',
        `partitions without a leader: ${pending.map((t) => t.name).join(', ')}`,
        { retriable: true },
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
