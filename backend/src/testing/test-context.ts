import { inject } from 'vitest';
import { createKafka, type KafkaClient } from '@fleetstream/kafka/client';
import { loadConfig, type Role } from '../config.js';
import type { AppContext } from '../context.js';
import { createAdapters } from '../infra/adapters.js';
import { openKafka } from '../infra/kafka-adapters.js';
import { createRedis } from '../infra/redis.js';
import { setupTopics } from '../infra/topics.js';
import { testLogger, uniqueName } from './fixtures.js';

export const TEST_OPS_TOKEN = 'test-ops-token-0123456789';
export const TEST_TRACKING_SECRET = 'test-tracking-secret-0123456789abcdef';

/** A Kafka client on the test run's broker, for tests of the Kafka adapter itself. */
export const testKafka = (clientId: string, log = testLogger()): KafkaClient =>
  createKafka({ brokers: inject('kafkaBrokers').split(','), clientId, log });

/**
 * Shared settings for the contexts of one test: a namespace of its own for topics and groups
 * and a Redis key prefix of its own, against the real Kafka and Redis of the test run.
 */
export function testNamespace(
  label: string,
  env: Record<string, string> = {},
): Record<string, string> {
  const ns = uniqueName(label);
  return {
    KAFKA_BROKERS: inject('kafkaBrokers'),
    REDIS_URL: inject('redisUrl'),
    KAFKA_NAMESPACE: `${ns}.`,
    REDIS_PREFIX: `${ns}:`,
    LOCATION_PARTITIONS: '4',
    OPS_TOKEN: TEST_OPS_TOKEN,
    TRACKING_SECRET: TEST_TRACKING_SECRET,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'warn',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    INSTANCE_ID: ns,
    ...env,
  };
}

/**
 * The consumer groups in a test's namespace (its KAFKA_NAMESPACE), sorted: those its roles
 * joined. Other test files run at the same time on the same broker, so a test compares these,
 * never the broker's whole list.
 */
export async function namespaceGroups(
  admin: { listGroups(): Promise<{ groups: { groupId: string }[] }> },
  env: Record<string, string>,
): Promise<string[]> {
  const ns = env.KAFKA_NAMESPACE!;
  return (await admin.listGroups()).groups
    .map((g) => g.groupId)
    .filter((id) => id.startsWith(ns))
    .sort();
}

/**
 * A context like main.ts builds, for one role instance; close() releases its connections.
 * `kafka` and `redis` are the raw clients under its adapters, for a test to look at or set up
 * state with what no role is allowed (admin calls, keys of its own): never part of the context.
 */
export async function createTestContext(
  roles: Role[],
  env: Record<string, string>,
  instance = roles.join('+'),
) {
  const config = loadConfig(roles, {
    ...env,
    INSTANCE_ID: `${env.INSTANCE_ID ?? 'test'}-${instance}`,
  });
  const log = testLogger();
  const kafka = openKafka(config, log, `test-${instance}`);
  await setupTopics(kafka, config, log);
  const redis = await createRedis({ url: config.redis.url, log, name: instance });
  const fatalErrors: Error[] = [];
  const ctx: AppContext = {
    config,
    log,
    ...createAdapters({ kafka, redis }, config, log),
    fatal: (err) => fatalErrors.push(err),
  };
  return { ctx, kafka, redis, fatalErrors, close: async () => void (await redis.quit()) };
}

export type TestContext = Awaited<ReturnType<typeof createTestContext>>;
