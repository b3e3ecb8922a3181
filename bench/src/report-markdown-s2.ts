import { PIPELINE, describeUsage, pipelineUsPerFix, usPerFix } from './report-figures.js';
import type { BenchReport } from './report.js';
import type { S2Step } from './scenarios/s2-ramp.js';
import { n, table } from './report-table.js';

/** The pipeline's processes, then the benchmark's own load and customers. */
const PROCESSES = [...PIPELINE, 'load generator', 'bench clients'];

/** The S2 section of docs/benchmarks.md: the ramp, what a fix costs, memory, event-loop delay. */
export function s2Section(r: BenchReport): string[] {
  if (!r.s2) return [];
  const s = r.s2;
  const groups = ['live-push', 'analytics', 'notifications'];
  const knee = s.steps.find((x) => x.knee);
  const cores = r.machine.cores;
  return [
    '## S2 — ingest ramp',
    '',
    `Drivers at ${s.hz} Hz, ${s.settleS} s to settle then ${s.measureS} s measured per step` +
      (s.warmupS && s.warmupS > s.settleS
        ? ` (the first step runs ${s.warmupS} s before it is measured: a fresh broker's JIT ` +
          'compiles for its first minute or two, start-up work rather than the cost of a fix), '
        : ', ') +
      (s.clients === 0
        ? 'every active delivery followed by one customer socket (in client processes of their ' +
          'own), each timing every position it gets. The knee'
        : `${s.clients} customers timing positions. The knee`) +
      ` is the first step where p99 passes ` +
      `${s.p99LimitMs} ms or a group's lag keeps growing (trend above 5 % of the offered rate ` +
      'and more than 2 s of records behind); the ramp stops one step past it. Lag is ' +
      'end offset − committed offset on delivery-location, read with the kafkajs admin.',
    '',
    table(
      [
        'drivers',
        'offered/s',
        'produced/s',
        ...groups.map((g) => `${g}/s`),
        ...groups.map((g) => `${g} lag (trend/s)`),
        'customers',
        'p50 ms',
        'p99 ms',
        'max ms',
        '',
      ],
      s.steps.map((x) => [
        n(x.drivers),
        n(x.offeredPerS),
        n(x.producedPerS),
        ...groups.map((g) => n(x.groups[g]?.consumedPerS)),
        ...groups.map((g) => `${n(x.groups[g]?.lagEnd)} (${n(x.groups[g]?.lagSlopePerS)})`),
        x.customers === undefined
          ? '–'
          : `${n(x.customers)}${x.customerFailures ? ` (${n(x.customerFailures)} failed)` : ''}`,
        n(x.latency.p50, 1),
        n(x.latency.p99, 1),
        n(x.latency.max, 1),
        x.knee ? `**knee**: ${x.kneeReasons.join('; ')}` : '',
      ]),
    ),
    '',
    ...failureLine(s.steps),
    'CPU per process, % of one core (the machine has ' +
      `${cores * 100} %); "other" is work outside the benchmark, steal included:`,
    '',
    table(
      ['drivers', ...PROCESSES, 'other', 'steal', 'machine'],
      s.steps.map((x) => [
        n(x.drivers),
        ...PROCESSES.map((p) => n(x.usage.processes[p]?.cpuPct)),
        n(x.usage.otherPct),
        n(x.usage.stealPct),
        n(x.usage.machineBusyPct),
      ]),
    ),
    '',
    ...jitLine(s.steps),
    'The cost of a fix: CPU microseconds per offered fix, per process (CPU % ÷ 100 × 10⁶ ÷ ' +
      'fixes/s). The pipeline is the broker, Redis and the five roles; the load generator and ' +
      'the customers are the benchmark, not the platform (the design asks ≤ 100 µs at 5,000 ' +
      'fixes/s):',
    '',
    table(
      ['drivers', ...PIPELINE, 'pipeline'],
      s.steps.map((x) => [
        n(x.drivers),
        ...PIPELINE.map((p) => n(usPerFix(x, p))),
        `**${n(pipelineUsPerFix(x))}**`,
      ]),
    ),
    '',
    ...redisPerFixSection(s.steps),
    'RSS per process at the end of each step, MiB:',
    '',
    table(
      ['drivers', ...PROCESSES],
      s.steps.map((x) => [n(x.drivers), ...PROCESSES.map((p) => n(x.usage.processes[p]?.rssMiB))]),
    ),
    '',
    ...legsSection(s.steps),
    'Event-loop delay p99, ms (gateway from its /metrics; the consumer roles and ops do not ' +
      'report theirs: not measured):',
    '',
    table(
      ['drivers', 'gateway', 'load generator', 'bench clients', 'generator worst lateness'],
      s.steps.map((x) => [
        n(x.drivers),
        n(x.eventLoopP99Ms.gateway, 1),
        n(x.eventLoopP99Ms['load generator'], 1),
        n(x.eventLoopP99Ms['bench clients'], 1),
        n(x.generatorLateMaxMs),
      ]),
    ),
    '',
    knee
      ? `**Knee at ${n(knee.drivers)} drivers** (${knee.kneeReasons.join('; ')}); the last step ` +
        `that held was ${s.lastGoodDrivers === null ? 'none' : n(s.lastGoodDrivers)}. At the ` +
        `knee: ${describeUsage(knee.usage, cores)}.`
      : `No knee up to ${n(s.steps.at(-1)?.drivers)} drivers.`,
    '',
  ];
}

/**
 * Redis commands per offered fix, from INFO commandstats around each window: how far one Redis
 * (or one Redis node) carries a fleet depends on it more than on anything else.
 */
function redisPerFixSection(steps: readonly S2Step[]): string[] {
  const measured = steps.filter((x) => x.redis);
  if (measured.length === 0) return [];
  const top = [
    ...new Set(measured.flatMap((x) => x.redis!.byCommand.slice(0, 8).map((c) => c.command))),
  ];
  return [
    'Redis commands per offered fix (INFO commandstats over the window; commands run by ' +
      'scripts counted as commands, the script calls themselves apart):',
    '',
    table(
      ['drivers', 'commands', 'script calls', ...top.map((c) => c.toUpperCase())],
      measured.map((x) => {
        const r = x.redis!;
        const calls = (c: string) => r.byCommand.find((b) => b.command === c)?.calls ?? 0;
        return [n(x.drivers), n(r.commands, 2), n(r.scripts, 2), ...top.map((c) => n(calls(c), 2))];
      }),
    ),
    '',
  ];
}

/** How much of the broker's CPU its JIT compilers took, step by step (counted in its figures). */
function jitLine(steps: readonly S2Step[]): string[] {
  const jit = steps.map((x) => x.usage.processes.kafka?.jitPct);
  if (jit.every((j) => j === undefined)) return [];
  return [
    "Of the broker's CPU above, its JIT compiler threads took " +
      steps.map((x, i) => `${n(jit[i] ?? 0, 1)} % at ${n(x.drivers)}`).join(', ') +
      ' drivers (counted in its figures here and below).',
    '',
  ];
}

/** Where the latency is: fix → applied by live-push, applied → customer. */
function legsSection(steps: readonly S2Step[]): string[] {
  const withLegs = steps.filter((x) => x.legs);
  if (withLegs.length === 0) return [];
  return [
    "The latency's legs, ms: fix → applied by live-push (Kafka and the group), applied → " +
      'customer (Redis pub/sub and the gateway):',
    '',
    table(
      ['drivers', 'fix → applied p50', 'p99', 'max', 'applied → customer p50', 'p99', 'max'],
      withLegs.map((x) => [
        n(x.drivers),
        n(x.legs!.fixToApplied.p50, 1),
        n(x.legs!.fixToApplied.p99, 1),
        n(x.legs!.fixToApplied.max, 1),
        n(x.legs!.appliedToClient.p50, 1),
        n(x.legs!.appliedToClient.p99, 1),
        n(x.legs!.appliedToClient.max, 1),
      ]),
    ),
    '',
  ];
}

/** Why customers' handshakes failed, step by step (the counts are since the ramp began). */
function failureLine(steps: readonly S2Step[]): string[] {
  const failed = steps.filter((x) => Object.keys(x.customerFailureReasons ?? {}).length > 0);
  if (failed.length === 0) return [];
  const reasons = (r: Record<string, number>) =>
    Object.entries(r)
      .sort((a, b) => b[1] - a[1])
      .map(([why, count]) => `${n(count)} × ${why}`)
      .join(', ');
  return [
    'Failed handshakes by reason, since the ramp began: ' +
      failed.map((x) => `${n(x.drivers)}: ${reasons(x.customerFailureReasons!)}`).join('; ') +
      '.',
    '',
  ];
}
