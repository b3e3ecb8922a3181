import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startKafkaBroker } from './kafka/broker.js';
import { freeClusterPorts, startRedisCluster } from './redis/cluster.js';
import { startRedisServer } from './redis/server.js';
import { freePort } from './host.js';

export interface TestEnvironment {
  brokers: string;
  redisUrl: string;
  /** A local Redis Cluster (3 primaries), when asked for: the suite run on it. */
  redisClusterUrl?: string;
  /** Its nodes (primaries first), each as a standalone URL, with their process ids. */
  redisClusterNodes?: { url: string; pid: number; primary: boolean }[];
  /** Process ids of the broker JVM and redis-server (the benchmarks report their CPU). */
  pids: { kafka: number; redis: number };
  stop(): Promise<void>;
}

/** A throw-away Kafka and Redis on free ports, in a temporary dir removed on stop. */
export async function startTestEnvironment(
  o: {
    /** @default '1g' */
    kafkaHeap?: string;
    /** Names the temporary dir. @default 'test' */
    purpose?: string;
    /** Also start a 3-primary Redis Cluster. @default false */
    redisCluster?: boolean;
    /** Replicas of each of its primaries. @default 0 */
    redisClusterReplicas?: number;
  } = {},
): Promise<TestEnvironment> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fleetstream-${o.purpose ?? 'test'}-`));
  const [port, controllerPort, redisPort] = [await freePort(), await freePort(), await freePort()];
  const replicas = o.redisClusterReplicas ?? 0;
  const clusterPorts = o.redisCluster ? await freeClusterPorts(3 * (replicas + 1)) : [];
  const started = await Promise.allSettled([
    startKafkaBroker({
      port,
      controllerPort,
      dataDir: path.join(dir, 'kafka'),
      heap: o.kafkaHeap ?? '1g',
    }),
    startRedisServer({ port: redisPort, dataDir: path.join(dir, 'redis') }),
    o.redisCluster
      ? startRedisCluster({
          ports: clusterPorts,
          replicasPerPrimary: replicas,
          dataDir: path.join(dir, 'redis-cluster'),
        })
      : Promise.resolve(null),
  ]);
  const [kafka, redis, cluster] = started;
  const failed = started.find((s) => s.status === 'rejected');
  if (failed || kafka.status !== 'fulfilled' || redis.status !== 'fulfilled') {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value?.stop() : undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
    throw (failed as PromiseRejectedResult).reason;
  }
  const redisCluster = cluster.status === 'fulfilled' ? cluster.value : null;
  return {
    brokers: kafka.value.brokers.join(','),
    redisUrl: redis.value.url,
    ...(redisCluster
      ? {
          redisClusterUrl: redisCluster.url,
          redisClusterNodes: redisCluster.nodes.map((n, i) => ({
            url: n.url,
            pid: n.process.pid,
            primary: i < 3,
          })),
        }
      : {}),
    pids: { kafka: kafka.value.process.pid, redis: redis.value.process.pid },
    async stop() {
      await Promise.all([kafka.value.stop(), redis.value.stop(), redisCluster?.stop()]);
      if (!process.env.FLEETSTREAM_KEEP_TEST_DATA) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
