#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_LOCATION_PARTITIONS, TOPICS, type LatLng } from '@fleetstream/contracts';
import { createFleet } from './fleet.js';
import { createPublisher } from './publish.js';

function int(min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`an integer from ${min} to ${max}`);
    return n;
  };
}
function num(min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(`a number from ${min} to ${max}`);
    return n;
  };
}
function latLng(v: string): LatLng {
  const [lat, lng] = v.split(',').map(Number);
  if (lat === undefined || lng === undefined || !(Math.abs(lat) <= 90) || !(Math.abs(lng) <= 180)) {
    throw new InvalidArgumentError('"lat,lng", e.g. 52.52,13.405');
  }
  return { lat, lng };
}

const program = new Command()
  .name('fleetstream-simulate')
  .description('Streams a simulated delivery fleet (GPS fixes and trip events) into Kafka.')
  .option('-d, --drivers <n>', 'drivers in the fleet', int(1, 1_000_000), 50)
  .option('-r, --rate <hz>', 'fixes per second per driver', num(0.01, 10), 1)
  .option('--duration <s>', 'stop after this many seconds (0 = run until Ctrl-C)', num(0, 1e9), 0)
  .option('--seed <n>', 'random seed: the same seed gives the same fleet', int(0, 2 ** 31), 42)
  .option('--center <lat,lng>', 'city centre', latLng, { lat: 52.52, lng: 13.405 })
  .option('--radius <m>', 'radius of the delivery area in metres', num(100, 100_000), 5000)
  .option(
    '--brokers <list>',
    'Kafka brokers, comma-separated',
    process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  )
  .option('--topic <name>', 'topic to produce to', TOPICS.location)
  .option(
    '--partitions <n>',
    'partitions, only used to create the topic if it is missing',
    int(1, 1000),
    DEFAULT_LOCATION_PARTITIONS,
  )
  .option('--quiet', 'no progress lines');

interface Options {
  drivers: number;
  rate: number;
  duration: number;
  seed: number;
  center: LatLng;
  radius: number;
  brokers: string;
  topic: string;
  partitions: number;
  quiet?: boolean;
}

async function main() {
  const o = program.parse().opts<Options>();
  const brokers = o.brokers
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const publisher = await createPublisher({ brokers, topic: o.topic, partitions: o.partitions });
  const fleet = createFleet({
    drivers: o.drivers,
    seed: o.seed,
    center: o.center,
    radiusM: o.radius,
  });
  const intervalMs = 1000 / o.rate;
  const startedAt = Date.now();
  const endAt = o.duration > 0 ? startedAt + o.duration * 1000 : Infinity;
  let sent = 0;
  let sentAtLastReport = 0;
  let worstBehindMs = 0;
  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const progress = setInterval(() => {
    const rate = (sent - sentAtLastReport) / 5;
    sentAtLastReport = sent;
    const behind =
      worstBehindMs > intervalMs
        ? `, BEHIND SCHEDULE by up to ${Math.round(worstBehindMs)} ms`
        : '';
    if (!o.quiet || behind)
      console.error(
        `simulate: ${o.drivers} drivers, ${sent} records sent, ${rate.toFixed(0)} records/s${behind}`,
      );
    worstBehindMs = 0;
  }, 5000);

  // Ticks follow a fixed schedule; when a send takes longer than a tick we say so instead of
  // quietly stretching time.
  for (let n = 0; !stopping; n++) {
    const due = startedAt + n * intervalMs;
    if (due >= endAt) break;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else worstBehindMs = Math.max(worstBehindMs, -wait);
    const records = fleet.tick(due, intervalMs / 1000);
    await publisher.publish(records);
    sent += records.length;
  }
  clearInterval(progress);
  await publisher.close();
  if (!o.quiet)
    console.error(
      `simulate: done, ${sent} records sent in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    );
}

main().catch((err: unknown) => {
  console.error(`simulate: ${(err as Error).message}`);
  process.exit(1);
});
