import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  AnalyticsSummarySchema,
  LagSnapshotSchema,
  NotificationRecordSchema,
  SnapshotMessageSchema,
} from '@fleetstream/contracts';
import { computeGroundTruth } from '@fleetstream/backend/domain/analytics';
import { DEFAULT_MILESTONE_SETTINGS } from '@fleetstream/backend/domain/milestones';
import { signTrackingToken } from '@fleetstream/backend/domain/tracking-token';
import { createRng } from '@fleetstream/geo';
import { recordFault, type FaultRow } from '@fleetstream/backend/testing/reliability-ledger';
import { freePort } from '@fleetstream/infra/host';
import { startKafkaCluster, type KafkaCluster } from '@fleetstream/infra/kafka/cluster';
import { tailFile, type ManagedProcess } from '@fleetstream/infra/managed-process';
import { repoRoot } from '@fleetstream/infra/paths';
import { startRedisServer, type RedisServer } from '@fleetstream/infra/redis/server';
import { endOffsets, groupLag, readTopic } from '@fleetstream/testkit/kafka-readback';
import { startTestStack, type TestStack } from '@fleetstream/testkit/stack';
import { Customers } from './customers.js';
import {
  compareAckedToStored,
  expectedNotificationIds,
  latestPositionSeqs,
  longestAckGap,
  parseAckedLog,
  readLocationTopic,
} from '@fleetstream/testkit/ground-truth';
import { superviseRoles, type RoleSupervisor } from './supervision.js';

/**
 * Faults against the stack on ONE Kafka broker (the `npm start` layout, where a broker outage
 * is a full outage): kill -9 of the broker, SIGSTOP of the broker past the session timeout,
 * kill -9 of each worker mid-batch, a Redis restart. The simulator streams throughout; every
 * role runs under a supervisor that restarts it when it exits. After each fault the simulator
 * is paused, every group drains, and the whole history is checked against ground truth:
 * - Kafka: every record the simulator was told is stored is on the topic once, seqs in order;
 * - analytics: the totals equal a recount of the topic;
 * - notifications: the topic holds exactly the notifications a replay of the topic detects;
 * - live-push: each delivery's latest position is its highest-seq position on the topic, and
 *   customers following deliveries on WebSockets never saw a position twice or going back.
 */
const GROUPS = ['live-push', 'analytics', 'notifications'] as const;
const PARTITIONS = 6;
const STALL_S = 3600; // nobody stalls an hour here: "delayed" must never appear
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const since = (t: number) => Math.round((Date.now() - t) / 100) / 10;

let dir: string;
let cluster: KafkaCluster;
let redis: RedisServer;
let redisPort: number;
let stack: TestStack;
let roles: RoleSupervisor;
let customers: Customers;
let sim: ManagedProcess;
let ackedLog: string;
let topic: string;
let brokers: string;
/** Records checked at the previous checkpoint: each fault is credited with the new ones. */
let checkedBefore = 0;
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  process.setMaxListeners(50);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetstream-chaos1-'));
  redisPort = await freePort();
  redis = await startRedisServer({
    port: redisPort,
    dataDir: path.join(dir, 'redis'),
    readyTimeoutMs: 60_000,
  });
  cluster = await startKafkaCluster({ dataDir: path.join(dir, 'kafka'), size: 1, heap: '768m' });
  brokers = cluster.brokers.join(',');
  stack = await startTestStack({
    brokers,
    redisUrl: redis.url,
    roles: ['gateway', 'ops', ...GROUPS],
    env: {
      LOCATION_PARTITIONS: String(PARTITIONS),
      OPS_POLL_INTERVAL_MS: '1000',
      NOTIFY_STALL_S: String(STALL_S),
      // The fleet runs 3× faster than the wall clock, so its fix times run ahead of the broker's.
      RECORD_MAX_FUTURE_MS: '3600000',
    },
  });
  roles = superviseRoles(stack);
  for (const p of [...stack.processes]) roles.supervise(p, p.name);
  topic = `${stack.namespace}delivery-location`;
  ackedLog = path.join(dir, 'acked.log');
  // 150 couriers, fleet time at 3×: about 450 records/s. No GPS faults, so every (driver, seq)
  // is sent once and a duplicate on the topic could only come from a producer retry.
  sim = stack.spawn('simulator', 'driver-simulator/src/cli.ts', [
    ...['--drivers', '150', '--speedup', '3', '--seed', '11', '--no-faults', '--quiet'],
    ...['--brokers', brokers, '--topic', topic, '--acked-log', ackedLog],
  ]);
  customers = new Customers(stack.baseUrl, stack.opsToken, 20).start();
}, 240_000);

afterAll(async () => {
  customers?.stop();
  roles?.tearDown();
  await stack?.stop();
  await Promise.all([cluster?.stop(), redis?.stop()]);
  fs.mkdirSync(path.join(repoRoot, 'artifacts'), { recursive: true });
  fs.writeFileSync(
    path.join(repoRoot, 'artifacts', 'chaos-single-broker.json'),
    `${JSON.stringify({ ...figures, restarts: roles?.restarts }, null, 2)}\n`,
  );
  if (!process.env.FLEETSTREAM_KEEP_TEST_DATA) fs.rmSync(dir, { recursive: true, force: true });
});

function acked() {
  return parseAckedLog(fs.existsSync(ackedLog) ? fs.readFileSync(ackedLog, 'utf8') : '');
}

function dumpLogs() {
  for (const p of stack.processes.slice(-12))
    console.error(`--- ${p.name}\n${tailFile(p.logFile, 12)}`);
  for (const n of cluster.nodes) console.error(`--- kafka\n${tailFile(n.logFile, 10)}`);
  console.error(
    `chaos figures so far: ${JSON.stringify({ ...figures, restarts: roles.restarts })}`,
  );
}

async function get(pathname: string, token = stack.opsToken) {
  const res = await fetch(`${stack.baseUrl}${pathname}`, {
    headers: { Authorization: `Bearer ${token}` },
  }).catch(() => null);
  return res?.status === 200 ? ((await res.json()) as unknown) : null;
}

/** Per group: how many members own partitions and how many partitions have an owner. */
async function ownership() {
  const body = await get('/api/ops/lag');
  const view = body ? LagSnapshotSchema.parse(body) : null;
  return GROUPS.map((g) => {
    const lag = view?.groups.find((x) => x.groupId === `${stack.namespace}${g}`);
    return (lag?.partitions ?? []).filter((p) => p.owner !== null).length;
  });
}

/** Per group: the member ids the ops view shows. */
async function memberIds() {
  const body = await get('/api/ops/lag');
  const view = body ? LagSnapshotSchema.parse(body) : null;
  return GROUPS.map(
    (g) =>
      view?.groups
        .find((x) => x.groupId === `${stack.namespace}${g}`)
        ?.members.map((m) => m.memberId) ?? [],
  );
}

function signalBroker(signal: NodeJS.Signals) {
  const pid = cluster.nodes[0]!.pid;
  if (pid === undefined) throw new Error('the broker is not running');
  process.kill(-pid, signal);
}

/** Pauses or resumes the simulator while it runs (it ends before the last checkpoint). */
function signalSimulator(signal: 'SIGSTOP' | 'SIGCONT') {
  if (sim.child.exitCode === null && sim.child.signalCode === null) process.kill(-sim.pid, signal);
}

/**
 * Pauses the simulator, lets every group drain, and checks everything produced so far against
 * the ground truth. Returns the ledger figures for the fault just injected; `group` narrows
 * lost/duplicated to that group's sink (undefined: all sinks and the topic).
 */
async function checkpoint(label: string) {
  signalSimulator('SIGSTOP');
  try {
    const tDrain = Date.now();
    await expect
      .poll(
        () => Promise.all(GROUPS.map((g) => groupLag(brokers, `${stack.namespace}${g}`, topic))),
        {
          timeout: 150_000,
          interval: 500,
        },
      )
      .toEqual([0, 0, 0]);
    const drainS = since(tDrain);

    const { records, stored, partitions } = await readLocationTopic(brokers, topic);
    const kafka = compareAckedToStored(acked(), stored);

    // analytics: totals against a recount of the topic
    const truth = computeGroundTruth(records);
    const summary = AnalyticsSummarySchema.parse(await get('/api/analytics/summary'));
    const analytics = {
      fixes: summary.fixes - truth.fixes,
      tripEvents: summary.tripEvents - truth.tripEvents,
      distanceM: Math.abs(summary.distanceKm * 1000 - truth.distanceM),
      exact:
        summary.fixes === truth.fixes &&
        summary.tripEvents === truth.tripEvents &&
        summary.tripsCompleted === truth.tripsCompleted &&
        summary.cancellations === truth.cancellations &&
        summary.drivers === truth.drivers &&
        Math.abs(summary.distanceKm * 1000 - truth.distanceM) < 1,
    };

    // notifications: exactly the ids a replay of the topic detects
    const expected = expectedNotificationIds(partitions, {
      ...DEFAULT_MILESTONE_SETTINGS,
      stallS: STALL_S,
    }).ids;
    const onTopic = new Map<string, number>();
    for (const r of await readTopic(brokers, `${stack.namespace}delivery-notifications`)) {
      const n = NotificationRecordSchema.parse(JSON.parse(r.value!.toString()));
      onTopic.set(n.id, (onTopic.get(n.id) ?? 0) + 1);
    }
    const notifications = {
      expected: expected.size,
      missing: [...expected].filter((id) => !onTopic.has(id)).length,
      unexpected: [...onTopic.keys()].filter((id) => !expected.has(id)).length,
      duplicated: [...onTopic.values()].reduce((s, c) => s + c - 1, 0),
    };

    // live-push: every delivery shows its newest position
    const latest = latestPositionSeqs(records);
    let behind = 0;
    let ahead = 0;
    const secret = stack.env.TRACKING_SECRET!;
    const ids = [...latest.keys()];
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map(async (id) => {
          const token = signTrackingToken(secret, id, Date.now() + 3_600_000);
          const body = await get(`/api/track/${encodeURIComponent(id)}?t=${token}`, token);
          const seq = body ? (SnapshotMessageSchema.parse(body).position?.seq ?? -1) : -1;
          if (seq < latest.get(id)!) behind++;
          if (seq > latest.get(id)!) ahead++;
        }),
      );
    }
    const livePush = {
      deliveries: ids.length,
      behind,
      ahead,
      customerPositions: customers.positions,
      customerRegressions: customers.regressions,
      customerRepeats: customers.repeats,
    };

    const newRecords = kafka.stored - checkedBefore;
    checkedBefore = kafka.stored;
    const result = {
      label,
      drainS,
      kafka: { ...kafka, lost: kafka.lost.length },
      analytics,
      notifications,
      livePush,
    };
    figures[label] = result;
    console.log(`chaos checkpoint ${label}: ${JSON.stringify(result)}`);
    return {
      newRecords,
      kafka,
      analytics,
      notifications,
      livePush,
      /** The row for the Kafka-level fault: the topic against the acknowledgements. */
      kafkaRow: (fault: string, runs: number, note: string): FaultRow => ({
        fault,
        runs,
        checked: newRecords,
        lost: kafka.lost.length,
        duplicated: kafka.duplicates,
        ok:
          kafka.outOfOrder === 0 &&
          analytics.exact &&
          notifications.missing + notifications.unexpected + notifications.duplicated === 0 &&
          behind + ahead + customers.regressions + customers.repeats === 0,
        note,
      }),
    };
  } finally {
    signalSimulator('SIGCONT');
  }
}

/** Every invariant of a checkpoint, asserted after its ledger rows were written. */
function expectConsistent(c: Awaited<ReturnType<typeof checkpoint>>) {
  expect(c.kafka.lost.slice(0, 10)).toEqual([]);
  expect(c.kafka).toMatchObject({ duplicates: 0, outOfOrder: 0, splitDrivers: 0 });
  expect(c.analytics).toMatchObject({ fixes: 0, tripEvents: 0, exact: true });
  expect(c.notifications).toMatchObject({ missing: 0, unexpected: 0, duplicated: 0 });
  expect(c.livePush).toMatchObject({
    behind: 0,
    ahead: 0,
    customerRegressions: 0,
    customerRepeats: 0,
  });
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
    await cluster.kill(1);
    await sleep(5_000);
    const tRestart = Date.now();
    await cluster.restart(1);
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
    const sessionS = Number(stack.env.KAFKA_SESSION_TIMEOUT_MS) / 1000;
    const membersBefore = await memberIds();
    const endsAtStop = await endOffsets(brokers, topic);
    signalBroker('SIGSTOP');
    const tStop = Date.now();
    await sleep((sessionS + 9) * 1000);
    signalBroker('SIGCONT');
    const tCont = Date.now();
    // Every group consumes again: each commits past where the topic ended when the broker froze.
    await expect
      .poll(
        () =>
          Promise.all(
            GROUPS.map((g) => groupLag(brokers, `${stack.namespace}${g}`, topic, endsAtStop)),
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
        await sleep(2_000 + random() * 3_000);
        await roles.kill(g);
        roles.supervise(stack.spawn(`${g}-k${round}`, 'backend/src/main.ts', [g]), g);
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
    await redis.stop(); // SIGTERM: Redis writes its append-only file out, then exits
    redis = await startRedisServer({
      port: redisPort,
      dataDir: path.join(dir, 'redis'),
      readyTimeoutMs: 60_000,
    });
    const tBack = Date.now();
    // The same connections keep receiving: gateways resubscribed on their own.
    await expect
      .poll(() => customers.keptReceiving(tBack).receiving, { timeout: 60_000 })
      .toBeGreaterThan(0);
    const kept = customers.keptReceiving(tBack);
    await expect
      .poll(() => customers.positionsSince(tBack), { timeout: 60_000 })
      .toBeGreaterThan(50);
    const c = await checkpoint('redisRestart');
    figures.redisRestart = {
      ...(figures.redisRestart as object),
      downS: Math.round((tBack - tStop) / 100) / 10,
      socketsKeptReceiving: kept,
    };
    recordFault({
      ...c.kafkaRow(
        'restart Redis mid-stream',
        1,
        `${kept.receiving} of ${kept.of} customer sockets kept receiving on the same connection`,
      ),
      lost: c.kafka.lost.length + c.livePush.behind + c.notifications.missing,
      duplicated: c.kafka.duplicates + c.livePush.customerRepeats + c.notifications.duplicated,
    });
    expectConsistent(c);
  });

  it('the simulator ends cleanly: no send failed across all the faults', async () => {
    onTestFailed(dumpLogs);
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
    const c = await checkpoint('end');
    expect(c.kafka.acked).toBeGreaterThan(20_000);
    expectConsistent(c);
    for (const g of [...GROUPS, 'gateway', 'ops']) expect(roles.alive(g).length).toBeGreaterThan(0);
    figures.supervisorRestarts = roles.restarts.length;
  });
});
