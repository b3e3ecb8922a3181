import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from '../host.js';
import { LaunchError } from '../launch-error.js';
import { clusterId as newClusterId, startKafkaBroker, type KafkaBroker } from './broker.js';

export interface KafkaClusterOptions {
  /** One sub-folder per node (`node-1`, …). Created if missing. */
  dataDir: string;
  /** Nodes, each broker and controller (a quorum of all of them). @default 3 */
  size?: number;
  /** Heap of each JVM. @default '384m' */
  heap?: string;
  /** Replicas of internal and default topics. @default min(3, size) */
  replicationFactor?: number;
  /** min.insync.replicas of internal and default topics. @default min(2, replicationFactor) */
  minInsyncReplicas?: number;
  /** Partitions of __consumer_offsets. @default 12 */
  offsetsTopicPartitions?: number;
  /** How long each node, and the whole cluster, may take to be ready. @default 90_000 */
  readyTimeoutMs?: number;
}

export interface KafkaClusterNode {
  readonly nodeId: number;
  /** `host:port` of its client listener. */
  readonly address: string;
  readonly logFile: string;
  /** Whether the node's JVM is running (false after kill, until restart). */
  readonly running: boolean;
  /** PID of the running JVM, or undefined. */
  readonly pid: number | undefined;
}

export interface KafkaCluster {
  /** Client addresses of every node, for bootstrap lists. */
  readonly brokers: string[];
  readonly nodes: readonly KafkaClusterNode[];
  /** SIGKILL of one node's JVM (no controlled shutdown); resolves when it is gone. */
  kill(nodeId: number): Promise<void>;
  /** Starts a killed or stopped node again on its ports and data; resolves once it is registered. */
  restart(nodeId: number): Promise<void>;
  /** Resolves when every running node is registered as an unfenced broker. */
  waitUntilRegistered(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A local Kafka 3.9 cluster of `size` KRaft JVMs on 127.0.0.1, each on its own free ports and
 * data dir, every node both broker and controller with a quorum of all of them. That is the
 * layout of the docker-compose cluster, so replication, leader election after a kill -9 and
 * min.insync.replicas behave here as they do there.
 */
export async function startKafkaCluster(o: KafkaClusterOptions): Promise<KafkaCluster> {
  const size = o.size ?? 3;
  const replicationFactor = o.replicationFactor ?? Math.min(3, size);
  const minInsyncReplicas = o.minInsyncReplicas ?? Math.min(2, replicationFactor);
  if (replicationFactor > size || minInsyncReplicas > replicationFactor)
    throw new LaunchError(
      `a ${size}-node cluster cannot hold replication factor ${replicationFactor} with min.insync.replicas ${minInsyncReplicas}`,
    );
  const readyTimeoutMs = o.readyTimeoutMs ?? 90_000;
  const clusterId = newClusterId();
  const specs: { nodeId: number; port: number; controllerPort: number }[] = [];
  for (let nodeId = 1; nodeId <= size; nodeId++)
    specs.push({ nodeId, port: await freePort(), controllerPort: await freePort() });
  const quorumVoters = specs.map((s) => `${s.nodeId}@127.0.0.1:${s.controllerPort}`).join(',');
  const brokers = specs.map((s) => `127.0.0.1:${s.port}`);

  const running = new Map<number, KafkaBroker>();
  const start = async (nodeId: number) => {
    const spec = specs[nodeId - 1]!;
    const broker = await startKafkaBroker({
      ...spec,
      name: `kafka-${nodeId}`,
      dataDir: path.join(path.resolve(o.dataDir), `node-${nodeId}`),
      heap: o.heap ?? '384m',
      quorumVoters,
      clusterId,
      replicationFactor,
      minInsyncReplicas,
      readyTimeoutMs,
      ...(o.offsetsTopicPartitions ? { offsetsTopicPartitions: o.offsetsTopicPartitions } : {}),
    });
    running.set(nodeId, broker);
    void broker.process.exited.then(() => {
      if (running.get(nodeId) === broker) running.delete(nodeId);
    });
  };
  const stop = async () => {
    await Promise.all([...running.values()].map((b) => b.process.stop(10_000)));
    running.clear();
  };

  const waitUntilRegistered = async (timeoutMs = readyTimeoutMs) => {
    const want = [...running.keys()].sort();
    const kafka = new Kafka({
      clientId: 'fleetstream-cluster-probe',
      brokers: want.map((id) => brokers[id - 1]!),
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 1000,
    });
    const deadline = Date.now() + timeoutMs;
    let seen: number[] = [];
    while (Date.now() < deadline) {
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        seen = cluster.brokers.map((b) => b.nodeId).sort();
        if (cluster.controller !== null && want.every((id) => seen.includes(id))) return;
      } catch {
        // a node is still starting or the quorum is electing
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new LaunchError(
      `Kafka cluster: nodes ${want.join(', ')} not all registered within ${Math.round(timeoutMs / 1000)} s (seen: ${seen.join(', ') || 'none'})`,
    );
  };

  // All at once: no node can be ready before a majority of the quorum runs.
  const started = await Promise.allSettled(specs.map((s) => start(s.nodeId)));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  try {
    if (failed) throw failed.reason;
    await waitUntilRegistered();
  } catch (err) {
    await stop();
    throw err;
  }

  const node = (nodeId: number) => {
    if (!specs[nodeId - 1]) throw new Error(`no node ${nodeId} in this ${size}-node cluster`);
    return specs[nodeId - 1]!;
  };
  return {
    brokers,
    get nodes() {
      return specs.map((s) => {
        const b = running.get(s.nodeId);
        return {
          nodeId: s.nodeId,
          address: `127.0.0.1:${s.port}`,
          logFile: path.join(path.resolve(o.dataDir), `node-${s.nodeId}`, 'logs', 'server.log'),
          running: b !== undefined,
          pid: b?.process.pid,
        };
      });
    },
    async kill(nodeId) {
      node(nodeId);
      const b = running.get(nodeId);
      if (!b) return;
      try {
        process.kill(-b.process.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await b.process.exited;
      running.delete(nodeId);
    },
    async restart(nodeId) {
      node(nodeId);
      if (running.has(nodeId)) return;
      await start(nodeId);
      await waitUntilRegistered();
    },
    waitUntilRegistered,
    stop,
  };
}
