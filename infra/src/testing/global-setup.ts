import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import './provided-context.js';
import { startKafkaBroker } from '../kafka/broker.js';
import { startRedisServer } from '../redis/server.js';
import { freePort } from '../host.js';

function hasIntegrationTests(dir: string): boolean {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .some((f) => f.endsWith('.int.test.ts') && !f.includes('node_modules'));
}

/**
 * Gives integration tests a real Kafka and Redis on free ports, beside any running dev stack.
 * `npm test` starts them once for all workspaces and passes them down in the environment; a
 * workspace run on its own starts its own, and stops them afterwards, also on failure.
 */
export default async function setup(project: TestProject) {
  const given = {
    brokers: process.env.FLEETSTREAM_TEST_KAFKA_BROKERS,
    redis: process.env.FLEETSTREAM_TEST_REDIS_URL,
  };
  if (given.brokers && given.redis) {
    project.provide('kafkaBrokers', given.brokers);
    project.provide('redisUrl', given.redis);
    return;
  }
  if (
    !hasIntegrationTests(path.join(project.config.root, 'src')) &&
    !fs.existsSync(path.join(project.config.root, 'test'))
  ) {
    project.provide('kafkaBrokers', '');
    project.provide('redisUrl', '');
    return;
  }
  const env = await startTestEnvironment();
  project.provide('kafkaBrokers', env.brokers);
  project.provide('redisUrl', env.redisUrl);
  return env.stop;
}

export interface TestEnvironment {
  brokers: string;
  redisUrl: string;
  stop(): Promise<void>;
}

/** A throw-away Kafka and Redis in a temporary dir, removed on stop. */
export async function startTestEnvironment(): Promise<TestEnvironment> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetstream-test-'));
  const [port, controllerPort, redisPort] = [await freePort(), await freePort(), await freePort()];
  const started = await Promise.allSettled([
    startKafkaBroker({ port, controllerPort, dataDir: path.join(dir, 'kafka'), heap: '1g' }),
    startRedisServer({ port: redisPort, dataDir: path.join(dir, 'redis') }),
  ]);
  const [kafka, redis] = started;
  if (kafka.status === 'rejected' || redis.status === 'rejected') {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
    throw kafka.status === 'rejected' ? kafka.reason : (redis as PromiseRejectedResult).reason;
  }
  return {
    brokers: kafka.value.brokers.join(','),
    redisUrl: redis.value.url,
    async stop() {
      await Promise.all([kafka.value.stop(), redis.value.stop()]);
      if (!process.env.FLEETSTREAM_KEEP_TEST_DATA) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
