import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { sleep } from './chaos-stack.js';
import { FLEET_GROUPS, startFleetRun, type FleetRun } from './fleet-run.js';
import { expectConsistent } from './ground-truth-checkpoint.js';

/**
 * The stack on a local Redis Cluster (3 primaries; docs/scaling.md) with a primary killed
 * (kill -9) under load and started again on its append-only file: the cluster refuses every
 * command meanwhile (a slot has no node), the roles wait and carry on, and the whole history is
 * checked against ground truth (ground-truth-checkpoint.ts). The cluster has no replicas: a
 * replica promoted in its place could lack the last writes its primary acknowledged (Redis
 * replicates asynchronously), which exactly-once cannot survive.
 */
let run: FleetRun;

beforeAll(async () => {
  run = await startFleetRun({
    name: 'chaos-redis-cluster',
    seed: 12,
    redisCluster: { replicasPerPrimary: 0 },
  });
}, 240_000);

afterAll(async () => {
  await run?.finish('redis-cluster');
});

describe.sequential('a Redis Cluster, a primary killed under load', () => {
  it('streams: records acknowledged, customers receiving', async () => {
    onTestFailed(() => run.dumpLogs());
    await expect.poll(() => run.acked().length, { timeout: 90_000 }).toBeGreaterThan(2000);
    await expect.poll(() => run.customers.positions, { timeout: 30_000 }).toBeGreaterThan(50);
  });

  it('kill -9 of a primary, restarted on its append-only file: nothing lost or applied twice', async () => {
    onTestFailed(() => run.dumpLogs());
    const cluster = run.chaos.redisCluster!;
    const tKill = Date.now();
    process.kill(-cluster.nodes[0]!.process.pid, 'SIGKILL');
    await cluster.nodes[0]!.process.exited;
    // Down 5 s while the fleet keeps sending: the outage's length.
    await sleep(5_000);
    await cluster.restartNode(0);
    const c = await run.afterRedisOutage(
      'redisPrimaryKill',
      'kill -9 a Redis Cluster primary mid-stream, restart it on its AOF',
      tKill,
      Date.now(),
    );
    expectConsistent(c);
  });

  it('the simulator ends cleanly: no send failed', async () => {
    onTestFailed(() => run.dumpLogs());
    run.sim.child.kill('SIGTERM');
    expect(await run.sim.exited).toBe(0);
    const c = await run.checkpoint('end');
    expectConsistent(c);
    for (const g of [...FLEET_GROUPS, 'gateway', 'ops'])
      expect(run.chaos.roles.alive(g).length).toBeGreaterThan(0);
    run.figures.supervisorRestarts = run.chaos.roles.restarts.length;
  });
});
