import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LOCATION_PARTITIONS, TOPICS, type LatLng } from '@fleetstream/contracts';
import { DEFAULT_FAULTS, NO_FAULTS, type FaultOptions } from './faults.js';

export const CITY_CHOICES = ['monaco', 'synthetic'] as const;
export type CityChoice = (typeof CITY_CHOICES)[number];

/** Everything the CLI was asked to do, validated and frozen. */
export interface SimulatorOptions {
  drivers: number;
  rateHz: number;
  durationS: number;
  /** Fleet seconds per wall-clock second. */
  speedup: number;
  seed: number;
  /** The road network: a bundled OSM extract, or the synthetic grid (for large benchmarks). */
  city: CityChoice;
  /** An .osm.pbf file to drive instead of a bundled city, or null. */
  osm: string | null;
  /** Centre and radius of the synthetic city. */
  center: LatLng;
  radiusM: number;
  brokers: string[];
  topic: string;
  partitions: number;
  cancelRate: number;
  faults: FaultOptions;
  geojson: string | null;
  geojsonOnly: boolean;
  quiet: boolean;
  /** File that gets every acknowledged record (ground truth for reliability tests), or null. */
  ackedLog: string | null;
  /** Stop (exit 1) when sends have failed for this long, seconds. */
  giveUpAfterS: number;
  /** The run's app session (`--session`), fresh per run unless given. */
  session: string;
  /** Chance per driver per minute, while on a delivery, that the app restarts. */
  rebootRate: number;
}

/**
 * A session id no earlier run used: the start time and random bytes, so two runs started in
 * the same millisecond (or on machines with clocks apart) still differ.
 */
export const newRunSession = () => `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

function sessionId(v: string): string {
  if (v.length < 1 || v.length > 48)
    throw new InvalidArgumentError('expected 1 to 48 characters (reboots append ".<n>").');
  return v;
}

const int = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
  return n;
};
const num = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw new InvalidArgumentError(`expected a number from ${min} to ${max}.`);
  return n;
};
const rate = num(0, 1);

function latLng(v: string): LatLng {
  const parts = v.split(',').map((p) => Number(p.trim()));
  const [lat, lng] = parts;
  if (parts.length !== 2 || !(Math.abs(lat!) <= 90) || !(Math.abs(lng!) <= 180))
    throw new InvalidArgumentError('expected "lat,lng" in degrees, e.g. 52.52,13.405.');
  return { lat: lat!, lng: lng! };
}

function brokerList(v: string): string[] {
  const list = v
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const bad = list.find((b) => !/^[^\s:]+:\d{1,5}$/.test(b) || Number(b.split(':')[1]) > 65535);
  if (list.length === 0 || bad !== undefined)
    throw new InvalidArgumentError(
      `expected comma-separated host:port pairs${bad ? `, got "${bad}"` : ''}.`,
    );
  return list;
}

/** The command line, with defaults shown by --help. */
export function createProgram(env: { KAFKA_BROKERS?: string } = {}): Command {
  const d = DEFAULT_FAULTS;
  return new Command()
    .name('fleetstream-simulate')
    .description(
      'Streams a simulated delivery fleet into Kafka: couriers drive real streets (an OpenStreetMap ' +
        'extract) or a seeded street grid through the trip lifecycle, and their phones send GPS ' +
        'fixes with realistic faults.',
    )
    .option('-d, --drivers <n>', 'drivers in the fleet', int(1, 1_000_000), 50)
    .option('-r, --rate <hz>', 'fixes per second per driver', num(0.01, 10), 1)
    .option('--duration <s>', 'stop after this many seconds (0 = until Ctrl-C)', num(0, 1e9), 0)
    .option(
      '--speedup <x>',
      'time-lapse: fleet time runs x times faster than the wall clock; fix times and --duration follow fleet time',
      num(1, 1000),
      1,
    )
    .option('--seed <n>', 'random seed: same seed, same city and fleet', int(0, 2 ** 31 - 1), 42)
    .addOption(
      new Option(
        '--city <name>',
        'road network: monaco (OpenStreetMap, bundled) or synthetic (a seeded grid, any size)',
      )
        .choices(CITY_CHOICES)
        .default('monaco'),
    )
    .option('--osm <file>', 'drive the roads of this .osm.pbf extract instead of --city')
    .addOption(
      new Option('--center <lat,lng>', 'centre of the synthetic city, Berlin by default')
        .argParser(latLng)
        .default({ lat: 52.52, lng: 13.405 }, '52.52,13.405'),
    )
    .option('--radius <m>', 'radius of the synthetic city in metres', num(500, 50_000), 5000)
    .addOption(
      new Option('--brokers <list>', 'Kafka brokers, comma-separated host:port')
        .argParser(brokerList)
        .default(
          brokerList(env.KAFKA_BROKERS ?? '127.0.0.1:9092'),
          env.KAFKA_BROKERS ?? '127.0.0.1:9092',
        ),
    )
    .option('--topic <name>', 'topic to produce to', TOPICS.location)
    .option(
      '--partitions <n>',
      'partitions, only used to create the topic if it is missing',
      int(1, 10_000),
      DEFAULT_LOCATION_PARTITIONS,
    )
    .option('--cancel-rate <p>', 'share of deliveries cancelled', rate, 0.03)
    .option(
      '--noise <m>',
      'GPS accuracy (68 % radius) in metres; 0 = exact',
      num(0, 1000),
      d.noiseM,
    )
    .option('--outlier-rate <p>', 'share of fixes that are outliers', rate, d.outlierRate)
    .option('--outlier-distance <m>', 'typical outlier error in metres', num(0, 10_000), d.outlierM)
    .option('--dropout-rate <p>', 'chance per fix that the phone goes offline', rate, d.dropoutRate)
    .option(
      '--dropout-max <s>',
      'longest dropout; buffered fixes follow',
      num(1, 3600),
      d.dropoutMaxS,
    )
    .option('--duplicate-rate <p>', 'share of records sent twice', rate, d.duplicateRate)
    .option('--skew-rate <p>', 'share of phones with a wrong clock', rate, d.skewRate)
    .option('--skew-max <ms>', 'largest clock error in ms', int(0, 600_000), d.skewMaxMs)
    .option(
      '--reboot-rate <p>',
      'chance per driver per minute of fleet time that the phone restarts the app mid-delivery: a new session, seq from 1 (not part of --no-faults)',
      rate,
      0,
    )
    .addOption(
      new Option(
        '--session <id>',
        "the run's app session sent on every record (reboots append .<n>); new for every run unless given, to repeat a run exactly",
      ).argParser(sessionId),
    )
    .option('--no-faults', 'perfect phones: no noise, outliers, dropouts, duplicates or skew')
    .option('--geojson <file>', 'write the road graph as GeoJSON to this file, then simulate')
    .option('--geojson-only', 'write the --geojson file and exit without Kafka')
    .option('-q, --quiet', 'no progress, only problems and the summary')
    .option(
      '--give-up-after <s>',
      'while Kafka is unreachable, a batch is sent again until it goes through; stop after this many seconds of failures',
      num(1, 86_400),
      120,
    )
    .option(
      '--acked-log <file>',
      'append "<ackedAtMs> <driverId> <seq>" for every record Kafka acknowledged (for tests)',
    )
    .showHelpAfterError('(run with --help for all options)');
}

interface Raw {
  drivers: number;
  rate: number;
  duration: number;
  speedup: number;
  seed: number;
  city: CityChoice;
  osm?: string;
  center: LatLng;
  radius: number;
  brokers: string[];
  topic: string;
  partitions: number;
  cancelRate: number;
  noise: number;
  outlierRate: number;
  outlierDistance: number;
  dropoutRate: number;
  dropoutMax: number;
  duplicateRate: number;
  skewRate: number;
  skewMax: number;
  faults: boolean;
  geojson?: string;
  geojsonOnly?: boolean;
  quiet?: boolean;
  ackedLog?: string;
  giveUpAfter: number;
  rebootRate: number;
  session?: string;
}

/** Parses argv (without node and script); an invalid option exits via commander with why. */
export function parseOptions(program: Command, argv: string[]): SimulatorOptions {
  const r = program.parse(argv, { from: 'user' }).opts<Raw>();
  if (r.geojsonOnly && !r.geojson) program.error('error: --geojson-only needs --geojson <file>.');
  if (r.topic.trim() === '') program.error('error: --topic must not be empty.');
  // The acked log (and the chaos suite's ground truth reading it) names a record by driver and
  // seq, which a restarted app repeats.
  if (r.ackedLog && r.rebootRate > 0)
    program.error('error: --acked-log cannot be combined with --reboot-rate.');
  // A centre or radius given for a real city would be silently ignored: say so instead.
  const shaped = ['center', 'radius'].filter((k) => program.getOptionValueSource(k) === 'cli');
  if (shaped.length > 0 && (r.city !== 'synthetic' || r.osm))
    program.error(
      `error: --${shaped[0]} shapes the synthetic city only; add --city synthetic (without --osm).`,
    );
  const faults: FaultOptions = r.faults
    ? {
        noiseM: r.noise,
        outlierRate: r.outlierRate,
        outlierM: r.outlierDistance,
        dropoutRate: r.dropoutRate,
        dropoutMaxS: r.dropoutMax,
        duplicateRate: r.duplicateRate,
        skewRate: r.skewRate,
        skewMaxMs: r.skewMax,
      }
    : { ...NO_FAULTS };
  return Object.freeze({
    drivers: r.drivers,
    rateHz: r.rate,
    durationS: r.duration,
    speedup: r.speedup,
    seed: r.seed,
    city: r.city,
    osm: r.osm ?? null,
    center: r.center,
    radiusM: r.radius,
    brokers: r.brokers,
    topic: r.topic,
    partitions: r.partitions,
    cancelRate: r.cancelRate,
    faults: Object.freeze(faults),
    geojson: r.geojson ?? null,
    geojsonOnly: r.geojsonOnly ?? false,
    quiet: r.quiet ?? false,
    ackedLog: r.ackedLog ?? null,
    giveUpAfterS: r.giveUpAfter,
    session: r.session ?? newRunSession(),
    rebootRate: r.rebootRate,
  });
}
