import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clusterLayoutError,
  freeClusterPorts,
  parseClusterInfo,
  startRedisCluster,
  waitForClusterOk,
  type RedisCluster,
} from './cluster.js';
import { redisCommand, startRedisServer } from './server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetstream-redis-cluster-'));
let cluster: RedisCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** CLUSTER NODES as seen from `port`: each node's port, role and whether it is failed. */
async function roles(port: number) {
  const text = (await redisCommand(port, 'CLUSTER NODES')) ?? '';
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [, address, flags] = line.split(' ');
      return {
        port: Number(address!.split(':')[1]!.split('@')[0]),
        primary: flags!.includes('master'),
        failed: flags!.includes('fail'),
      };
    });
}

describe('the layout of a local Redis Cluster', () => {
  it('needs three primaries, whole groups of a primary and its replicas, and room for bus ports', () => {
    expect(clusterLayoutError([1, 2, 3, 4, 5, 6], 1)).toBeNull();
    expect(clusterLayoutError([1, 2, 3], 0)).toBeNull();
    expect(clusterLayoutError([1, 2, 3, 4], 1)).toMatch('at least 3 primaries');
    expect(clusterLayoutError([1, 2, 3, 4, 5], 1)).toMatch('cannot be split');
    expect(clusterLayoutError([1, 2, 60_000], 0)).toMatch('port 60000');
    expect(parseClusterInfo('cluster_state:ok\r\ncluster_known_nodes:6\r\n')).toEqual({
      cluster_state: 'ok',
      cluster_known_nodes: '6',
    });
  });
});

describe('a local Redis Cluster of real redis-servers', () => {
  it('creates the cluster on nodes that started once but never formed one (nodes.conf written)', async () => {
    const ports = await freeClusterPorts(3);
    const half = path.join(dir, 'never-formed');
    // What a first start that failed after its servers came up leaves behind.
    const servers = await Promise.all(
      ports.map((port) =>
        startRedisServer({
          port,
          dataDir: path.join(half, `node-${port}`),
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
        }),
      ),
    );
    await Promise.all(servers.map((s) => s.stop()));
    expect(fs.existsSync(path.join(half, `node-${ports[0]}`, 'nodes.conf'))).toBe(true);
    const progress: string[] = [];
    const formed = await startRedisCluster({
      ports,
      replicasPerPrimary: 0,
      dataDir: half,
      onProgress: (l) => progress.push(l),
    });
    try {
      expect(progress).toEqual([expect.stringMatching('3 primaries, 0 replica')]);
      expect((await roles(ports[0]!)).filter((n) => n.primary)).toHaveLength(3);
    } finally {
      await formed.stop();
    }
  }, 60_000);

  it('forms 3 primaries with a replica each, fails a killed primary over, and restarts as the same cluster', async () => {
    const ports = await freeClusterPorts(6);
    const progress: string[] = [];
    cluster = await startRedisCluster({
      ports,
      dataDir: dir,
      onProgress: (l) => progress.push(l),
    });
    expect(progress).toEqual([expect.stringMatching('3 primaries, 1 replica')]);
    expect(cluster.url).toBe(`redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`);
    const before = await roles(ports[0]!);
    expect(before.filter((n) => n.primary)).toHaveLength(3);
    expect(before.filter((n) => !n.primary)).toHaveLength(3);

    // kill -9 a primary: its replica takes its slots over (node timeout 1 s).
    const victim = before.find((n) => n.primary && n.port !== ports[0])!.port;
    const node = cluster.nodes.find((n) => n.url.endsWith(`:${victim}`))!;
    process.kill(-node.process.pid, 'SIGKILL');
    await node.process.exited;
    const alive = ports.filter((p) => p !== victim);
    await expect
      .poll(
        async () => {
          const now = await roles(ports[0]!);
          return {
            victimFailed: now.find((n) => n.port === victim)?.failed,
            livePrimaries: now.filter((n) => n.primary && !n.failed).length,
          };
        },
        { timeout: 30_000, interval: 200 },
      )
      .toEqual({ victimFailed: true, livePrimaries: 3 });
    // The survivors still know the dead node (as failed): six known, every slot served.
    await waitForClusterOk(alive, 30_000, ports.length);

    // Stopped and started again on the same data: the same cluster, not created anew.
    await cluster.stop();
    progress.length = 0;
    cluster = await startRedisCluster({ ports, dataDir: dir, onProgress: (l) => progress.push(l) });
    expect(progress).toEqual([]);
    const again = await roles(ports[0]!);
    expect(again.filter((n) => n.primary)).toHaveLength(3);
    expect(again.filter((n) => n.failed)).toHaveLength(0);
  }, 120_000);
});
