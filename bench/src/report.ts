import type { ConsumeRateResult } from './consume-rate-result.js';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@fleetstream/infra/paths';
import type { BenchOptions } from './options.js';
import type { MachineInfo } from './proc-stats.js';
import { bestFanOutStep, targets } from './report-figures.js';
import { fmt as n } from './scenario-kit.js';
import type { S0Result } from './scenarios/s0-ceilings.js';
import type { S1Result } from './scenarios/s1-latency.js';
import type { S2Result } from './scenarios/s2-ramp.js';
import type { S3Result } from './scenarios/s3-fanout.js';
import type { S4Result } from './scenarios/s4-catch-up.js';

/** Everything one run measured: artifacts/bench/report.json. */
export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  durationS: number;
  quick: boolean;
  machine: MachineInfo;
  loadAverage: { before: [number, number, number]; after: [number, number, number] };
  versions: Record<string, string>;
  configuration: {
    options: BenchOptions;
    stackEnv: Record<string, string>;
    locationPartitions: number;
    roles: string;
    /** Open-file limit of the benchmark before and after raising it; its children inherit it. */
    openFileLimit?: {
      before: { soft: number; hard: number };
      after: { soft: number; hard: number };
    };
  };
  s0?: S0Result;
  s1?: S1Result;
  s2?: S2Result;
  s3?: S3Result;
  s4?: S4Result;
  s5?: ConsumeRateResult;
  errors: { scenario: string; message: string }[];
}

/** Versions of the client libraries the figures depend on, as installed. */
export function packageVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['kafkajs', 'ioredis', 'ws', 'hdr-histogram-js']) {
    try {
      const pkg = JSON.parse(
        fs.readFileSync(path.join(repoRoot, 'node_modules', name, 'package.json'), 'utf8'),
      ) as { version: string };
      out[name] = pkg.version;
    } catch {
      out[name] = 'unknown';
    }
  }
  return out;
}

export function printSummary(r: BenchReport): void {
  console.log('\n== summary ==');
  if (r.s0)
    console.log(
      `S0 ceilings: kafkajs produce ${n(r.s0.kafka.produce.recordsPerS)}/s, consume ${n(r.s0.kafka.consume.recordsPerS)}/s; ` +
        `ioredis PUBLISH ${n(r.s0.redis.publishPerS)}/s; ws broadcast ${n(r.s0.ws.deliveredPerS)} msgs/s to ${n(r.s0.ws.clients)} clients`,
    );
  if (r.s1) {
    const l = r.s1.fixToClient;
    console.log(
      `S1 latency (${n(l.count)} positions): p50 ${n(l.p50, 1)}, p90 ${n(l.p90, 1)}, p99 ${n(l.p99, 1)}, ` +
        `p99.9 ${n(l.p999, 1)}, max ${n(l.max, 1)} ms`,
    );
    const w = r.s1.withReplays;
    if (w)
      console.log(
        `S1 with ${w.replays} fleet replays at ${w.speed}×: p99 ${n(w.fixToClient.p99, 1)} ms ` +
          `(${n((w.fixToClient.p99 / l.p99) * 100)} % of without)`,
      );
  }
  if (r.s2)
    console.log(
      (r.s2.lastGoodDrivers === null
        ? 'S2 ramp: no step held; '
        : `S2 ramp: last step that held ${n(r.s2.lastGoodDrivers)} drivers; `) +
        `knee ${r.s2.kneeDrivers === null ? 'not reached' : `at ${n(r.s2.kneeDrivers)} drivers`}`,
    );
  if (r.s3) {
    const best = bestFanOutStep(r);
    const largest = r.s3.steps.at(-1);
    if (best && largest)
      console.log(
        `S3 fan-out: best ${n(best.deliveredPerS)} of ${n(best.offeredPerS)} deliveries/s offered to ` +
          `${n(best.clients)} clients, p99 ${n(best.latency.p99, 1)} ms; at ${n(largest.clients)} ` +
          `clients ${n(largest.deliveredPerS)} of ${n(largest.offeredPerS)}/s delivered, ` +
          `${n(largest.receivedPerS)}/s received (older fixes included), ` +
          (largest.gatewayKiBPerConnection === null
            ? 'memory growth within GC noise'
            : `${n(largest.gatewayKiBPerConnection, 1)} KiB per connection`) +
          (r.s3.stoppedEarly ? `; ramp stopped early: ${r.s3.stoppedEarly}` : ''),
      );
  }
  if (r.s4)
    console.log(
      `S4 catch-up of ${r.s4.group} after ${r.s4.pauseS} s: ` +
        (r.s4.catchUpS === null
          ? `not within ${r.s4.maxCatchUpS} s`
          : `${n(r.s4.catchUpS, 1)} s (${n(r.s4.catchUpRatio ?? 0, 1)}× the produce rate)`),
    );
  for (const t of targets(r))
    console.log(
      `  target ${t.name}: ${t.goal} → ${t.measured} ${t.met === null ? '' : t.met ? '(met)' : '(not met)'}`,
    );
  for (const e of r.errors) console.log(`  ${e.scenario} FAILED: ${e.message.split('\n')[0]}`);
}
