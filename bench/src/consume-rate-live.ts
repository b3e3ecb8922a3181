// consume-rate.ts --rate: the groups together while drivers send one fix a second each.
import os from 'node:os';
import { encodeLocationRecord, type LocationRecord } from '@fleetstream/contracts';
import { tailFile } from '@fleetstream/infra/managed-process';
import { Partitioners, type Admin, type Kafka, type Redis } from '@fleetstream/testkit/clients';
import {
  CENTER,
  SPEED_MPS,
  median,
  backlog,
  committed,
  cpuSeconds,
  endOffsets,
  fmt,
  machineBusySeconds,
  inMeasurement,
  preload,
  redisCpuSeconds,
  say,
  sleep,
  startRole,
  type Group,
  type Variant,
} from './consume-rate-kit.js';

export interface LiveRun {
  variant: string;
  group: Group;
  consumedPerS: number;
  /** Lag change per second over the measured window: above 0, the group falls behind. */
  lagTrendPerS: number;
  lag: number;
  /** CPU of the role process, % of one core. */
  cpuPercent: number;
}

/** The groups run together while `rate` drivers each send one fix a second. */
export async function measureLive(o: {
  variant: Variant;
  kafka: Kafka;
  admin: Admin;
  redis: Redis;
  brokers: string;
  redisUrl: string;
  rate: number;
  seconds: number;
  groups: Group[];
  /** Broker process, when this script started it. */
  brokerPid: number | null;
  /** Where the roles write their CPU profiles (--cpu-prof); none when undefined. */
  cpuProf?: string;
}): Promise<{
  producedPerS: number;
  machineBusy: number;
  redisPercent: number;
  brokerPercent: number | null;
  groups: LiveRun[];
}> {
  return inMeasurement(o, {}, async (m) => {
    const { id, ns, topic } = m;
    const procs: ReturnType<typeof startRole>[] = [];
    const producer = o.kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    try {
      // Every driver's trip first (assigned, picked up), and the groups through it: then they
      // have joined, and the measurement starts from a standing start.
      await preload(o.kafka, topic, backlog(o.rate * 2, o.rate, id));
      const warm = await endOffsets(o.admin, topic);
      for (const group of o.groups) procs.push(startRole(o.variant, group, m, o.cpuProf));
      const committedAll = async () =>
        Promise.all(o.groups.map((g) => committed(o.admin, `${ns}${g}`, topic)));
      for (let waited = 0; (await committedAll()).some((c) => c < warm); waited++) {
        if (waited > 1200) throw new Error('the groups did not start within 2 minutes');
        await sleep(100);
      }
      await producer.connect();
      const started = Date.now();
      const seq = new Array<number>(o.rate).fill(2);
      let queue: { key: string; value: Buffer }[] = [];
      let sending: Promise<void> | null = null;
      let tick = 0;
      const timer = setInterval(() => {
        // Driver i sends in slot i % 100 of each second (10 ms slots), stamped with the time.
        const slot = tick++ % 100;
        const ts = Date.now();
        for (let i = slot; i < o.rate; i += 100) {
          const driverId = `drv-${id}-${i}`;
          const r: LocationRecord = {
            type: 'position',
            v: 1,
            driverId,
            deliveryId: `dlv-${id}-${i}`,
            seq: seq[i]!++,
            ts,
            lat: CENTER.lat + (i % 100) * 1e-4 + seq[i]! * 1e-5,
            lng: CENTER.lng + Math.floor(i / 100) * 1e-4,
            speedMps: SPEED_MPS,
            headingDeg: 0,
            accuracyM: 5,
          };
          queue.push({ key: driverId, value: encodeLocationRecord(r) });
        }
        // One request in flight; whatever fell due meanwhile goes in the next one.
        if (!sending && queue.length > 0) {
          const messages = queue;
          queue = [];
          sending = producer
            .send({ topic, acks: -1, messages })
            .then(() => undefined)
            .finally(() => (sending = null));
        }
      }, 10);
      const samples: { t: number; committed: number[]; end: number; cpu: number[] }[] = [];
      const from = Math.floor(o.seconds / 3);
      let busy0 = 0;
      let redis0 = 0;
      let broker0 = 0;
      try {
        while (Date.now() - started < o.seconds * 1000) {
          await sleep(1000);
          if (samples.length === from) {
            busy0 = machineBusySeconds();
            redis0 = await redisCpuSeconds(o.redis);
            broker0 = o.brokerPid === null ? 0 : cpuSeconds(o.brokerPid);
          }
          samples.push({
            t: Date.now(),
            committed: await committedAll(),
            end: await endOffsets(o.admin, topic),
            cpu: procs.map((p) => cpuSeconds(p.pid)),
          });
        }
      } finally {
        clearInterval(timer);
        await sending;
      }
      const a = samples[from]!;
      const b = samples[samples.length - 1]!;
      const dt = (b.t - a.t) / 1000;
      const dead = procs.filter((_, i) => b.cpu[i] === 0);
      if (dead.length > 0)
        throw new Error(`${dead[0]!.name} exited:\n${tailFile(dead[0]!.logFile, 10)}`);
      return {
        producedPerS: (b.end - a.end) / dt,
        machineBusy: (machineBusySeconds() - busy0) / dt / os.cpus().length,
        redisPercent: (100 * ((await redisCpuSeconds(o.redis)) - redis0)) / dt,
        brokerPercent:
          o.brokerPid === null ? null : (100 * (cpuSeconds(o.brokerPid) - broker0)) / dt,
        groups: o.groups.map((group, i) => ({
          variant: o.variant.label,
          group,
          consumedPerS: (b.committed[i]! - a.committed[i]!) / dt,
          lag: b.end - b.committed[i]!,
          lagTrendPerS: (b.end - b.committed[i]! - (a.end - a.committed[i]!)) / dt,
          cpuPercent: (100 * (b.cpu[i]! - a.cpu[i]!)) / dt,
        })),
      };
    } finally {
      await producer.disconnect().catch(() => undefined);
      await Promise.all(procs.map((p) => p.stop(15_000)));
    }
  });
}

export async function liveRuns(o: {
  variants: Variant[];
  kafka: Kafka;
  admin: Admin;
  redis: Redis;
  brokers: string;
  redisUrl: string;
  groups: Group[];
  repeat: number;
  brokerPid: number | null;
  rate: number;
  seconds: number;
  cpuProf?: string;
}) {
  const { rate, seconds } = o;
  say(`live: ${fmt(rate)} drivers at 1 Hz for ${seconds} s, groups together`);
  const runs: LiveRun[] = [];
  for (let r = 0; r < o.repeat; r++) {
    for (const variant of o.variants) {
      const m = await measureLive({ ...o, variant, rate, seconds });
      say(
        `${variant.label}: produced ${fmt(m.producedPerS)}/s; CPU % of a core: Redis ` +
          `${pct(m.redisPercent)}, broker ${m.brokerPercent === null ? 'n/a (shared)' : pct(m.brokerPercent)}; ` +
          `machine ${Math.round(100 * m.machineBusy)} % busy`,
      );
      for (const g of m.groups)
        say(
          `  ${g.group.padEnd(20)} ${fmt(g.consumedPerS).padStart(8)}/s, lag ${fmt(g.lag)} ` +
            `(${g.lagTrendPerS >= 0 ? '+' : ''}${fmt(g.lagTrendPerS)}/s), CPU ${pct(g.cpuPercent)} %`,
        );
      runs.push(...m.groups);
    }
  }
  if (o.repeat < 2) return;
  say(`\nmedians of ${o.repeat} runs:`);
  for (const variant of o.variants)
    for (const group of o.groups) {
      const mine = runs.filter((g) => g.group === group && g.variant === variant.label);
      say(
        `${variant.label.padEnd(14)} ${group.padEnd(14)} ${fmt(median(mine.map((g) => g.consumedPerS))).padStart(8)}/s, ` +
          `lag trend ${fmt(median(mine.map((g) => g.lagTrendPerS)))}/s, CPU ${pct(median(mine.map((g) => g.cpuPercent)))} %`,
      );
    }
}

/** A share of a core to a tenth: at a few percent, whole ones hide a tenth of the cost. */
const pct = (x: number) => x.toFixed(1);
