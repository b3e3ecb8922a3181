/**
 * Consume rate of each consumer group on a preloaded backlog: the records are written to
 * delivery-location first, then one role process at a time starts on them and we time how long
 * its group takes to bring its lag to 0. The raw kafkajs consume rate of the same topic (an
 * empty eachBatch with our groups' fetch settings) is measured in the same run, so each group
 * is reported as a share of it.
 *
 *   node --import tsx --conditions=source infra/src/bench/consume-rate.ts \
 *     [--records 200000] [--drivers 2000] [--groups live-push,notifications,analytics]
 *     [--repeat 1] [--baseline dir] [--brokers host:port --redis redis://…] [--cpu-prof dir]
 *
 * --baseline runs the same measurement with the backend of another checkout (e.g. the commit
 * before a change: `git archive <commit> backend contracts package.json tsconfig.base.json`
 * unpacked in a folder, with a node_modules link to this one), interleaved with this one's,
 * so both meet the same machine: on a shared machine that matters more than anything else.
 *
 * --json file writes the backlog figures (medians) as ConsumeRateResult, for `npm run bench` (S5).
 *
 * With --rate N it measures the live regime instead, like the benchmark's S2 step: the groups run
 * together while N drivers send one fix a second each for --seconds (default 30); it reports
 * what each group consumed per second after the first third, whether its lag grew, and its CPU.
 *
 * Without --brokers/--redis it uses FLEETSTREAM_TEST_KAFKA_BROKERS / FLEETSTREAM_TEST_REDIS_URL,
 * or starts a throw-away broker and redis-server. A group's rate is taken between the first
 * commit of its offsets and the commit that brings its lag to 0 (group join and start-up left
 * out); committed offsets are sampled every 100 ms, and offsets are committed about once a
 * second, so keep each run several seconds long.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  GROUPS,
  TOPICS,
  encodeLocationRecord,
  type LatLng,
  type LocationRecord,
} from '@fleetstream/contracts';
import { startManagedProcess, tailFile } from '../managed-process.js';
import { run } from '../node-tasks.js';
import { repoRoot } from '../paths.js';
import type { ConsumeRateResult } from './consume-rate-result.js';
import { startBenchEnvironment, type BenchEnvironment } from './environment.js';
import { M_PER_DEG_LAT, mPerDegLng } from '@fleetstream/geo';
import { Partitioners, quietKafka, Redis, type Admin, type Kafka } from '../testing/clients.js';

const ROLE_OF_GROUP = {
  [GROUPS.livePush]: 'live-push',
  [GROUPS.analytics]: 'analytics',
  [GROUPS.notifications]: 'notifications',
} as const;
type Group = keyof typeof ROLE_OF_GROUP;

const PARTITIONS = 12;
const CENTER = { lat: 52.52, lng: 13.405 };
const M_PER_DEG_LNG = mPerDegLng(CENTER.lat);
const SPEED_MPS = 8;

const { values: argv } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    drivers: { type: 'string', default: '2000' },
    groups: { type: 'string', default: 'live-push,notifications,analytics' },
    repeat: { type: 'string', default: '1' },
    brokers: { type: 'string' },
    redis: { type: 'string' },
    'cpu-prof': { type: 'string' },
    baseline: { type: 'string' },
    'timeout-s': { type: 'string', default: '300' },
    rate: { type: 'string' },
    seconds: { type: 'string', default: '30' },
    json: { type: 'string' },
  },
});

const say = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The backlog: each driver is assigned a delivery, picks it up and drives towards the dropoff at
 * 8 m/s with one fix a second, like the benchmark's load generator. Device times end a few
 * seconds before now, so nothing is dead-lettered as too old or from the future.
 */
function backlog(records: number, drivers: number, tag: string) {
  const perDriver = Math.max(3, Math.ceil(records / drivers));
  const start = Date.now() - perDriver * 1000 - 5_000;
  const out: { key: string; value: Buffer }[] = [];
  for (let step = 0; step < perDriver && out.length < records; step++) {
    for (let i = 0; i < drivers && out.length < records; i++) {
      const driverId = `drv-${tag}-${i}`;
      const deliveryId = `dlv-${tag}-${i}`;
      const a = (i * 2.399963) % (2 * Math.PI);
      const pickup: LatLng = {
        lat: CENTER.lat + (Math.sin(a) * (500 + (i % 7) * 300)) / M_PER_DEG_LAT,
        lng: CENTER.lng + (Math.cos(a) * (500 + (i % 7) * 300)) / M_PER_DEG_LNG,
      };
      const dropoff: LatLng = {
        lat: pickup.lat + (Math.cos(a) * 4000) / M_PER_DEG_LAT,
        lng: pickup.lng - (Math.sin(a) * 4000) / M_PER_DEG_LNG,
      };
      const ts = start + step * 1000 + (i % 1000);
      const base = { v: 1, driverId, deliveryId, seq: step, ts } as const;
      let r: LocationRecord;
      if (step === 0) r = { ...base, type: 'trip', status: 'assigned', pickup, dropoff };
      else if (step === 1) r = { ...base, type: 'trip', status: 'picked_up' };
      else {
        const f = Math.min(1, (SPEED_MPS * (step - 1)) / 4000);
        r = {
          ...base,
          type: 'position',
          lat: pickup.lat + (dropoff.lat - pickup.lat) * f,
          lng: pickup.lng + (dropoff.lng - pickup.lng) * f,
          speedMps: SPEED_MPS,
          headingDeg: 90,
          accuracyM: 5,
        };
      }
      out.push({ key: driverId, value: encodeLocationRecord(r) });
    }
  }
  return out;
}

async function preload(kafka: Kafka, topic: string, messages: { key: string; value: Buffer }[]) {
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 5000)
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 5000) });
  } finally {
    await producer.disconnect();
  }
}

async function endOffsets(admin: Admin, topic: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic);
  return ends.reduce((s, e) => s + Number(e.high), 0);
}

async function committed(admin: Admin, groupId: string, topic: string): Promise<number> {
  // A fresh broker answers "not the coordinator" until the offsets topic is ready.
  for (let attempt = 1; ; attempt++) {
    try {
      const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return (t?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
    } catch (err) {
      if (attempt >= 50 || !(err as { retriable?: boolean }).retriable) throw err;
      await sleep(200);
    }
  }
}

/** An empty eachBatch with our groups' fetch settings: what kafkajs alone can do here. */
async function rawConsume(kafka: Kafka, topic: string, total: number, timeoutS: number) {
  const consumer = kafka.consumer({
    groupId: `${topic}-raw-${randomUUID().slice(0, 6)}`,
    allowAutoTopicCreation: false,
    maxBytesPerPartition: 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let consumed = 0;
  let first = 0;
  let last = 0;
  await new Promise<void>((resolve) => {
    const timeout = setTimeout(resolve, timeoutS * 1000);
    void consumer.run({
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        consumed += batch.messages.length;
        last = performance.now();
        if (consumed >= total) {
          clearTimeout(timeout);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return consumed / Math.max(0.001, (last - first) / 1000);
}

/** A backend to measure: this checkout, or the baseline. */
interface Variant {
  label: string;
  root: string;
}

const backendArgs = (v: Variant, args: string[]) => [
  '--import',
  'tsx',
  '--conditions=source',
  path.join(v.root, 'backend/src/main.ts'),
  ...args,
];

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** Busy CPU seconds of the whole machine, all cores. */
function machineBusySeconds(): number {
  const f = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = f.slice(1).map(Number);
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100
  );
}

/** CPU seconds the Redis server has used (all of its clients: a shared one counts others too). */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const v = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return v('used_cpu_user') + v('used_cpu_sys');
}

interface GroupRun {
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

async function runGroup(o: {
  variant: Variant;
  env: Record<string, string>;
  admin: Admin;
  redis: Redis;
  group: Group;
  ns: string;
  total: number;
  dir: string;
  timeoutS: number;
  cpuProf: string | undefined;
}): Promise<GroupRun> {
  const role = ROLE_OF_GROUP[o.group];
  const topic = `${o.ns}${TOPICS.location}`;
  const groupId = `${o.ns}${o.group}`;
  const logFile = path.join(o.dir, `${role}.log`);
  const nodeFlags = o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(o.cpuProf)}`] : [];
  const started = performance.now();
  const p = startManagedProcess({
    name: role,
    command: process.execPath,
    args: [...nodeFlags, ...backendArgs(o.variant, [role])],
    env: { ...process.env, ...o.env },
    logFile,
  });
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
      if (exited !== null) throw new Error(`${role} exited (${exited}):\n${tailFile(logFile, 15)}`);
      if (performance.now() > deadline)
        throw new Error(`${role} did not catch up within ${o.timeoutS} s`);
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

async function removeKeys(redis: Redis, prefix: string) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/** The environment of the roles of one measurement: a namespace and key prefix of its own. */
function roleEnv(brokers: string, redisUrl: string, id: string): Record<string, string> {
  return {
    KAFKA_BROKERS: brokers,
    REDIS_URL: redisUrl,
    KAFKA_NAMESPACE: `cr${id}.`,
    REDIS_PREFIX: `cr${id}:`,
    LOCATION_PARTITIONS: String(PARTITIONS),
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'warn',
    KAFKA_SESSION_TIMEOUT_MS: '30000',
    PORT: '0',
    OPS_TOKEN: `ops-${randomUUID()}`,
    TRACKING_SECRET: `secret-${randomUUID()}-${randomUUID()}`,
  };
}

async function cleanUp(admin: Admin, redis: Redis, ns: string, id: string, dir: string) {
  const topics = [TOPICS.location, TOPICS.notifications, TOPICS.locationDlq].map(
    (t) => `${ns}${t}`,
  );
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await removeKeys(redis, `cr${id}:`).catch(() => undefined);
  if (!process.env.FLEETSTREAM_KEEP_TEST_DATA) fs.rmSync(dir, { recursive: true, force: true });
}

async function measureOnce(o: {
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
}): Promise<{ raw: number; groups: GroupRun[] }> {
  const id = randomUUID().slice(0, 8);
  const ns = `cr${id}.`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fleetstream-consume-rate-${id}-`));
  const env = roleEnv(o.brokers, o.redisUrl, id);
  const topic = `${ns}${TOPICS.location}`;
  try {
    const setup = backendArgs(o.variant, ['setup-topics']);
    if ((await run(process.execPath, setup, { env: { ...process.env, ...env } })) !== 0)
      throw new Error('setup-topics failed');
    const t = performance.now();
    await preload(o.kafka, topic, backlog(o.records, o.drivers, id));
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
        env,
        admin: o.admin,
        redis: o.redis,
        group,
        ns,
        total,
        dir,
        timeoutS: o.timeoutS,
        cpuProf: argv['cpu-prof'],
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
  } finally {
    await cleanUp(o.admin, o.redis, ns, id, dir);
  }
}

interface LiveRun {
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
async function measureLive(o: {
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
}): Promise<{
  producedPerS: number;
  machineBusy: number;
  redisPercent: number;
  brokerPercent: number | null;
  groups: LiveRun[];
}> {
  const id = randomUUID().slice(0, 8);
  const ns = `cr${id}.`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fleetstream-consume-rate-${id}-`));
  const env = roleEnv(o.brokers, o.redisUrl, id);
  const topic = `${ns}${TOPICS.location}`;
  const procs: ReturnType<typeof startManagedProcess>[] = [];
  const producer = o.kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  try {
    const setup = backendArgs(o.variant, ['setup-topics']);
    if ((await run(process.execPath, setup, { env: { ...process.env, ...env } })) !== 0)
      throw new Error('setup-topics failed');
    // Every driver's trip first (assigned, picked up), and the groups through it: then they
    // have joined, and the measurement starts from a standing start.
    await preload(o.kafka, topic, backlog(o.rate * 2, o.rate, id));
    const warm = await endOffsets(o.admin, topic);
    for (const group of o.groups) {
      const role = ROLE_OF_GROUP[group];
      const cpuProf = argv['cpu-prof'];
      procs.push(
        startManagedProcess({
          name: role,
          command: process.execPath,
          args: [
            ...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(cpuProf)}`] : []),
            ...backendArgs(o.variant, [role]),
          ],
          env: { ...process.env, ...env },
          logFile: path.join(dir, `${role}.log`),
        }),
      );
    }
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
      brokerPercent: o.brokerPid === null ? null : (100 * (cpuSeconds(o.brokerPid) - broker0)) / dt,
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
    await cleanUp(o.admin, o.redis, ns, id, dir);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function liveRuns(o: {
  variants: Variant[];
  kafka: Kafka;
  admin: Admin;
  redis: Redis;
  brokers: string;
  redisUrl: string;
  groups: Group[];
  repeat: number;
  brokerPid: number | null;
}) {
  const rate = Number(argv.rate);
  const seconds = Number(argv.seconds);
  say(`live: ${fmt(rate)} drivers at 1 Hz for ${seconds} s, groups together`);
  const runs: LiveRun[] = [];
  for (let r = 0; r < o.repeat; r++) {
    for (const variant of o.variants) {
      const m = await measureLive({ ...o, variant, rate, seconds });
      say(
        `${variant.label}: produced ${fmt(m.producedPerS)}/s; CPU % of a core: Redis ` +
          `${Math.round(m.redisPercent)}, broker ${m.brokerPercent === null ? 'n/a (shared)' : Math.round(m.brokerPercent)}; ` +
          `machine ${Math.round(100 * m.machineBusy)} % busy`,
      );
      for (const g of m.groups)
        say(
          `  ${g.group.padEnd(20)} ${fmt(g.consumedPerS).padStart(8)}/s, lag ${fmt(g.lag)} ` +
            `(${g.lagTrendPerS >= 0 ? '+' : ''}${fmt(g.lagTrendPerS)}/s), CPU ${Math.round(g.cpuPercent)} %`,
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
          `lag trend ${fmt(median(mine.map((g) => g.lagTrendPerS)))}/s, CPU ${Math.round(median(mine.map((g) => g.cpuPercent)))} %`,
      );
    }
}

async function main() {
  const records = Number(argv.records);
  const drivers = Number(argv.drivers);
  const repeat = Number(argv.repeat);
  const timeoutS = Number(argv['timeout-s']);
  const groups = argv.groups.split(',').map((g) => {
    if (!(g in ROLE_OF_GROUP)) throw new Error(`unknown group ${g}`);
    return g as Group;
  });
  const variants: Variant[] = [{ label: 'this checkout', root: repoRoot }];
  if (argv.baseline) variants.unshift({ label: 'baseline', root: path.resolve(argv.baseline) });
  let env: BenchEnvironment | null = null;
  let brokers = argv.brokers ?? process.env.FLEETSTREAM_TEST_KAFKA_BROKERS;
  let redisUrl = argv.redis ?? process.env.FLEETSTREAM_TEST_REDIS_URL;
  if (!brokers || !redisUrl) {
    say('starting a broker and redis-server…');
    env = await startBenchEnvironment({ kafkaHeap: '1g' });
    brokers = env.brokers;
    redisUrl = env.redisUrl;
  }
  const kafka = quietKafka('fleetstream-consume-rate', brokers.split(','));
  const admin = kafka.admin();
  await admin.connect();
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  const raws = new Map<string, number[]>(variants.map((v) => [v.label, []]));
  const runs: GroupRun[] = [];
  say(
    `${argv.rate ? 'live' : `${fmt(records)} records of ${fmt(drivers)} drivers`}, ${PARTITIONS} partitions; ` +
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  try {
    if (argv.rate) {
      const brokerPid = env?.pids.kafka ?? null;
      await liveRuns({
        variants,
        kafka,
        admin,
        redis,
        brokers,
        redisUrl,
        groups,
        repeat,
        brokerPid,
      });
      return;
    }
    for (let r = 0; r < repeat; r++) {
      say(`run ${r + 1} of ${repeat}`);
      for (const variant of variants) {
        const m = await measureOnce({
          variant,
          kafka,
          admin,
          redis,
          brokers,
          redisUrl,
          records,
          drivers,
          groups,
          timeoutS,
        });
        raws.get(variant.label)!.push(m.raw);
        runs.push(...m.groups);
      }
    }
    say(`\nmedians of ${repeat} run(s), load average now ${os.loadavg()[0]!.toFixed(2)}:`);
    const result: ConsumeRateResult = {
      records,
      drivers,
      partitions: PARTITIONS,
      repeat,
      rows: [],
    };
    for (const variant of variants) {
      const raw = median(raws.get(variant.label)!);
      say(`${variant.label}: raw kafkajs ${fmt(raw)} records/s`);
      for (const group of groups) {
        const mine = runs.filter((g) => g.group === group && g.variant === variant.label);
        const rates = mine.map((g) => g.recordsPerS);
        result.rows.push({
          variant: variant.label,
          group,
          rawRecordsPerS: raw,
          recordsPerS: median(rates),
          roleCpuUsPerRecord: median(mine.map((g) => g.roleCpuUsPerRecord)),
          redisCpuUsPerRecord: median(mine.map((g) => g.redisCpuUsPerRecord)),
        });
        say(
          `  ${group.padEnd(20)} ${fmt(median(rates)).padStart(8)} records/s ` +
            `(${rates.map(fmt).join(', ')}) = ${Math.round((100 * median(rates)) / raw)} % of raw; ` +
            `CPU per record ${median(mine.map((g) => g.roleCpuUsPerRecord)).toFixed(1)} µs role, ` +
            `${median(mine.map((g) => g.redisCpuUsPerRecord)).toFixed(1)} µs Redis`,
        );
      }
    }
    if (argv.json) fs.writeFileSync(argv.json, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await admin.disconnect();
    redis.disconnect();
    await env?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`consume-rate: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
