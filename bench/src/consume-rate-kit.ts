// Helpers of consume-rate.ts: the backlog it preloads, offsets, the raw kafkajs yardstick, the
// backends it measures and their processes' CPU.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startManagedProcess } from '@fleetstream/infra/managed-process';
import { run } from '@fleetstream/infra/node-tasks';
import {
  GROUPS,
  TOPICS,
  encodeLocationRecord,
  type LatLng,
  type LocationRecord,
} from '@fleetstream/contracts';
import { M_PER_DEG_LAT, mPerDegLng } from '@fleetstream/geo';
import { Partitioners, type Admin, type Kafka, type Redis } from '@fleetstream/testkit/clients';
import { emptyConsume } from './ceilings/kafka-ceiling.js';
import { cpuSeconds as processCpuSeconds } from './proc-stats.js';

export const ROLE_OF_GROUP = {
  [GROUPS.livePush]: 'live-push',
  [GROUPS.analytics]: 'analytics',
  [GROUPS.notifications]: 'notifications',
} as const;
export type Group = keyof typeof ROLE_OF_GROUP;

export const PARTITIONS = 12;
export const CENTER = { lat: 52.52, lng: 13.405 };
export const M_PER_DEG_LNG = mPerDegLng(CENTER.lat);
export const SPEED_MPS = 8;

export const say = (line: string) => process.stdout.write(`${line}\n`);
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The backlog: each driver is assigned a delivery, picks it up and drives towards the dropoff at
 * 8 m/s with one fix a second, like the benchmark's load generator. Device times end a few
 * seconds before now, so nothing is dead-lettered as too old or from the future.
 */
export function backlog(records: number, drivers: number, tag: string) {
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

export async function preload(
  kafka: Kafka,
  topic: string,
  messages: { key: string; value: Buffer }[],
) {
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

export async function endOffsets(admin: Admin, topic: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic);
  return ends.reduce((s, e) => s + Number(e.high), 0);
}

export async function committed(admin: Admin, groupId: string, topic: string): Promise<number> {
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
export async function rawConsume(kafka: Kafka, topic: string, total: number, timeoutS: number) {
  const groupId = `${topic}-raw-${randomUUID().slice(0, 6)}`;
  const read = await emptyConsume(kafka, topic, groupId, total, timeoutS);
  return read.consumed / read.seconds;
}

/** A backend to measure: this checkout, or the baseline. */
export interface Variant {
  label: string;
  root: string;
}

export const backendArgs = (v: Variant, args: string[]) => [
  '--import',
  'tsx',
  '--conditions=source',
  path.join(v.root, 'backend/src/main.ts'),
  ...args,
];

/** One measurement's namespace: its own topics, group ids, key prefix and log folder. */
export interface Measurement {
  id: string;
  ns: string;
  dir: string;
  env: Record<string, string>;
  /** Its delivery-location topic. */
  topic: string;
}

/**
 * Runs `body` in a namespace of its own, its topics made by the variant's own setup-topics and
 * everything removed afterwards (`env` adds to the roles' environment).
 */
export async function inMeasurement<T>(
  o: { variant: Variant; brokers: string; redisUrl: string; admin: Admin; redis: Redis },
  env: Record<string, string>,
  body: (m: Measurement) => Promise<T>,
): Promise<T> {
  const id = randomUUID().slice(0, 8);
  const ns = `cr${id}.`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fleetstream-consume-rate-${id}-`));
  const m = {
    id,
    ns,
    dir,
    env: { ...roleEnv(o.brokers, o.redisUrl, id), ...env },
    topic: `${ns}${TOPICS.location}`,
  };
  try {
    const setup = backendArgs(o.variant, ['setup-topics']);
    if ((await run(process.execPath, setup, { env: { ...process.env, ...m.env } })) !== 0)
      throw new Error('setup-topics failed');
    return await body(m);
  } finally {
    await cleanUp(o.admin, o.redis, ns, id, dir);
  }
}

/** The role process of `group`, with a CPU profile in `cpuProf` when asked for. */
export function startRole(
  variant: Variant,
  group: Group,
  m: Measurement,
  cpuProf: string | undefined,
) {
  const role = ROLE_OF_GROUP[group];
  return startManagedProcess({
    name: role,
    command: process.execPath,
    args: [
      ...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(cpuProf)}`] : []),
      ...backendArgs(variant, [role]),
    ],
    env: { ...process.env, ...m.env },
    logFile: path.join(m.dir, `${role}.log`),
  });
}

/** CPU seconds a process has used so far, reaped children included (proc-stats.ts); 0 once it is gone. */
export const cpuSeconds = (pid: number): number => processCpuSeconds(pid) ?? 0;

/** Busy CPU seconds of the whole machine, all cores. */
export function machineBusySeconds(): number {
  const f = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = f.slice(1).map(Number);
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100
  );
}

/** CPU seconds the Redis server has used (all of its clients: a shared one counts others too). */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const v = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return v('used_cpu_user') + v('used_cpu_sys');
}

export async function removeKeys(redis: Redis, prefix: string) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/** The environment of the roles of one measurement: a namespace and key prefix of its own. */
export function roleEnv(brokers: string, redisUrl: string, id: string): Record<string, string> {
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

export async function cleanUp(admin: Admin, redis: Redis, ns: string, id: string, dir: string) {
  const topics = [TOPICS.location, TOPICS.notifications, TOPICS.locationDlq].map(
    (t) => `${ns}${t}`,
  );
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await removeKeys(redis, `cr${id}:`).catch(() => undefined);
  if (!process.env.FLEETSTREAM_KEEP_TEST_DATA) fs.rmSync(dir, { recursive: true, force: true });
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
