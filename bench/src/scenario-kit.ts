import type { BenchEnvironment } from './environment.js';
import type { BenchOptions } from './options.js';
import type { ProcessUsage } from './proc-stats.js';

/** What every scenario gets: the broker and Redis, the options, and a progress line printer. */
export interface BenchContext {
  env: BenchEnvironment;
  opts: BenchOptions;
  progress(line: string): void;
}

/** CPU and memory of the benchmark's processes over a measurement window. */
export interface WindowUsage {
  processes: Record<string, ProcessUsage>;
  machineBusyPct: number;
  /** Busy time of the machine outside our processes: other people's work on a shared box. */
  otherPct: number;
  /** Of that, steal: the hypervisor ran other guests on our cores. */
  stealPct: number;
}

/** Benchmarks measure over wall-clock windows: here waiting is the point, not a shortcut. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than null/false, or gives up after `timeoutMs`. */
export async function pollUntil<T>(
  check: () => Promise<T | null | false>,
  timeoutMs: number,
  everyMs = 250,
): Promise<T | null> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => null);
    if (v !== null && v !== false) return v;
    if (performance.now() > deadline) return null;
    await sleep(everyMs);
  }
}

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';

/** Process ids to watch: broker, Redis, each role, the load generator and this process. */
export function watchedPids(
  env: BenchEnvironment,
  roles: Record<string, number>,
  generatorPid?: number,
): Record<string, number> {
  // A cluster's nodes as `redis`, `redis 2`, …: ProcessSampler adds them up as `redis`.
  const redis = Object.fromEntries(
    env.redisNodes.map((n, i) => [i === 0 ? 'redis' : `redis ${i + 1}`, n.pid]),
  );
  return {
    kafka: env.pids.kafka,
    ...redis,
    ...roles,
    ...(generatorPid ? { 'load generator': generatorPid } : {}),
    'bench clients': process.pid,
  };
}

/** Least-squares slope of (t seconds, value) samples, in value per second. */
export function slopePerS(samples: readonly { t: number; v: number }[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((s, x) => s + x.t, 0) / n;
  const mv = samples.reduce((s, x) => s + x.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const x of samples) {
    num += (x.t - mt) * (x.v - mv);
    den += (x.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
