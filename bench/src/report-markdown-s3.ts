import { describeUsage, s3Caveat, saturated, SATURATED_SHARE } from './report-figures.js';
import type { BenchReport } from './report.js';
import { n, table } from './report-table.js';

/** The gateway's µs a message against bare `ws`'s: `1.45× (12.1 paced)`. */
const rawCell = (us: number | undefined, raw: { us: number; paced: boolean } | undefined) =>
  us !== undefined && raw
    ? `${n(us / raw.us, 2)}× (${n(raw.us, 1)} ${raw.paced ? 'paced' : 'saturated'})`
    : '–';

/** The S3 section of docs/benchmarks.md: one row per step, then what limited the ramp. */
export function s3Section(r: BenchReport): string[] {
  if (!r.s3) return [];
  const s = r.s3;
  const o = r.configuration.options.s3;
  const perDelivery =
    s.deliveriesWatched > 0 ? (s.steps.at(-1)?.clients ?? 0) / s.deliveriesWatched : 0;
  const short = s.steps.filter((x) => x.wanted !== undefined && x.clients < x.wanted);
  // The same run's bare `ws` server: CPU µs per message sent, the floor of a fan-out. Paced
  // like this step where S0 measured that (the fair floor), else its saturating broadcast.
  const rawFor = (clients: number) => {
    const paced = r.s0?.wsPaced?.find((w) => w.clients === clients);
    const w = paced ?? r.s0?.ws;
    if (!w || w.deliveredPerS <= 0) return undefined;
    return { us: w.serverUsPerMessage ?? (w.serverCpuPct * 1e4) / w.deliveredPerS, paced: !!paced };
  };
  const perMessageUs = (x: (typeof s.steps)[number]) => {
    const cpu = x.gatewayCpuPct ?? x.usage.processes.gateway?.cpuPct;
    return cpu !== undefined && x.receivedPerS > 0 ? (cpu * 1e4) / x.receivedPerS : undefined;
  };
  const caveats: Record<string, string> = {
    backlog: '**backlog: not valid**',
    'clients saturated': 'clients saturated: a floor',
    overran: '**overran: not a gateway figure**',
  };
  return [
    '## S3 — fan-out',
    '',
    `A fixed fleet of ${n(s.drivers)} drivers at ${s.hz} Hz (${n(s.drivers * s.hz)} fixes/s ` +
      `through the pipeline); customers open real \`ws\` connections with tracking tokens, ` +
      `spread over ${n(s.deliveriesWatched)} deliveries (${n(perDelivery)} customers per delivery ` +
      'at the last step), all on one gateway process, so the offered rate is customers × ' +
      `${s.hz} positions/s. ` +
      (s.clientProcesses
        ? `The customers run in ${s.clientProcesses} client processes of their own, apart from ` +
          'the gateway and the benchmark; every position they get is timed. Each step pauses ' +
          `the fleet, connects its new customers at most ${o.connectConcurrency ?? '–'} ` +
          `handshakes at a time and starts none after ${o.connectDeadlineS ?? '–'} s, resumes ` +
          `the fleet, lets ${o.settleS} s settle and measures ${o.measureS} s with whatever is ` +
          'connected. The pause keeps the ramp about connecting: a gateway busy fanning out ' +
          'accepts slowly (a handshake waits behind whole Redis reads of sends), so instead ' +
          `${o.probeHandshakes ?? '–'} handshakes are timed together a third into each window, ` +
          'under the full load. '
        : '') +
      `Open-file limit of the gateway: ${n(s.fileLimit.soft)} soft / ${n(s.fileLimit.hard)} hard` +
      (s.clientFileLimit ? `, of a client process ${n(s.clientFileLimit.soft)}` : '') +
      (s.ephemeralPorts
        ? `; local ports ${s.ephemeralPorts.low}–${s.ephemeralPorts.high} ` +
          `(${n(s.ephemeralPorts.high - s.ephemeralPorts.low + 1)}, one per customer)`
        : '') +
      (s.cappedAt !== null ? `, so customers were capped at ${n(s.cappedAt)}.` : '.'),
    '',
    table(
      [
        'clients',
        'failed',
        'dropped',
        'offered/s',
        'delivered/s',
        'received/s',
        'published/s',
        'conflated/s',
        'p50 ms',
        'p99 ms',
        'max ms',
        'pub/sub p99 ms',
        'gateway CPU %',
        'gateway µs/message',
        '× raw ws (its µs)',
        'clients CPU %',
        'machine busy % (others)',
        'gateway RSS MiB',
        'KiB/connection',
        'gateway loop p99 ms',
        'clients loop p99 ms',
        'connect s',
        'handshake under load p50 / max ms',
        '',
      ],
      s.steps.map((x) => {
        const caveat = s3Caveat(x, r);
        const us = perMessageUs(x);
        return [
          x.wanted !== undefined && x.clients < x.wanted
            ? `**${n(x.clients)} of ${n(x.wanted)}**`
            : n(x.clients),
          x.failed === undefined
            ? '–'
            : n(x.failed) + (x.untried ? ` (+${n(x.untried)} not tried)` : ''),
          n(x.dropped) +
            (x.gatewayClosed && x.dropped
              ? ` (${n(x.gatewayClosed.notReading)} not reading, ` +
                `${n(x.gatewayClosed.unresponsive)} no pong)`
              : ''),
          n(x.offeredPerS),
          n(x.deliveredPerS),
          n(x.receivedPerS),
          n(x.publishedPerS),
          n(x.gatewayConflatedPerS),
          n(x.latency.p50, 1),
          n(x.latency.p99, 1),
          n(x.latency.max, 1),
          n(x.pubSubLatency?.p99, 1),
          n(x.gatewayCpuPct ?? x.usage.processes.gateway?.cpuPct),
          n(us, 1),
          rawCell(us, rawFor(x.clients)),
          n(x.clientsCpuPct ?? x.usage.processes['bench clients']?.cpuPct),
          `${n(x.usage.machineBusyPct)} (${n(x.usage.otherPct)})`,
          n(x.gatewayRssMiB),
          n(x.gatewayKiBPerConnection, 1),
          n(x.gatewayEventLoopP99Ms, 1),
          n(x.clientEventLoopP99Ms, 1),
          x.connectPerS === undefined
            ? n(x.connectSeconds, 1)
            : `${n(x.connectSeconds, 1)} (${n(x.connectPerS)}/s)`,
          x.handshakeUnderLoad
            ? `${n(x.handshakeUnderLoad.p50Ms)} / ${n(x.handshakeUnderLoad.maxMs)}` +
              (x.handshakeUnderLoad.failed > 0
                ? ` (**${x.handshakeUnderLoad.failed} of ${x.handshakeUnderLoad.tried} failed**)`
                : '')
            : '–',
          [caveat ? caveats[caveat]! : '', saturated(x) ? 'gateway saturated' : '']
            .filter(Boolean)
            .join('; '),
        ];
      }),
    ),
    '',
    'Failed = handshakes of the step that failed; dropped = customers that were open and got ' +
      "closed during the step, with the gateway's reasons when it reports them. " +
      "Offered = customers × each delivery's rate; delivered counts only positions of fixes taken " +
      'within the window, so a backlog drained from socket buffers cannot inflate it; received ' +
      'counts every position however old, which is what a saturated gateway still sends while ' +
      "its backlog keeps the window's own fixes from arriving; published " +
      "is live-push's rate into Redis pub/sub for all deliveries (what the gateway had to fan " +
      "out), seen by a subscriber beside the gateway. Latency = receive time − the fix's " +
      'intended send time, at the customers and (pub/sub p99) at that subscriber: the ' +
      "difference is the gateway's share. Conflated/s comes from the gateway's heartbeat " +
      "counters, reported every 2 s, so it is rough. Gateway µs/message = the gateway's CPU " +
      'over the positions the customers received. × raw ws sets it against a bare `ws` server ' +
      "of the same run (its CPU µs a message in brackets): 'paced' sends like this step, the " +
      `same ${n(s.hz)} Hz to each of the same number of sockets (S0), which is the fair floor; ` +
      "'saturated' is S0's broadcast as fast as the clients take it, whose backed-up sockets " +
      'take many messages per write, so it costs less a message than any paced fan-out. ' +
      "KiB/connection is the gateway's RSS " +
      'growth from before the first customer to all of the step connected, both with the fleet ' +
      'paused, per connection (blank under 16 MiB of growth: GC noise). CPU is % of one ' +
      `core (the machine has ${r.machine.cores * 100} %); "others" is work outside the ` +
      'benchmark. When every core is busy, the gateway gets only its share of them and ' +
      'saturates below what it would reach on a machine of its own. ' +
      '"Clients saturated": a client process used 90 % of a core or more, so the customers, not ' +
      'the gateway, may have set the delivered rate, which is then a floor of what the gateway ' +
      `can do. "Gateway saturated": it delivered less than ${SATURATED_SHARE * 100} % of what ` +
      'was offered; the ramp goes on regardless, within its time budget, for the larger ' +
      "steps' memory, drops and handshakes.",
    '',
    ...(short.length > 0
      ? [
          `Steps that did not connect all their customers: ${short
            .map(
              (x) =>
                `${n(x.clients)} of ${n(x.wanted)} open` +
                (x.failed ? `, ${n(x.failed)} handshakes failed` : '') +
                (x.untried ? `, ${n(x.untried)} not tried before the deadline` : '') +
                (x.dropped ? `, ${n(x.dropped)} dropped after connecting` : ''),
            )
            .join('; ')}. Their rates are those of the customers that were connected.`,
          '',
        ]
      : []),
    ...(s.stoppedEarly ? [`**The ramp stopped early**: ${s.stoppedEarly}.`, ''] : []),
    ...(s.failureReasons.length > 0
      ? [`Failed connections: ${s.failureReasons.join(', ')}.`, '']
      : []),
    ...(s.steps.length > 0
      ? [`At the largest step: ${describeUsage(s.steps.at(-1)!.usage, r.machine.cores)}.`, '']
      : []),
  ];
}
