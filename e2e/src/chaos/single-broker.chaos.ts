import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createRng } from '@fleetstream/geo';
import { recordFault } from '@fleetstream/backend/testing/reliability-ledger';
import type { ManagedProcess } from '@fleetstream/infra/managed-process';
import { endOffsets, groupLag } from '@fleetstream/testkit/kafka-readback';
import { longestAckGap } from '@fleetstream/testkit/ground-truth';
import { since, sleep, type ChaosStack } from './chaos-stack.js';
import { FLEET_GROUPS, FLEET_PARTITIONS, startFleetRun, type FleetRun } from './fleet-run.js';
import { expectConsistent } from './ground-truth-checkpoint.js';

/**
 * Faults against the stack on ONE Kafka broker (the `npm start` layout, where a broker outage
 * is a full outage): kill -9 of the broker, SIGSTOP of the broker past the session timeout,
 * kill -9 of each worker mid-batch, a Redis restart. The simulator streams throughout; every
 * role runs under a supervisor that restarts it when it exits. After each fault the simulator
 * is paused, every group drains, and the whole history is checked against ground truth
 * (ground-truth-checkpoint.ts).
 */
const GROUPS = FLEET_GROUPS;
const PARTITIONS = FLEET_PARTITIONS;

let run: FleetRun;
let chaos: ChaosStack;
let customers: FleetRun['customers'];
let sim: ManagedProcess;
let topic: string;
let brokers: string;
let checkpoint: FleetRun['checkpoint'];
let figures: FleetRun['figures'];
let acked: FleetRun['acked'];
let dumpLogs: FleetRun['dumpLogs'];

beforeAll(async () => {
  run = await startFleetRun({ name: 'chaos1', seed: 11 });
  ({ chaos, customers, sim, topic, checkpoint, figures, acked } = run);
  dumpLogs = () => run.dumpLogs();
  brokers = chaos.brokers;
}, 240_000);

afterAll(async () => {
  await run?.finish('single-broker');
});

/** Per group: how many of its partitions have an owner. */
async function ownership() {
  return (await chaos.groupViews(GROUPS)).map(
    (g) => (g?.partitions ?? []).filter((p) => p.owner !== null).length,
  );
}

/** Per group: the member ids the ops view shows. */
async function memberIds() {
  return (await chaos.groupViews(GROUPS)).map((g) => g?.members.map((m) => m.memberId) ?? []);
}

function signalBroker(signal: NodeJS.Signals) {
  const pid = chaos.cluster.nodes[0]!.pid;
  if (pid === undefined) throw new Error('the broker is not running');
  process.kill(-pid, signal);
}

describe.sequential('one broker, faults in turn, ground truth after each', () => {
  it('streams: records acknowledged, customers receiving', async () => {
    onTestFailed(dumpLogs);
    await expect.poll(() => acked().length, { timeout: 90_000 }).toBeGreaterThan(2000);
    await expect.poll(() => customers.positions, { timeout: 30_000 }).toBeGreaterThan(50);
  });

  it('kill -9 of the broker mid-stream, then restart: nothing acknowledged lost', async () => {
    onTestFailed(dumpLogs);
    const tKill = Date.now();
    await chaos.cluster.kill(1);
    // The broker stays down 5 s while the fleet keeps sending: the outage's length.
    await sleep(5_000);
    const tRestart = Date.now();
    await chaos.cluster.restart(1);
    const restartS = since(tRestart);
    // Producer and every group recover on their own (roles that exit are restarted).
    await expect
      .poll(() => acked().filter((a) => a.at > tRestart).length, { timeout: 90_000 })
      .toBeGreaterThan(500);
    await expect
      .poll(ownership, { timeout: 90_000, interval: 1000 })
      .toEqual([PARTITIONS, PARTITIONS, PARTITIONS]);
    await expect
      .poll(() => customers.positionsSince(tRestart), { timeout: 60_000 })
      .toBeGreaterThan(20);
    const stall = longestAckGap(acked(), tKill - 2000, Date.now()).ms / 1000;
    const c = await checkpoint('brokerKill');
    figures.brokerKill = { ...(figures.brokerKill as object), restartS, producerStallS: stall };
    recordFault(
      c.kafkaRow(
        'kill -9 the only broker mid-stream, restart it',
        1,
        `producers stalled ${stall} s`,
      ),
    );
    expectConsistent(c);
  });

  it('SIGSTOP of the broker past the session timeout, then SIGCONT: every group rejoins', async () => {
    onTestFailed(dumpLogs);
    const sessionS = Number(chaos.stack.env.KAFKA_SESSION_TIMEOUT_MS) / 1000;
    const membersBefore = await memberIds();
    const endsAtStop = await endOffsets(brokers, topic);
    signalBroker('SIGSTOP');
    const tStop = Date.now();
    // Frozen past the session timeout, so the broker expires the members: the fault itself.
    await sleep((sessionS + 9) * 1000);
    signalBroker('SIGCONT');
    const tCont = Date.now();
    // Every group consumes again: each commits past where the topic ended when the broker froze.
    await expect
      .poll(
        () =>
          Promise.all(
            GROUPS.map((g) => groupLag(brokers, `${chaos.stack.namespace}${g}`, topic, endsAtStop)),
          ),
        { timeout: 120_000, interval: 500 },
      )
      .toEqual([0, 0, 0]);
    const rejoinS = since(tCont);
    await expect
      .poll(ownership, { timeout: 120_000, interval: 1000 })
      .toEqual([PARTITIONS, PARTITIONS, PARTITIONS]);
    // Members the broker expired while frozen come back under new member ids.
    const membersAfter = await memberIds();
    const rejoined = GROUPS.filter(
      (_, i) => !membersAfter[i]!.every((id) => membersBefore[i]!.includes(id)),
    );
    await expect
      .poll(() => acked().filter((a) => a.at > tCont).length, { timeout: 60_000 })
      .toBeGreaterThan(500);
    await expect
      .poll(() => customers.positionsSince(tCont), { timeout: 60_000 })
      .toBeGreaterThan(20);
    const c = await checkpoint('brokerStop');
    figures.brokerStop = {
      ...(figures.brokerStop as object),
      stoppedS: Math.round((tCont - tStop) / 100) / 10,
      consumingAgainS: rejoinS,
      groupsRejoinedWithNewMembers: rejoined,
    };
    recordFault(
      c.kafkaRow(
        `SIGSTOP the broker ${sessionS + 9} s (session timeout ${sessionS} s), SIGCONT`,
        1,
        `every group committed past the frozen end ${rejoinS} s after SIGCONT; rejoined with new members: ${rejoined.join(', ') || 'none'}`,
      ),
    );
    expectConsistent(c);
  });

  it('kill -9 of each worker mid-batch, three times: nothing lost, nothing twice', async () => {
    onTestFailed(dumpLogs);
    const ROUNDS = 3;
    // Seeded: a failure replays with the same kill times.
    const random = createRng(23);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const g of GROUPS) {
        // Kills 2–5 s apart, each worker mid-batch under the stream: spacing, not a wait.
        await sleep(2_000 + random() * 3_000);
        await chaos.roles.kill(g);
        chaos.roles.supervise(chaos.stack.spawn(`${g}-k${round}`, 'backend/src/main.ts', [g]), g);
      }
    }
    await expect
      .poll(ownership, { timeout: 90_000, interval: 1000 })
      .toEqual([PARTITIONS, PARTITIONS, PARTITIONS]);
    const c = await checkpoint('workerKills');
    recordFault({
      fault: 'kill -9 live-push worker mid-batch',
      runs: ROUNDS,
      checked: c.newRecords,
      lost: c.livePush.behind,
      duplicated: c.livePush.customerRepeats,
      ok: c.livePush.ahead + c.livePush.customerRegressions === 0,
      note: `${c.livePush.deliveries} deliveries' latest positions and ${c.livePush.customerPositions} positions at 20 customers checked`,
    });
    recordFault({
      fault: 'kill -9 analytics worker mid-batch',
      runs: ROUNDS,
      checked: c.newRecords,
      lost: Math.max(0, -c.analytics.fixes) + Math.max(0, -c.analytics.tripEvents),
      duplicated: Math.max(0, c.analytics.fixes) + Math.max(0, c.analytics.tripEvents),
      ok: c.analytics.exact,
      note: 'totals against a recount of the topic',
    });
    recordFault({
      fault: 'kill -9 notifications worker mid-batch',
      runs: ROUNDS,
      checked: c.newRecords,
      lost: c.notifications.missing,
      duplicated: c.notifications.duplicated + c.notifications.unexpected,
      note: `${c.notifications.expected} notifications expected from a replay of the topic`,
    });
    expectConsistent(c);
  });

  it('Redis restart mid-stream: nothing applied twice, customers keep receiving', async () => {
    onTestFailed(dumpLogs);
    const tStop = Date.now();
    await chaos.redis.stop(); // SIGTERM: Redis writes its append-only file out, then exits
    await chaos.restartRedis();
    const c = await run.afterRedisOutage(
      'redisRestart',
      'restart Redis mid-stream',
      tStop,
      Date.now(),
    );
    expectConsistent(c);
  });

  it('the simulator ends cleanly: no send failed across all the faults', async () => {
    onTestFailed(dumpLogs);
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
    const c = await checkpoint('end');
    expect(c.kafka.acked).toBeGreaterThan(20_000);
    expectConsistent(c);
    for (const g of [...GROUPS, 'gateway', 'ops'])
      expect(chaos.roles.alive(g).length).toBeGreaterThan(0);
    figures.supervisorRestarts = chaos.roles.restarts.length;
  });
});
