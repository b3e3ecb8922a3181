import fs from 'node:fs';
import { runStep } from '@fleetstream/infra/child-step';
import { ensureKafkaJars } from '@fleetstream/infra/kafka/jars';
import { startTestEnvironment, type TestEnvironment } from '@fleetstream/infra/test-environment';

export interface BenchEnvironment extends TestEnvironment {
  versions: { kafka: string; redis: string };
  kafkaHeap: string;
  /**
   * Each Redis process the platform uses, as a standalone URL (its commandstats) and a pid
   * (its CPU): the one server, or every node of the Redis Cluster.
   */
  redisNodes: { url: string; pid: number; primary: boolean }[];
  /** Whether `redisUrl` is a Redis Cluster. */
  onRedisCluster: boolean;
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
 * the versions its report names. With `redisCluster`, the platform's Redis is a local Redis
 * Cluster of 3 primaries with that many replicas each instead of the one redis-server.
 */
export async function startBenchEnvironment(o: {
  kafkaHeap: string;
  redisCluster?: { replicas: number } | null;
}): Promise<BenchEnvironment> {
  const env = await startTestEnvironment({
    kafkaHeap: o.kafkaHeap,
    purpose: 'bench',
    redisCluster: Boolean(o.redisCluster),
    redisClusterReplicas: o.redisCluster?.replicas ?? 1,
  });
  try {
    const nodes = env.redisClusterNodes;
    return {
      ...env,
      ...(o.redisCluster && env.redisClusterUrl && nodes
        ? {
            redisUrl: env.redisClusterUrl,
            pids: { ...env.pids, redis: nodes[0]!.pid },
            redisNodes: nodes,
            onRedisCluster: true,
          }
        : {
            redisNodes: [{ url: env.redisUrl, pid: env.pids.redis, primary: true }],
            onRedisCluster: false,
          }),
      versions: { kafka: await kafkaVersion(), redis: await redisVersion() },
      kafkaHeap: o.kafkaHeap,
    };
  } catch (err) {
    await env.stop();
    throw err;
  }
}
