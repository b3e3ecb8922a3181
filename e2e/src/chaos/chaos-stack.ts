import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LagSnapshotSchema, type GroupLag } from '@fleetstream/contracts';
import { freePort } from '@fleetstream/infra/host';
import { startKafkaCluster, type KafkaCluster } from '@fleetstream/infra/kafka/cluster';
import { tailFile } from '@fleetstream/infra/managed-process';
import {
  freeClusterPorts,
  startRedisCluster,
  type RedisCluster,
} from '@fleetstream/infra/redis/cluster';
import { startRedisServer, type RedisServer } from '@fleetstream/infra/redis/server';
import { startTestStack, type TestStack, type TestStackOptions } from '@fleetstream/testkit/stack';
import { superviseRoles, type RoleSupervisor } from './supervision.js';

/** Pauses for a set time: only where a fault or a load is meant to last that long. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Seconds since `t`, to a tenth. */
export const since = (t: number) => Math.round((Date.now() - t) / 100) / 10;

export interface ChaosStackOptions {
  /** Names the temporary folder (fleetstream-<name>-…). */
  name: string;
  /** Brokers in the cluster, and their heap. @default the cluster's own defaults */
  kafka?: { size?: number; heap?: string };
  roles: TestStackOptions['roles'];
  env: Record<string, string>;
  /** A local Redis Cluster of 3 primaries, with these replicas each, instead of one Redis. */
  redisCluster?: { replicasPerPrimary: number };
}

/**
 * What every chaos file starts: its own Redis and Kafka (it kills and restarts them, so it
 * cannot share the test run's), the roles on them, each supervised as `npm start` does.
 */
export class ChaosStack {
  private constructor(
    readonly dir: string,
    readonly cluster: KafkaCluster,
    private redisServer: RedisServer | null,
    private readonly redisPort: number,
    /** The Redis Cluster, when the stack runs on one (redisCluster). */
    readonly redisCluster: RedisCluster | null,
    readonly stack: TestStack,
    readonly roles: RoleSupervisor,
  ) {}

  static async start(o: ChaosStackOptions): Promise<ChaosStack> {
    // Every managed process (brokers, Redis, the roles, the simulator) listens for our exit.
    process.setMaxListeners(50);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fleetstream-${o.name}-`));
    // Redis first: brokers' JVMs starting keep both cores busy for a while.
    const redisPort = await freePort();
    const redis = o.redisCluster ? null : await startChaosRedis(dir, redisPort);
    const redisCluster = o.redisCluster
      ? await startRedisCluster({
          ports: await freeClusterPorts(3 * (o.redisCluster.replicasPerPrimary + 1)),
          replicasPerPrimary: o.redisCluster.replicasPerPrimary,
          dataDir: path.join(dir, 'redis-cluster'),
          readyTimeoutMs: 60_000,
        })
      : null;
    const cluster = await startKafkaCluster({ dataDir: path.join(dir, 'kafka'), ...o.kafka });
    const stack = await startTestStack({
      brokers: cluster.brokers.join(','),
      redisUrl: (redis ?? redisCluster)!.url,
      roles: o.roles,
      env: o.env,
    });
    const roles = superviseRoles(stack);
    for (const p of [...stack.processes]) roles.supervise(p, p.name);
    return new ChaosStack(dir, cluster, redis, redisPort, redisCluster, stack, roles);
  }

  get brokers(): string {
    return this.cluster.brokers.join(',');
  }

  get redis(): RedisServer {
    if (!this.redisServer) throw new Error('this chaos stack runs on a Redis Cluster');
    return this.redisServer;
  }

  /** Starts Redis again, on its port and its data, after the test stopped or killed it. */
  async restartRedis(): Promise<void> {
    this.redisServer = await startChaosRedis(this.dir, this.redisPort);
  }

  /** An ops API answer (GET with the ops token), or null when it is not a 200. */
  async getJson(pathname: string, o: { base?: string; token?: string } = {}): Promise<unknown> {
    const res = await fetch(`${o.base ?? this.stack.baseUrl}${pathname}`, {
      headers: { Authorization: `Bearer ${o.token ?? this.stack.opsToken}` },
    }).catch(() => null);
    return res?.status === 200 ? ((await res.json()) as unknown) : null;
  }

  /** Each group's lag view on the ops API (members and partitions), in the order asked. */
  async groupViews(groups: readonly string[]): Promise<(GroupLag | null)[]> {
    const body = await this.getJson('/api/ops/lag');
    const view = body ? LagSnapshotSchema.parse(body) : null;
    return groups.map(
      (g) => view?.groups.find((x) => x.groupId === `${this.stack.namespace}${g}`) ?? null,
    );
  }

  /** The tails of the latest processes' and the brokers' logs, for a failed test. */
  dumpLogs(processes: number, lines = 12): void {
    for (const p of this.stack.processes.slice(-processes))
      console.error(`--- ${p.name}\n${tailFile(p.logFile, lines)}`);
    for (const n of this.cluster.nodes)
      console.error(`--- kafka-${n.nodeId}\n${tailFile(n.logFile, 8)}`);
    console.error(`restarts: ${JSON.stringify(this.roles.restarts)}`);
  }

  async stop(): Promise<void> {
    this.roles.tearDown();
    await this.stack.stop();
    await Promise.all([this.cluster.stop(), this.redisServer?.stop(), this.redisCluster?.stop()]);
    if (!process.env.FLEETSTREAM_KEEP_TEST_DATA)
      fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const startChaosRedis = (dir: string, port: number) =>
  startRedisServer({ port, dataDir: path.join(dir, 'redis'), readyTimeoutMs: 60_000 });
