import { bestConsumeRates, bestFanOut, describeUsage, targets } from './report-figures.js';
import type { BenchReport } from './report.js';
import { s1Section } from './report-markdown-s1.js';
import { s2Section } from './report-markdown-s2.js';
import { s3Section } from './report-markdown-s3.js';
import { n, table } from './report-table.js';

function noise(r: BenchReport): string {
  const windows = [
    ...(r.s1 ? [r.s1.usage] : []),
    ...(r.s2?.steps.map((s) => s.usage) ?? []),
    ...(r.s3?.steps.map((s) => s.usage) ?? []),
  ];
  const avg = (f: (u: (typeof windows)[number]) => number) =>
    windows.length ? windows.reduce((s, u) => s + f(u), 0) / windows.length : NaN;
  const other = avg((u) => u.otherPct);
  const steal = avg((u) => u.stealPct ?? 0);
  const [b] = r.loadAverage.before;
  const shared = b > 0.5 || other > 10;
  return (
    `Load average ${r.loadAverage.before.map((x) => x.toFixed(2)).join(' / ')} before the run and ` +
    `${r.loadAverage.after.map((x) => x.toFixed(2)).join(' / ')} after it; CPU used by processes ` +
    `other than the benchmark's averaged ${n(other)} % (of ${r.machine.cores * 100} %) over the ` +
    `measurement windows, of which ${n(steal)} % was steal (the hypervisor running other guests ` +
    'on these cores). ' +
    (shared
      ? '**The machine was shared with other work during this run: the figures are noisy and on ' +
        'the low side.**'
      : 'The machine was otherwise quiet.')
  );
}

function s0(r: BenchReport): string[] {
  if (!r.s0) return [];
  const k = r.s0.kafka;
  const best = bestConsumeRates(r);
  const s3best = bestFanOut(r);
  const s2produced = Math.max(0, ...(r.s2?.steps.map((s) => s.producedPerS) ?? [0]));
  const ratio = (a: number, b: number) => (a > 0 && b > 0 ? `${n((a / b) * 100)} %` : '–');
  return [
    '## S0 — ceilings of the parts, same run',
    '',
    table(
      ['ceiling', 'rate', 'how'],
      [
        [
          'kafkajs produce',
          `${n(k.produce.recordsPerS)} records/s (${n(k.produce.mbPerS, 1)} MB/s)`,
          `${n(k.produce.bytesPerRecord)}-byte position records, batches of ${k.produce.batch}, ${k.produce.inFlight} in flight, acks=all, 12 partitions`,
        ],
        [
          'kafkajs consume',
          `${n(k.consume.recordsPerS)} records/s`,
          `one consumer, empty eachBatch, 1 MB per partition, ${n(k.consume.records)} records`,
        ],
        [
          'ioredis PUBLISH',
          `${n(r.s0.redis.publishPerS)} msgs/s (received ${n(r.s0.redis.receivedPerS)}/s)`,
          `pipelines of ${r.s0.redis.pipeline}, ${r.s0.redis.messageBytes}-byte position messages, ${r.s0.redis.channels} channels, one pattern subscriber`,
        ],
        [
          'ws broadcast',
          `${n(r.s0.ws.deliveredPerS)} msgs/s`,
          `one server process, ${n(r.s0.ws.clients)} clients, message serialised once, server CPU ${n(r.s0.ws.serverCpuPct)} %`,
        ],
        ...(r.s0.wsPaced ?? []).map((w) => [
          `ws paced as S3, ${n(w.clients)} clients`,
          `${n(w.deliveredPerS)} msgs/s, ${n(w.serverUsPerMessage, 1)} µs of CPU a message`,
          `the same server sending like S3's gateway: ${n(w.paced?.groups)} groups of clients, ` +
            `each one message ${w.paced?.hz ?? '–'} times a second; server CPU ${n(w.serverCpuPct)} %`,
        ]),
      ],
    ),
    '',
    'Our pipeline as a share of those ceilings (best figure of this run):',
    '',
    table(
      ['path', 'ours', 'ceiling', 'share'],
      [
        [
          'load generator → Kafka (S2)',
          `${n(s2produced)}/s`,
          `${n(k.produce.recordsPerS)}/s`,
          ratio(s2produced, k.produce.recordsPerS),
        ],
        ...Object.entries(best).map(([g, v]) => [
          `${g} consume (S2${r.s4?.group === g ? ', S4 catch-up' : ''})`,
          `${n(v)}/s`,
          `${n(k.consume.recordsPerS)}/s`,
          ratio(v, k.consume.recordsPerS),
        ]),
        [
          'live-push → Redis publish (S2)',
          `${n(best['live-push'] ?? 0)}/s`,
          `${n(r.s0.redis.publishPerS)}/s`,
          ratio(best['live-push'] ?? 0, r.s0.redis.publishPerS),
        ],
        [
          'gateway → customers (S3)',
          `${n(s3best)}/s`,
          `${n(r.s0.ws.deliveredPerS)}/s`,
          ratio(s3best, r.s0.ws.deliveredPerS),
        ],
      ],
    ),
    '',
    "A group's rate is a floor of its capacity unless it fell behind: while it keeps up it " +
      'consumes only what is offered.',
    '',
  ];
}

function s5(r: BenchReport): string[] {
  if (!r.s5) return [];
  const s = r.s5;
  return [
    '## S5 — consume rate on a backlog',
    '',
    `${n(s.records)} records of ${n(s.drivers)} drivers preloaded on ${s.partitions} partitions; ` +
      'each group then runs alone, one instance, from the start of the backlog to lag 0 ' +
      '(start-up and group join left out), beside an empty kafkajs consumer on the same ' +
      `records (\`bench/src/consume-rate.ts\`; medians of ${s.repeat}). CPU is per record ` +
      'consumed, the role process and redis-server apart.',
    '',
    table(
      ['group', 'records/s', 'share of raw kafkajs', 'role µs/record', 'Redis µs/record'],
      s.rows.map((x) => [
        x.group,
        n(x.recordsPerS),
        `${n((100 * x.recordsPerS) / x.rawRecordsPerS)} % of ${n(x.rawRecordsPerS)}/s`,
        n(x.roleCpuUsPerRecord, 1),
        n(x.redisCpuUsPerRecord, 1),
      ]),
    ),
    '',
  ];
}

function s4(r: BenchReport): string[] {
  if (!r.s4) return [];
  const s = r.s4;
  return [
    '## S4 — catch-up',
    '',
    `${n(s.drivers)} drivers at 1 Hz; the \`${s.group}\` group paused through the ops API ` +
      `(POST /api/ops/groups/…/pause) for ${s.pauseS} s, then resumed. Caught up = lag back to ` +
      'its steady-state level before the pause (or within one second of records).',
    '',
    table(
      ['figure', 'value'],
      [
        ['produce rate', `${n(s.producePerS)} records/s`],
        ['steady lag before the pause', n(s.steadyLag)],
        ['lag at resume', n(s.lagAtResume)],
        [
          'time to catch up',
          s.catchUpS === null ? `not within ${s.maxCatchUpS} s` : `${n(s.catchUpS, 1)} s`,
        ],
        ['consume rate while catching up', `${n(s.catchUpRatePerS)} records/s`],
        [
          'catch-up rate / produce rate',
          s.catchUpRatio === null ? '–' : `${n(s.catchUpRatio, 1)}×`,
        ],
        ...Object.entries(s.otherGroupsMaxLag).map(([g, l]) => [
          `${g} lag during the pause (max)`,
          n(l),
        ]),
      ],
    ),
    '',
    `While catching up: ${describeUsage(s.usage, r.machine.cores)}.`,
    '',
  ];
}

/** docs/benchmarks.md: machine, versions, configuration, targets and every scenario's tables. */
export function renderMarkdown(r: BenchReport): string {
  const m = r.machine;
  const o = r.configuration.options;
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\`${r.quick ? ' --quick (a smoke run: small fleets, short steps)' : ''} ` +
      `on ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC in ${Math.floor(r.durationS / 60)} min ` +
      `${r.durationS % 60} s; the raw figures and HDR histograms are in artifacts/bench/report.json. ` +
      'Re-run it to refresh this file; the targets come from issue 16 and are reported, never asserted.',
    '',
    '## Machine and set-up',
    '',
    table(
      ['', ''],
      [
        ['CPU', `${m.cores} × ${m.cpuModel}`],
        ['RAM', `${m.memTotalGiB} GiB`],
        ['kernel', m.kernel],
        ['Node', r.versions.node ?? ''],
        ['Kafka', `${r.versions.kafka} (single KRaft node, heap ${o.kafkaHeap})`],
        ['Redis', `${r.versions.redis} (appendonly everysec)`],
        [
          'clients',
          `kafkajs ${r.versions.kafkajs}, ioredis ${r.versions.ioredis}, ws ${r.versions.ws}, hdr-histogram-js ${r.versions['hdr-histogram-js']}`,
        ],
        ['roles', r.configuration.roles],
        [
          'configuration',
          `delivery-location ${r.configuration.locationPartitions} partitions; backend defaults ` +
            `(commit interval 1 s, chunks of 500) with ${Object.entries(r.configuration.stackEnv)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}`,
        ],
        [
          'load',
          'open loop: each driver has a fixed slot per period, every record carries its intended ' +
            'time as `ts` and is produced whether or not the previous one was acknowledged ' +
            '(one request in flight, everything due meanwhile in the next), so a stall shows up ' +
            'as latency instead of as fewer samples',
        ],
      ],
    ),
    '',
    noise(r),
    '',
    'Everything runs on this one machine: broker, Redis, five roles, the load generator and the ' +
      'customers compete for the same cores, so each figure is a share of the machine, not a ' +
      'property of one part.',
    '',
    '## Targets (issue 16)',
    '',
    table(
      ['target', 'goal', 'this run', ''],
      targets(r).map((t) => [
        t.name,
        t.goal,
        t.measured,
        t.met === null ? '' : t.met ? 'met' : 'not met',
      ]),
    ),
    '',
    ...s0(r),
    ...s1Section(r),
    ...s2Section(r),
    ...s3Section(r),
    ...s4(r),
    ...s5(r),
    ...(r.errors.length > 0
      ? [
          '## Errors',
          '',
          ...r.errors.map((e) => `- ${e.scenario}: \`${e.message.split('\n')[0]}\``),
          '',
        ]
      : []),
  ];
  return `${lines.join('\n')}\n`;
}
