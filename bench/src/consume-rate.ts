/**
 * Consume rate of each consumer group on a preloaded backlog: the records are written to
 * delivery-location first, then one role process at a time starts on them and we time how long
 * its group takes to bring its lag to 0. The raw kafkajs consume rate of the same topic (an
 * empty eachBatch with our groups' fetch settings) is measured in the same run, so each group
 * is reported as a share of it.
 *
 *   node --import tsx --conditions=source bench/src/consume-rate.ts \
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
 * out); committed offsets are sampled every 100 ms, and on a backlog the roles commit at the end
 * of each fetch cycle (KAFKA_COMMIT_INTERVAL_MS=100), so keep each run several seconds long.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '@fleetstream/infra/paths';
import { quietKafka, Redis } from '@fleetstream/testkit/clients';
import type { ConsumeRateResult } from './consume-rate-result.js';
import { measureOnce, type GroupRun } from './consume-rate-backlog.js';
import {
  PARTITIONS,
  ROLE_OF_GROUP,
  fmt,
  median,
  say,
  type Group,
  type Variant,
} from './consume-rate-kit.js';
import { liveRuns } from './consume-rate-live.js';
import { startBenchEnvironment, type BenchEnvironment } from './environment.js';

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
        rate: Number(argv.rate),
        seconds: Number(argv.seconds),
        cpuProf: argv['cpu-prof'],
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
          cpuProf: argv['cpu-prof'],
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
