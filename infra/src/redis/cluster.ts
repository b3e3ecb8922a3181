import { execFile } from 'node:child_process';
import path from 'node:path';
import { freePort, portFree } from '../host.js';
import { LaunchError } from '../launch-error.js';
import { redisCommand, startRedisServer, type RedisServer } from './server.js';

/**
 * A local Redis Cluster of real redis-servers: primaries and their replicas, each on its own
 * port (and that port + 10000 for the cluster bus) with its own data dir and append-only file.
 * The first start creates the cluster (`redis-cli --cluster create`); a later start on the same
 * data dirs finds the nodes already joined (each keeps its nodes.conf) and only waits for them.
 */

export interface RedisClusterOptions {
  /** The nodes' ports, the primaries first; each also takes port + 10000 for the cluster bus. */
  ports: readonly number[];
  /** Replicas of each primary. @default 1 */
  replicasPerPrimary?: number;
  /** Holds a directory per node. Created if missing. */
  dataDir: string;
  /** For each node, and then for the cluster to agree. @default 30_000 */
  readyTimeoutMs?: number;
  /** Told what is happening: creating a cluster takes a few seconds. */
  onProgress?: (line: string) => void;
}

export interface RedisCluster {
  /** Every node, as REDIS_URL takes a cluster: redis+cluster://127.0.0.1:7000,127.0.0.1:7001,… */
  readonly url: string;
  /** The nodes in the order of their ports (the primaries first when the cluster was made). */
  readonly nodes: readonly RedisServer[];
  /**
   * Starts node `i` again on its port and data (its append-only file and nodes.conf) after it
   * was stopped or killed, and waits until the whole cluster is ok again.
   */
  restartNode(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** CLUSTER INFO's (or INFO's) `field:value` lines, as a record. */
export function parseClusterInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return out;
}

/** The redis+cluster:// URL of these nodes on 127.0.0.1. */
export function clusterUrl(ports: readonly number[]): string {
  return `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
}

/** What is wrong with a cluster layout, or null. */
export function clusterLayoutError(ports: readonly number[], replicas: number): string | null {
  if (!Number.isInteger(replicas) || replicas < 0) return `replicas must be 0 or more`;
  if (ports.length % (replicas + 1) !== 0)
    return `${ports.length} nodes cannot be split into primaries with ${replicas} replicas each`;
  if (ports.length / (replicas + 1) < 3)
    return `a Redis Cluster needs at least 3 primaries (${ports.length / (replicas + 1)} given)`;
  const high = ports.find((p) => p + 10_000 > 65_535);
  if (high !== undefined) return `port ${high} leaves no room for its cluster bus port (+10000)`;
  return null;
}

/** `n` free ports on 127.0.0.1 whose cluster bus ports (+10000) are free too: for test runs. */
export async function freeClusterPorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let tries = 0; out.length < n; tries++) {
    if (tries > 200 * n) throw new Error(`found only ${out.length} of ${n} free cluster ports`);
    const port = await freePort();
    // Neither the port nor its bus port may be one of the others' ports or bus ports.
    const taken = out.flatMap((p) => [p, p + 10_000]);
    if (
      port + 10_000 <= 65_535 &&
      !taken.includes(port) &&
      !taken.includes(port + 10_000) &&
      (await portFree(port + 10_000))
    )
      out.push(port);
  }
  return out;
}

function runRedisCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err)
        reject(
          new LaunchError(
            `redis-cli ${args.slice(0, 2).join(' ')} failed: ${stderr || stdout || err.message}`,
          ),
        );
      else resolve(stdout);
    });
  });
}

/** Starts (or restarts) the cluster and resolves once every node says it is whole. */
export async function startRedisCluster(o: RedisClusterOptions): Promise<RedisCluster> {
  const replicas = o.replicasPerPrimary ?? 1;
  const layout = clusterLayoutError(o.ports, replicas);
  if (layout) throw new LaunchError(`Redis Cluster: ${layout}`);
  const readyTimeoutMs = o.readyTimeoutMs ?? 30_000;
  const dirs = o.ports.map((p) => path.join(path.resolve(o.dataDir), `node-${p}`));
  const startNode = (i: number) =>
    startRedisServer({
      port: o.ports[i]!,
      dataDir: dirs[i]!,
      name: `redis-${o.ports[i]}`,
      readyTimeoutMs,
      extraArgs: [
        ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
        // A primary that stops answering for a second is failed over to its replica.
        ...['--cluster-node-timeout', '1000'],
      ],
    });
  const started = await Promise.allSettled(o.ports.map((_, i) => startNode(i)));
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    // Whether the cluster was ever formed is asked of the nodes, not read from their files: a
    // cluster-enabled node writes its nodes.conf as soon as it starts, formed or not.
    const infos = await Promise.all(o.ports.map((p) => redisCommand(p, 'CLUSTER INFO')));
    const alone = infos.filter((text) => {
      const info = parseClusterInfo(text ?? '');
      return info.cluster_known_nodes === '1' && info.cluster_slots_assigned === '0';
    }).length;
    if (alone > 0 && alone < o.ports.length)
      throw new LaunchError(
        `Redis Cluster: ${alone} of ${o.ports.length} nodes in ${o.dataDir} belong to no cluster while the others do; remove that directory to start a new one`,
      );
    if (alone === o.ports.length) {
      const primaries = o.ports.length / (replicas + 1);
      o.onProgress?.(
        `creating a Redis Cluster of ${primaries} primaries, ${replicas} replica(s) each…`,
      );
      await runRedisCli([
        '--cluster',
        'create',
        ...o.ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ]);
    }
    await waitForClusterOk(o.ports, readyTimeoutMs);
    // A replica that never synced with its primary will not take over from it.
    await waitForReplicasInSync(o.ports, readyTimeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: clusterUrl(o.ports),
    nodes,
    async restartNode(i) {
      nodes[i] = await startNode(i);
      await waitForClusterOk(o.ports, readyTimeoutMs);
    },
    stop,
  };
}

/**
 * Asks every node `command` every 200 ms until `problem` finds nothing wrong with any answer
 * (parsed as `field:value` lines; null: the node did not answer), or rejects with `failure`
 * of the nodes still wrong once `timeoutMs` has passed.
 */
async function untilEveryNode(
  ports: readonly number[],
  command: string,
  problem: (info: Record<string, string> | null) => string | null,
  timeoutMs: number,
  failure: (wrong: string[]) => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answers = await Promise.all(ports.map((p) => redisCommand(p, command)));
    const wrong = answers.flatMap((text, i) => {
      const p = problem(text === null ? null : parseClusterInfo(text));
      return p === null ? [] : [`${ports[i]}${p ? `: ${p}` : ''}`];
    });
    if (wrong.length === 0) return;
    if (Date.now() > deadline) throw new LaunchError(failure(wrong));
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resolves when every replica among `ports` has its link to its primary up. */
export function waitForReplicasInSync(ports: readonly number[], timeoutMs: number) {
  return untilEveryNode(
    ports,
    'INFO replication',
    (info) =>
      info === null
        ? 'no answer'
        : info.role === 'slave' && info.master_link_status !== 'up'
          ? 'not in sync'
          : null,
    timeoutMs,
    (wrong) =>
      `Redis Cluster replicas did not sync with their primaries in time (${wrong.join('; ')})`,
  );
}

/**
 * Resolves when every node of `ports` reports cluster_state:ok and knows `knownNodes` nodes
 * (all of them, unless some are down and still known as failed).
 */
export function waitForClusterOk(
  ports: readonly number[],
  timeoutMs: number,
  knownNodes = ports.length,
) {
  return untilEveryNode(
    ports,
    'CLUSTER INFO',
    (info) =>
      info === null
        ? 'no answer'
        : info.cluster_state === 'ok' && Number(info.cluster_known_nodes) === knownNodes
          ? null
          : `${info.cluster_state ?? '?'}, knows ${info.cluster_known_nodes ?? '?'} nodes`,
    timeoutMs,
    (wrong) => `the Redis Cluster did not come together in time (${wrong.join('; ')})`,
  );
}
