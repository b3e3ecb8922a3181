import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startKafkaBroker, startRedisServer } from '@fleetstream/infra';
import { runStep } from '@fleetstream/infra/child-step';
import { ensureKafkaJars } from '@fleetstream/infra/kafka/jars';

export interface BenchEnvironment {
  brokers: string;
  redisUrl: string;
  /** Process ids of the broker JVM and redis-server, for CPU and memory figures. */
  pids: { kafka: number; redis: number };
  versions: { kafka: string; redis: string };
  kafkaHeap: string;
  stop(): Promise<void>;
}

/** The Kafka version of the jars the broker runs, from the kafka_2.13 jar's file name. */
async function kafkaVersion(): Promise<string> {
  const jar = fs
    .readdirSync(await ensureKafkaJars())
    .find((f) => /^kafka_2\.13-[\d.]+\.jar$/.test(f));
  return jar?.replace(/^kafka_2\.13-|\.jar$/g, '') ?? 'unknown';
}

async function redisVersion(): Promise<string> {
  const { stdout: out } = await runStep({
    step: 'redis version',
    command: 'redis-server',
    args: ['--version'],
    silent: true,
  });
  return /v=([\d.]+)/.exec(out)?.[1] ?? 'unknown';
}

/**
 * A throw-away Kafka broker and redis-server on free ports, like the test environment, but
 * exposing their process ids so the benchmark can report their CPU and memory.
 */
export async function startBenchEnvironment(o: { kafkaHeap: string }): Promise<BenchEnvironment> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetstream-bench-'));
  const [port, controllerPort, redisPort] = [await freePort(), await freePort(), await freePort()];
  const started = await Promise.allSettled([
    startKafkaBroker({ port, controllerPort, dataDir: path.join(dir, 'kafka'), heap: o.kafkaHeap }),
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
    pids: { kafka: kafka.value.process.pid, redis: redis.value.process.pid },
    versions: { kafka: await kafkaVersion(), redis: await redisVersion() },
    kafkaHeap: o.kafkaHeap,
    async stop() {
      await Promise.all([kafka.value.stop(), redis.value.stop()]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
