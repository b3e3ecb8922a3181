import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { AnalyticsSummarySchema, LagSnapshotSchema } from '@fleetstream/contracts';
import { computeGroundTruth } from '@fleetstream/backend/domain/analytics';
import { tailFile } from '@fleetstream/infra/managed-process';
import { repoRoot } from '@fleetstream/infra/paths';
import { groupLag } from '@fleetstream/testkit/kafka-readback';
import {
  analyticsDifferences,
  compareAckedToStored,
  longestAckGap,
  parseAckedLog,
  readLocationTopic,
} from '@fleetstream/testkit/ground-truth';
import { recordFault } from '@fleetstream/backend/testing/reliability-ledger';
import { quietKafka, type Kafka } from '@fleetstream/testkit/clients';
import { ChaosStack, since, sleep } from './chaos-stack.js';

/**
 * Broker failover on a real 3-node KRaft cluster (RF 3, min.insync.replicas 2, acks=all): the
 * simulator streams while we kill -9 the broker leading the most partitions, restart it once
 * the others took over, then kill -9 one of the two instances of each consumer group. Ground
 * truth is the simulator's log of acknowledged records: every one must be on the topic, the
 * ops view must show each group's partitions owned by the surviving member, every group's lag
 * must return to 0, and the analytics totals must equal a recount of the topic.
 */
const GROUPS = ['live-push', 'analytics', 'notifications'] as const;
const PARTITIONS = 12;

let chaos: ChaosStack;
/** Failover figures, printed and written to artifacts/chaos-failover.json (also on failure). */
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  chaos = await ChaosStack.start({
    name: 'chaos',
    roles: ['gateway', 'ops', ...GROUPS],
    env: {
      TOPIC_REPLICATION_FACTOR: '3',
      TOPIC_MIN_INSYNC_REPLICAS: '2',
      LOCATION_PARTITIONS: String(PARTITIONS),
      OPS_POLL_INTERVAL_MS: '1000',
    },
  });
  for (const g of GROUPS)
    chaos.roles.supervise(chaos.stack.spawn(`${g}-2`, 'backend/src/main.ts', [g]), g);
}, 240_000);

afterAll(() => chaos?.stop());

async function opsLag() {
  const body = await chaos.getJson('/api/ops/lag');
  return body ? LagSnapshotSchema.parse(body) : null;
}

/** Per group: member ids and the partitions each owns, as the ops view shows them. */
async function membersByGroup() {
  const views = await chaos.groupViews(GROUPS);
  return new Map(
    GROUPS.map((g, i) => [
      g,
      { members: views[i]?.members ?? [], partitions: views[i]?.partitions ?? [] },
    ]),
  );
}

/** Waits until both instances of every group own partitions, as the ops view shows them. */
async function bothInstancesOwnPartitions() {
  await expect
    .poll(
      async () =>
        [...(await membersByGroup()).values()].map(
          (g) => g.members.filter((m) => m.partitions.length > 0).length,
        ),
      { timeout: 90_000, interval: 1000 },
    )
    .toEqual([2, 2, 2]);
}

/** Partition → leader node id, and which partitions list each node in their ISR. */
async function leadership(admin: ReturnType<Kafka['admin']>, topic: string) {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  return topics[0]!.partitions.map((p) => ({
    partition: p.partitionId,
    leader: p.leader,
    isr: p.isr,
  }));
}

it(
  'loses no acknowledged record across a broker kill -9 and a member kill -9 per group',
  { timeout: 480_000 },
  async () => {
    onTestFailed(() => {
      chaos.dumpLogs(chaos.stack.processes.length, 15);
      console.error(`chaos figures so far: ${JSON.stringify(figures)}`);
    });
    const { cluster, stack, roles, brokers } = chaos;
    const topic = `${stack.namespace}delivery-location`;
    const ackedLog = path.join(chaos.dir, 'acked.log');
    const admin = quietKafka('failover-admin', cluster.brokers).admin();
    await admin.connect();
    const t0 = Date.now();

    // Both instances of every group own partitions before anything happens.
    await bothInstancesOwnPartitions();

    // 200 drivers, fleet time at 2×: about 400 records/s. No GPS faults, so every (driver, seq)
    // is sent once and any duplicate on the topic would come from a producer retry.
    const sim = stack.spawn('simulator', 'driver-simulator/src/cli.ts', [
      ...['--drivers', '200', '--speedup', '2', '--seed', '5', '--no-faults', '--quiet'],
      ...['--brokers', brokers, '--topic', topic, '--acked-log', ackedLog],
    ]);
    const acked = () =>
      parseAckedLog(fs.existsSync(ackedLog) ? fs.readFileSync(ackedLog, 'utf8') : '');
    await expect.poll(() => acked().length, { timeout: 60_000 }).toBeGreaterThan(2000);
    // The fleet streams 10 s more on the healthy cluster before the fault: a baseline of load
    // for the kill to interrupt, not a wait for anything.
    await sleep(10_000);

    // --- 1. kill -9 the broker that leads the most partitions of the topic.
    const leaders = await leadership(admin, topic);
    const counts = new Map<number, number>();
    for (const p of leaders) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
    const [victim, led] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    const controller = (await admin.describeCluster()).controller;
    const tKill = Date.now();
    await cluster.kill(victim);
    console.log(
      `chaos: killed broker ${victim} (leader of ${led}/${PARTITIONS} partitions${controller === victim ? ', active controller' : ''}) at +${since(t0)} s`,
    );
    // Its partitions get new leaders from the ISR, and writes go on with two replicas.
    await expect
      .poll(
        async () =>
          (await leadership(admin, topic)).filter((p) => p.leader === victim || p.leader < 0)
            .length,
        { timeout: 60_000, interval: 250 },
      )
      .toBe(0);
    const leadersMovedS = since(tKill);
    const ackedAtKill = acked().length;
    await expect
      .poll(() => acked().filter((a) => a.at > tKill).length, { timeout: 60_000 })
      .toBeGreaterThan(0);
    const tWritesResumed = Date.now();
    // Writes go on with two replicas: 2,000 more acknowledged within 20 s.
    await expect
      .poll(() => acked().length, {
        timeout: 20_000,
        message: 'fewer than 2,000 records acknowledged in 20 s with one broker down',
      })
      .toBeGreaterThan(ackedAtKill + 2000);
    // The broker stays down for 20 s of writes in all: the length of the fault, not a wait.
    await sleep(tWritesResumed + 20_000 - Date.now());
    figures.brokerKill = {
      victim,
      ledPartitions: led,
      wasController: controller === victim,
      leadersMovedS,
      producerStallS: longestAckGap(acked(), tKill - 2000, Date.now()).ms / 1000,
    };

    // --- 2. restart it; it catches up and rejoins every ISR.
    const tRestart = Date.now();
    await cluster.restart(victim);
    await expect
      .poll(async () => (await leadership(admin, topic)).every((p) => p.isr.length === 3), {
        timeout: 150_000,
        interval: 500,
      })
      .toBe(true);
    figures.brokerRestart = { backInAllIsrS: since(tRestart) };
    // The fleet streams 10 s on the healed cluster before the next fault: load, not a wait.
    await sleep(10_000);

    // --- 3. both instances of each group are members again; kill -9 one of each.
    await bothInstancesOwnPartitions();
    const before = await membersByGroup();
    const tMembers = Date.now();
    for (const g of GROUPS) await roles.kill(g);
    // The survivor of each group owns every partition, as the ops members view shows.
    await expect
      .poll(
        async () =>
          [...(await membersByGroup()).values()].map(
            (g) =>
              g.members.length === 1 &&
              g.members[0]!.partitions.length === PARTITIONS &&
              g.partitions.length === PARTITIONS &&
              g.partitions.every((p) => p.owner !== null),
          ),
        { timeout: 60_000, interval: 500 },
      )
      .toEqual([true, true, true]);
    const after = await membersByGroup();
    for (const g of GROUPS) {
      const survivor = after.get(g)!.members[0]!.memberId;
      expect(before.get(g)!.members.map((m) => m.memberId)).toContain(survivor);
    }
    figures.memberKill = { reassignedS: since(tMembers) };
    // The survivors carry the stream alone for 10 s: the length of the fault, not a wait.
    await sleep(10_000);

    // --- 4. stop producing; every group drains to lag 0.
    sim.child.kill('SIGTERM');
    const simExit = await sim.exited;
    figures.simulator = tailFile(sim.logFile, 5)
      .split('\n')
      .find((l) => l.startsWith('simulate: done'));
    expect(simExit).toBe(0); // 0 = no send failed, even during the failover
    const tDrain = Date.now();
    await expect
      .poll(
        async () =>
          Promise.all(GROUPS.map((g) => groupLag(brokers, `${stack.namespace}${g}`, topic))),
        { timeout: 120_000, interval: 500 },
      )
      .toEqual([0, 0, 0]);
    await expect
      .poll(async () => (await opsLag())?.groups.map((g) => g.lag), {
        timeout: 30_000,
        interval: 500,
      })
      .toEqual([0, 0, 0]);
    figures.drainS = since(tDrain);

    // --- 5. ground truth: every acknowledged record is on the topic, once, in order.
    const { records, stored } = await readLocationTopic(brokers, topic);
    const report = compareAckedToStored(acked(), stored);
    figures.records = { ...report, lost: report.lost.length };
    recordFault({
      fault: 'kill -9 the leading broker of 3 (RF 3), restart it; kill -9 one member per group',
      runs: 1,
      checked: report.acked,
      lost: report.lost.length,
      duplicated: report.duplicates,
      ok: report.outOfOrder === 0 && report.splitDrivers === 0,
      note: `leaders moved in ${leadersMovedS} s; partitions reassigned in ${String((figures.memberKill as { reassignedS: number }).reassignedS)} s; ${roles.restarts.length} role restarts`,
    });
    expect(report.lost.slice(0, 10)).toEqual([]);
    expect(report.acked).toBeGreaterThan(20_000);
    expect(report.duplicateSamples).toEqual([]);
    expect(report).toMatchObject({ duplicates: 0, outOfOrder: 0, splitDrivers: 0 });

    // Analytics counted the topic exactly once, failovers included.
    const truth = computeGroundTruth(records);
    const res = await fetch(`${stack.baseUrl}/api/analytics/summary`, {
      headers: { Authorization: `Bearer ${stack.opsToken}` },
    });
    const summary = AnalyticsSummarySchema.parse(await res.json());
    expect(
      analyticsDifferences(summary, truth, [
        'fixes',
        'tripEvents',
        'tripsCompleted',
        'cancellations',
        'duplicatesSkipped',
        'drivers',
      ]),
    ).toEqual([]);

    figures.supervisorRestarts = roles.restarts.map((r) => ({
      role: r.role,
      exit: r.exit,
      sinceBrokerKillS: Math.round((r.at - tKill) / 100) / 10,
    }));
    // Restarts are how roles recover from fatal Kafka errors; none may be left down.
    for (const g of [...GROUPS, 'gateway', 'ops']) expect(roles.alive(g).length).toBeGreaterThan(0);
    expect((await fetch(`${stack.baseUrl}/healthz`)).status).toBe(200);
    figures.totalS = since(t0);
    console.log(`chaos figures: ${JSON.stringify(figures)}`);
    fs.mkdirSync(path.join(repoRoot, 'artifacts'), { recursive: true });
    fs.writeFileSync(
      path.join(repoRoot, 'artifacts', 'chaos-failover.json'),
      `${JSON.stringify(figures, null, 2)}\n`,
    );
    await admin.disconnect();
  },
);
