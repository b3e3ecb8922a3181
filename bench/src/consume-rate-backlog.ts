// consume-rate.ts on a preloaded backlog: one group at a time, timed from its first commit to
// the commit that brings its lag to 0.
import os from 'node:os';
import { tailFile } from '@fleetstream/infra/managed-process';
import type { Admin, Kafka, Redis } from '@fleetstream/testkit/clients';
import {
  backlog,
  committed,
  cpuSeconds,
  endOffsets,
  fmt,
  machineBusySeconds,
  preload,
  inMeasurement,
  rawConsume,
  redisCpuSeconds,
  say,
  sleep,
  startRole,
  type Group,
  type Measurement,
  type Variant,
} from './consume-rate-kit.js';

export interface GroupRun {
  variant: string;
  group: Group;
  recordsPerS: number;
  /** CPU of the role process per record, in the measured window. */
  roleCpuUsPerRecord: number;
  /** CPU of redis-server per record, in the same window. */
  redisCpuUsPerRecord: number;
  /** Busy share of the machine's cores in the window, everyone's work included. */
  machineBusy: number;
  seconds: number;
  /** From the role's start to lag 0, start-up and group join included. */
  wallSeconds: number;
  records: number;
}

export async function runGroup(o: {
  variant: Variant;
  measurement: Measurement;
  admin: Admin;
  redis: Redis;
  group: Group;
  total: number;
  timeoutS: number;
  cpuProf: string | undefined;
}): Promise<GroupRun> {
  const { topic, ns } = o.measurement;
  const groupId = `${ns}${o.group}`;
  const started = performance.now();
  const p = startRole(o.variant, o.group, o.measurement, o.cpuProf);
  let exited: string | null = null;
  void p.exited.then((c) => (exited = String(c)));
  try {
    let t0 = 0;
    let c0 = 0;
    let cpu0 = 0;
    let redis0 = 0;
    let busy0 = 0;
    const deadline = started + o.timeoutS * 1000;
    for (;;) {
      if (exited !== null)
        throw new Error(`${p.name} exited (${exited}):\n${tailFile(p.logFile, 15)}`);
      if (performance.now() > deadline)
        throw new Error(`${p.name} did not catch up within ${o.timeoutS} s`);
      const c = await committed(o.admin, groupId, topic);
      const now = performance.now();
      if (c > 0 && t0 === 0) {
        t0 = now;
        c0 = c;
        cpu0 = cpuSeconds(p.pid);
        redis0 = await redisCpuSeconds(o.redis);
        busy0 = machineBusySeconds();
      }
      if (c >= o.total) {
        const seconds = (now - t0) / 1000;
        const records = o.total - c0;
        return {
          roleCpuUsPerRecord: ((cpuSeconds(p.pid) - cpu0) * 1e6) / records,
          redisCpuUsPerRecord: (((await redisCpuSeconds(o.redis)) - redis0) * 1e6) / records,
          machineBusy: (machineBusySeconds() - busy0) / seconds / os.cpus().length,
          variant: o.variant.label,
          group: o.group,
          records: o.total - c0,
          seconds,
          // A backlog consumed before the first commit was seen cannot be timed: no rate (NaN).
          recordsPerS: o.total > c0 ? (o.total - c0) / Math.max(0.001, seconds) : NaN,
          wallSeconds: (now - started) / 1000,
        };
      }
      await sleep(100);
    }
  } finally {
    await p.stop(15_000);
  }
}

export async function measureOnce(o: {
  variant: Variant;
  kafka: Kafka;
  admin: Admin;
  redis: Redis;
  brokers: string;
  redisUrl: string;
  records: number;
  drivers: number;
  groups: Group[];
  timeoutS: number;
  /** Where the roles write their CPU profiles (--cpu-prof); none when undefined. */
  cpuProf?: string;
}): Promise<{ raw: number; groups: GroupRun[] }> {
  // The rate is read from the committed offsets, sampled every 100 ms: a group that commits
  // once a second (the default) would be timed to the second. On a backlog every fetch cycle
  // then ends in a commit, a few a second, which costs next to nothing.
  return inMeasurement(o, { KAFKA_COMMIT_INTERVAL_MS: '100' }, async (m) => {
    const { topic } = m;
    const t = performance.now();
    await preload(o.kafka, topic, backlog(o.records, o.drivers, m.id));
    const total = await endOffsets(o.admin, topic);
    say(
      `${o.variant.label}: preloaded ${fmt(total)} records in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const raw = await rawConsume(o.kafka, topic, total, o.timeoutS);
    say(`  raw kafkajs consume  ${fmt(raw).padStart(8)} records/s`);
    const groups: GroupRun[] = [];
    for (const group of o.groups) {
      const g = await runGroup({
        variant: o.variant,
        measurement: m,
        admin: o.admin,
        redis: o.redis,
        group,
        total,
        timeoutS: o.timeoutS,
        cpuProf: o.cpuProf,
      });
      groups.push(g);
      say(
        `  ${group.padEnd(20)} ${fmt(g.recordsPerS).padStart(8)} records/s ` +
          `(${fmt(g.records)} in ${g.seconds.toFixed(1)} s; ${g.wallSeconds.toFixed(1)} s from start) ` +
          `= ${Math.round((100 * g.recordsPerS) / raw)} % of raw; CPU per record ` +
          `${g.roleCpuUsPerRecord.toFixed(1)} µs role, ${g.redisCpuUsPerRecord.toFixed(1)} µs Redis; ` +
          `machine ${Math.round(100 * g.machineBusy)} % busy`,
      );
    }
    return { raw, groups };
  });
}
