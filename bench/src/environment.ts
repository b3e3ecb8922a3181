import fs from 'node:fs';
import { runStep } from '@fleetstream/infra/child-step';
import { ensureKafkaJars } from '@fleetstream/infra/kafka/jars';
import { startTestEnvironment, type TestEnvironment } from '@fleetstream/infra/test-environment';

export interface BenchEnvironment extends TestEnvironment {
  versions: { kafka: string; redis: string };
  kafkaHeap: string;
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
 * The test run's throw-away Kafka and Redis, with the broker's heap the benchmark asks for and
 * the versions its report names.
 */
export async function startBenchEnvironment(o: { kafkaHeap: string }): Promise<BenchEnvironment> {
  const env = await startTestEnvironment({ kafkaHeap: o.kafkaHeap, purpose: 'bench' });
  try {
    return {
      ...env,
      versions: { kafka: await kafkaVersion(), redis: await redisVersion() },
      kafkaHeap: o.kafkaHeap,
    };
  } catch (err) {
    await env.stop();
    throw err;
  }
}
