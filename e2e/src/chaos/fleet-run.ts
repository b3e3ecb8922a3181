import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { recordFault } from '@fleetstream/backend/testing/reliability-ledger';
import type { ManagedProcess } from '@fleetstream/infra/managed-process';
import { repoRoot } from '@fleetstream/infra/paths';
import { parseAckedLog } from '@fleetstream/testkit/ground-truth';
import { ChaosStack, type ChaosStackOptions } from './chaos-stack.js';
import { Customers } from './customers.js';
import { groundTruthCheckpoints } from './ground-truth-checkpoint.js';

export const FLEET_GROUPS = ['live-push', 'analytics', 'notifications'] as const;
export const FLEET_PARTITIONS = 6;
const STALL_S = 3600; // nobody stalls an hour here: "delayed" must never appear

/**
 * A chaos file's set-up on one broker: the roles under supervision, 150 couriers streaming at
 * 3× (about 450 records/s, no GPS faults, so every (driver, seq) is sent once and a duplicate
 * on the topic could only come from a producer retry), 20 customers watching, and ground-truth
 * checkpoints that pause the fleet and drain every group.
 */
export async function startFleetRun(o: {
  name: string;
  seed: number;
  redisCluster?: ChaosStackOptions['redisCluster'];
}) {
  const chaos = await ChaosStack.start({
    name: o.name,
    kafka: { size: 1, heap: '768m' },
    roles: ['gateway', 'ops', ...FLEET_GROUPS],
    ...(o.redisCluster ? { redisCluster: o.redisCluster } : {}),
    env: {
      LOCATION_PARTITIONS: String(FLEET_PARTITIONS),
      OPS_POLL_INTERVAL_MS: '1000',
      NOTIFY_STALL_S: String(STALL_S),
      // The fleet runs 3× faster than the wall clock, so its fix times run ahead of the broker's.
      RECORD_MAX_FUTURE_MS: '3600000',
    },
  });
  const { stack } = chaos;
  const topic = `${stack.namespace}delivery-location`;
  const ackedLog = path.join(chaos.dir, 'acked.log');
  const sim: ManagedProcess = stack.spawn('simulator', 'driver-simulator/src/cli.ts', [
    ...['--drivers', '150', '--speedup', '3', '--seed', String(o.seed), '--no-faults', '--quiet'],
    ...['--brokers', chaos.brokers, '--topic', topic, '--acked-log', ackedLog],
  ]);
  const customers = new Customers(stack.baseUrl, stack.opsToken, 20).start();
  const figures: Record<string, unknown> = {};
  const acked = () =>
    parseAckedLog(fs.existsSync(ackedLog) ? fs.readFileSync(ackedLog, 'utf8') : '');
  /** Pauses or resumes the simulator while it runs (it ends before the last checkpoint). */
  const signalSimulator = (signal: 'SIGSTOP' | 'SIGCONT') => {
    if (sim.child.exitCode === null && sim.child.signalCode === null)
      process.kill(-sim.pid, signal);
  };
  const checkpoint = groundTruthCheckpoints({
    chaos,
    topic,
    groups: FLEET_GROUPS,
    stallS: STALL_S,
    acked,
    customers,
    pauseProducers: (paused) => signalSimulator(paused ? 'SIGSTOP' : 'SIGCONT'),
    figures,
  });
  return {
    chaos,
    topic,
    sim,
    customers,
    figures,
    acked,
    signalSimulator,
    checkpoint,
    /**
     * After Redis was down from `tDown` and answers again from `tBack`: waits until every
     * customer socket open since before the fault receives again (on the same socket, its
     * gateway having resubscribed on its own; a socket whose delivery ends meanwhile closes and
     * drops out), checks ground truth, keeps the figures under `label` and records the fault's
     * row.
     */
    async afterRedisOutage(label: string, fault: string, tDown: number, tBack: number) {
      await expect
        .poll(
          () => {
            const k = customers.keptReceiving(tBack);
            return { open: k.of > 0, notReceiving: k.of - k.receiving, ...k };
          },
          { timeout: 60_000 },
        )
        .toMatchObject({ open: true, notReceiving: 0 });
      const allBackS = Math.round((Date.now() - tBack) / 100) / 10;
      const kept = customers.keptReceiving(tBack);
      await expect
        .poll(() => customers.positionsSince(tBack), { timeout: 60_000 })
        .toBeGreaterThan(50);
      const c = await checkpoint(label);
      figures[label] = {
        ...(figures[label] as object),
        downS: Math.round((tBack - tDown) / 100) / 10,
        socketsKeptReceiving: kept,
        allReceivingAgainS: allBackS,
      };
      recordFault({
        ...c.kafkaRow(
          fault,
          1,
          `all ${kept.of} customer sockets open since before it received again on the same connection, ${allBackS} s after Redis was back`,
        ),
        lost: c.kafka.lost.length + c.livePush.behind + c.notifications.missing,
        duplicated: c.kafka.duplicates + c.livePush.customerRepeats + c.notifications.duplicated,
      });
      return c;
    },
    /** The tails of the logs and the figures so far, for a failed test. */
    dumpLogs() {
      chaos.dumpLogs(12);
      console.error(`chaos figures so far: ${JSON.stringify(figures)}`);
    },
    /** Stops everything and writes the figures to artifacts/chaos-<name>.json. */
    async finish(name: string) {
      customers.stop();
      await chaos.stop();
      fs.mkdirSync(path.join(repoRoot, 'artifacts'), { recursive: true });
      fs.writeFileSync(
        path.join(repoRoot, 'artifacts', `chaos-${name}.json`),
        `${JSON.stringify({ ...figures, restarts: chaos.roles.restarts }, null, 2)}\n`,
      );
    },
  };
}

export type FleetRun = Awaited<ReturnType<typeof startFleetRun>>;
