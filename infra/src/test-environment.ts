import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startKafkaBroker } from './kafka/broker.js';
import { startRedisServer } from './redis/server.js';
import { freePort } from './host.js';

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
