import type { LatencySummary } from './histogram.js';
import { describeUsage } from './report-figures.js';
import type { BenchReport } from './report.js';
import { n, table } from './report-table.js';

const latencyRow = (name: string, l: LatencySummary) => [
  name,
  n(l.count),
  n(l.p50, 1),
  n(l.p90, 1),
  n(l.p99, 1),
  n(l.p999, 1),
  n(l.max, 1),
];

/** The S1 section of docs/benchmarks.md: the latency floor, and with fleet replays. */
export function s1Section(r: BenchReport): string[] {
  if (!r.s1) return [];
  const s = r.s1;
  return [
    '## S1 — latency floor',
    '',
    `${s.drivers} drivers at ${s.hz} Hz, ${s.clients} customers on ${s.clients} deliveries, ` +
      `${s.measureS} s measured after warm-up. Latency = receive time − the fix's intended send ` +
      `time (ms).`,
    '',
    table(
      ['leg', 'samples', 'p50', 'p90', 'p99', 'p99.9', 'max'],
      [
        latencyRow('fix → customer WebSocket', s.fixToClient),
        latencyRow('fix → applied by live-push', s.fixToApplied),
        latencyRow('applied → customer', s.appliedToClient),
        latencyRow('fix → Redis pub/sub, all deliveries', s.fixToPubSub),
      ],
    ),
    '',
    `With ${n(s.fixToClient.count)} samples, p99.9 is close to the maximum. ` +
      describeUsage(s.usage, r.machine.cores) +
      '.',
    '',
    ...s1Replays(s, r.machine.cores),
  ];
}

/** S1's second window: the same customers while fleet replays of the log play. */
function s1Replays(s: NonNullable<BenchReport['s1']>, cores: number): string[] {
  const w = s.withReplays;
  if (!w) return [];
  const gw = (u: typeof s.usage) => n(u.processes['gateway']?.cpuPct);
  const ratio = w.fixToClient.p99 / s.fixToClient.p99;
  return [
    `**With ${w.replays} fleet replays at ${w.speed}×** (each of the ${n(w.windowS)} s of the ` +
      `log so far, started over when it ends: ${n(w.loops)} plays in the window), a second ` +
      `window of ${s.measureS} s with the same customers:`,
    '',
    table(
      [
        'window',
        'samples',
        'p50',
        'p99',
        'max',
        'gateway CPU %',
        'replay frames/s',
        'couriers/s',
        'KiB/s',
      ],
      [
        [
          'without replays',
          n(s.fixToClient.count),
          n(s.fixToClient.p50, 1),
          n(s.fixToClient.p99, 1),
          n(s.fixToClient.max, 1),
          gw(s.usage),
          '–',
          '–',
          '–',
        ],
        [
          `${w.replays} replays at ${w.speed}×`,
          n(w.fixToClient.count),
          n(w.fixToClient.p50, 1),
          n(w.fixToClient.p99, 1),
          n(w.fixToClient.max, 1),
          gw(w.usage),
          n(w.framesPerS, 1),
          n(w.couriersPerS),
          n(w.kbPerS),
        ],
      ],
    ),
    '',
    `Customer p99 with the replays is ${n(ratio * 100)} % of the p99 without them ` +
      `(the goal is at most 120 %)` +
      (w.errors > 0 ? `; ${n(w.errors)} replays ended in an error` : '') +
      '. ' +
      describeUsage(w.usage, cores) +
      '.',
    '',
  ];
}
