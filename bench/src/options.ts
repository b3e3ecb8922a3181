import { parseArgs } from 'node:util';

export const SCENARIOS = ['s0', 's1', 's2', 's3', 's4', 's5'] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

/** What each scenario does and for how long; `--quick` shrinks everything to a smoke run. */
export interface BenchOptions {
  quick: boolean;
  only: ScenarioId[];
  kafkaHeap: string;
  /** Where report.json (and, for quick runs, the Markdown) go. */
  outDir: string;
  /** The Markdown report; the full run keeps it as docs/benchmarks.md. */
  markdownFile: string;
  /** Only re-render the Markdown from this report.json, measuring nothing. */
  fromReport: string | null;
  /** The platform's Redis is a local Redis Cluster of 3 primaries, with these replicas each. */
  redisCluster: { replicas: number } | null;
  s0: { produceSeconds: number; redisSeconds: number; wsClients: number; wsSeconds: number };
  s1: {
    drivers: number;
    hz: number;
    clients: number;
    warmupS: number;
    measureS: number;
    /** Fleet replays (/ws/replay) run in a second window; 0 = none. */
    replays: number;
    replaySpeed: number;
  };
  s2: {
    steps: number[];
    hz: number;
    /** Customers following deliveries, one each: 0 = every active delivery. */
    clients: number;
    /** Processes the customers are spread over, apart from the gateway and the benchmark. */
    clientProcesses: number;
    settleS: number;
    /**
     * How long the first step runs before it is measured (instead of settleS): a fresh broker
     * spends its first minute or two compiling (its JIT threads took 34 % of a core in the first
     * 12 s, 6 % a minute later, under 2 % after that), which is start-up work, not what a fix
     * costs.
     */
    warmupS: number;
    measureS: number;
    p99LimitMs: number;
  };
  s3: {
    /** The fixed fleet: its deliveries are what the customers watch, many to a delivery. */
    drivers: number;
    /** Positions per second of each delivery: offered deliveries/s = customers × hz. */
    hz: number;
    clientSteps: number[];
    settleS: number;
    measureS: number;
    /** Processes the customers are spread over, apart from the gateway and the benchmark. */
    clientProcesses: number;
    /** Handshakes in flight at once while a step connects its customers. */
    connectConcurrency: number;
    /** A step starts no handshake after this many seconds; it then measures those it has. */
    connectDeadlineS: number;
    /** Handshakes timed together during each window, under the full load. */
    probeHandshakes: number;
    /** No step starts that could not end within this many seconds of the first. */
    budgetS: number;
  };
  s4: {
    /** 0: a quarter of the last S2 step before the knee (2,500 when S2 did not run). */
    drivers: number;
    group: string;
    warmupS: number;
    pauseS: number;
    maxCatchUpS: number;
  };
  /**
   * Each group's consume rate on a preloaded backlog, one instance (consume-rate.ts). Enough
   * records that the fastest group takes several seconds: with 200,000 (until 2026-12-07)
   * analytics was done in under 2 s, its first fetch cycle and its last partitions' tail were a
   * third of the window, and it read 81,000-103,000/s where 600,000 of the same 2,000 drivers
   * read 191,000/s.
   */
  s5: { records: number; drivers: number };
}

const FULL: Omit<
  BenchOptions,
  'quick' | 'only' | 'outDir' | 'markdownFile' | 'fromReport' | 'redisCluster'
> = {
  kafkaHeap: '1g',
  s0: { produceSeconds: 8, redisSeconds: 5, wsClients: 1000, wsSeconds: 5 },
  s1: {
    drivers: 100,
    hz: 1,
    clients: 10,
    warmupS: 10,
    measureS: 60,
    replays: 5,
    replaySpeed: 60,
  },
  s2: {
    steps: [1000, 2500, 5000, 10_000, 15_000, 20_000, 30_000, 40_000, 50_000],
    hz: 1,
    clients: 0,
    clientProcesses: 2,
    settleS: 8,
    warmupS: 60,
    measureS: 17,
    p99LimitMs: 250,
  },
  // 50 deliveries at 10 Hz: 500 fixes/s through the pipeline, so that Kafka and the consumer
  // groups leave the gateway as much of the two cores as they can, and 200 customers to a
  // delivery at the last step, which offers 100,000 deliveries/s.
  s3: {
    drivers: 50,
    hz: 10,
    clientSteps: [100, 1000, 2500, 5000, 10_000],
    settleS: 5,
    measureS: 15,
    clientProcesses: 2,
    connectConcurrency: 100,
    connectDeadlineS: 60,
    probeHandshakes: 20,
    budgetS: 360,
  },
  s4: { drivers: 0, group: 'live-push', warmupS: 15, pauseS: 60, maxCatchUpS: 120 },
  s5: { records: 600_000, drivers: 2000 },
};

const QUICK: typeof FULL = {
  kafkaHeap: '1g',
  s0: { produceSeconds: 2, redisSeconds: 2, wsClients: 100, wsSeconds: 2 },
  s1: {
    drivers: 100,
    hz: 1,
    clients: 10,
    warmupS: 4,
    measureS: 8,
    replays: 5,
    replaySpeed: 60,
  },
  s2: {
    steps: [500, 1000, 2000],
    hz: 1,
    clients: 0,
    clientProcesses: 2,
    settleS: 3,
    warmupS: 5,
    measureS: 6,
    p99LimitMs: 250,
  },
  s3: {
    drivers: 20,
    hz: 10,
    clientSteps: [100, 500],
    settleS: 2,
    measureS: 5,
    clientProcesses: 2,
    connectConcurrency: 50,
    connectDeadlineS: 20,
    probeHandshakes: 10,
    budgetS: 120,
  },
  s4: { drivers: 500, group: 'live-push', warmupS: 5, pauseS: 10, maxCatchUpS: 30 },
  s5: { records: 60_000, drivers: 1000 },
};

export const USAGE = `usage: npm run bench -- [options]

Starts a real Kafka and Redis and the real backend roles, runs the scenarios and writes
artifacts/bench/report.json and docs/benchmarks.md (quick runs: artifacts/bench/benchmarks.md).

  --quick                 small fleets, a few seconds per step: a smoke run (about 2 minutes)
  --only s0,s1,…          run only these scenarios (s0 ceilings, s1 latency floor,
                          s2 ingest ramp, s3 fan-out, s4 catch-up, s5 consume rates)
  --s2-steps 1000,5000,…  S2 fleet sizes (drivers at 1 Hz)
  --s2-seconds N          S2 seconds per step (settling included)
  --s2-warmup-seconds N   S2 seconds the first step runs before it is measured
  --s3-clients 100,1000,… S3 WebSocket client counts
  --s3-drivers N          S3 fleet (its deliveries are shared by the clients)
  --s3-hz N               S3 positions per second of each delivery
  --s4-drivers N          S4 fleet (default: a quarter of the S2 knee)
  --s4-group NAME         S4 group to pause: live-push, analytics or notifications
  --s4-pause-seconds N    S4 pause length (default 60)
  --redis-cluster         the platform on a local Redis Cluster (3 primaries, a replica
                          each) instead of one redis-server: S2 and S4 only
  --redis-cluster-replicas N  replicas of each primary of that cluster (0-2, default 1)
  --markdown FILE         where to write the Markdown report
  --from-report FILE      measure nothing: write the Markdown (docs/benchmarks.md unless
                          --markdown) again from a report.json
  -h, --help              this text`;

const list = (s: string) =>
  s
    .split(',')
    .map((x) => Number(x.replace(/_/g, '')))
    .filter((n) => Number.isFinite(n) && n > 0);

export function parseBenchOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      's2-steps': { type: 'string' },
      's2-seconds': { type: 'string' },
      's2-warmup-seconds': { type: 'string' },
      's3-clients': { type: 'string' },
      's3-drivers': { type: 'string' },
      's3-hz': { type: 'string' },
      's4-drivers': { type: 'string' },
      's4-group': { type: 'string' },
      's4-pause-seconds': { type: 'string' },
      'redis-cluster': { type: 'boolean', default: false },
      'redis-cluster-replicas': { type: 'string' },
      markdown: { type: 'string' },
      'from-report': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  const base = structuredClone(values.quick ? QUICK : FULL);
  const only = values.only
    ? values.only.split(',').map((s) => s.trim().toLowerCase())
    : [...SCENARIOS];
  const unknown = only.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}`);
  const replicas = values['redis-cluster-replicas'];
  if (replicas !== undefined && !values['redis-cluster'])
    throw new Error('--redis-cluster-replicas needs --redis-cluster');
  if (replicas !== undefined && !['0', '1', '2'].includes(replicas))
    throw new Error(`--redis-cluster-replicas takes 0, 1 or 2, not ${replicas}`);
  const redisCluster = values['redis-cluster'] ? { replicas: Number(replicas ?? 1) } : null;
  // The others read the live feed or Redis directly with a standalone client.
  const standaloneOnly = only.filter((s) => !['s2', 's4'].includes(s));
  if (redisCluster && standaloneOnly.length > 0)
    throw new Error(
      `--redis-cluster runs S2 and S4 only: add --only s2 (or s2,s4), not ${standaloneOnly.join(', ')}`,
    );
  if (values['s2-steps']) base.s2.steps = list(values['s2-steps']);
  if (values['s2-seconds']) {
    const total = Number(values['s2-seconds']);
    base.s2.settleS = Math.max(2, Math.round(total / 3));
    base.s2.measureS = Math.max(3, total - base.s2.settleS);
  }
  if (values['s2-warmup-seconds']) base.s2.warmupS = Number(values['s2-warmup-seconds']);
  if (values['s3-clients']) base.s3.clientSteps = list(values['s3-clients']);
  if (values['s3-drivers']) base.s3.drivers = list(values['s3-drivers'])[0] ?? base.s3.drivers;
  if (values['s3-hz']) base.s3.hz = list(values['s3-hz'])[0] ?? base.s3.hz;
  if (values['s4-drivers']) base.s4.drivers = Number(values['s4-drivers']);
  if (values['s4-group']) base.s4.group = values['s4-group'];
  if (values['s4-pause-seconds']) base.s4.pauseS = Number(values['s4-pause-seconds']);
  const outDir = 'artifacts/bench';
  return {
    ...base,
    quick: values.quick ?? false,
    only: only as ScenarioId[],
    outDir,
    markdownFile:
      values.markdown ?? (values.quick ? `${outDir}/benchmarks.md` : 'docs/benchmarks.md'),
    fromReport: values['from-report'] ?? null,
    redisCluster,
  };
}
