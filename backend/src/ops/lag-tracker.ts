import type {
  GroupLag,
  HistoryPoint,
  LagSnapshot,
  OpsEvent,
  PartitionLag,
} from '@fleetstream/contracts';
import {
  catchUp,
  evaluatePartition,
  expiredUnprocessed,
  partitionLag,
  ratePerSec,
  timeLagMs,
  worstStatus,
  type LagSettings,
  type PartitionSample,
} from '../domain/lag.js';
import type { Observation } from '../infra/kafka-admin.js';

export interface LagTrackerOptions extends LagSettings {
  topic: string;
  /** How far back end-offset samples go for time lag. @default 15 min */
  historyMs?: number;
  /** Events kept for the timeline. @default 100 */
  maxEvents?: number;
}

/**
 * Turns a stream of broker observations into lag snapshots: keeps the (end offset, time)
 * history per partition for time lag, a window of samples per group × partition for status and
 * rates, and a timeline of rebalances, pauses and status changes.
 */
export function createLagTracker(o: LagTrackerOptions) {
  const historyMs = o.historyMs ?? 15 * 60_000;
  const maxEvents = o.maxEvents ?? 100;
  const endHistory = new Map<number, { at: number; end: number }[]>();
  const windows = new Map<string, PartitionSample[]>();
  const assignments = new Map<string, string>();
  const statuses = new Map<string, string>();
  const pausedBefore = new Set<string>();
  const events: OpsEvent[] = [];
  const event = (e: OpsEvent) => {
    events.push(e);
    if (events.length > maxEvents) events.shift();
  };

  function observe(
    obs: Observation,
    paused: ReadonlySet<string>,
  ): Omit<LagSnapshot, 'impact'> & { point: HistoryPoint } {
    const now = obs.at;
    for (const p of obs.topic.partitions) {
      const h = endHistory.get(p.partition) ?? [];
      h.push({ at: now, end: Number(p.end) });
      while (h.length > 2 && h[0]!.at < now - historyMs) h.shift();
      endHistory.set(p.partition, h);
    }

    const point: HistoryPoint = { at: now, groups: {} };
    const groups: GroupLag[] = obs.groups.map((g) => {
      const owners = new Map<number, string>();
      for (const m of g.members) for (const p of m.partitions) owners.set(p, m.clientId);
      const signature = g.members
        .map((m) => `${m.memberId}:${m.partitions.join(',')}`)
        .sort()
        .join('|');
      const previous = assignments.get(g.groupId);
      if (previous !== undefined && previous !== signature) {
        event({
          at: now,
          groupId: g.groupId,
          kind: 'rebalance',
          detail: `${g.members.length} member(s), state ${g.state}`,
        });
      }
      assignments.set(g.groupId, signature);
      const isPaused = paused.has(g.groupId);
      if (isPaused !== pausedBefore.has(g.groupId)) {
        event({
          at: now,
          groupId: g.groupId,
          kind: isPaused ? 'paused' : 'resumed',
          detail: isPaused ? 'consumption paused from the dashboard' : 'consumption resumed',
        });
        if (isPaused) pausedBefore.add(g.groupId);
        else pausedBefore.delete(g.groupId);
      }

      const partitions: PartitionLag[] = obs.topic.partitions.map((tp) => {
        const committed = Number(g.committed.get(tp.partition) ?? -1n);
        const end = Number(tp.end);
        const low = Number(tp.low);
        const key = `${g.groupId}:${tp.partition}`;
        const w = windows.get(key) ?? [];
        w.push({ at: now, committed, end, low, owned: owners.has(tp.partition) });
        while (w.length > o.windowSamples) w.shift();
        windows.set(key, w);
        return {
          partition: tp.partition,
          committed: committed < 0 ? null : committed,
          end,
          low,
          lag: partitionLag(committed, end, low),
          // With no commit, the oldest retained record is what waits.
          timeLagMs: Math.round(
            timeLagMs(endHistory.get(tp.partition) ?? [], committed < 0 ? low : committed, now),
          ),
          status: evaluatePartition(w, o),
          owner: owners.get(tp.partition) ?? null,
          expired: expiredUnprocessed(committed, low),
          consumeRate: ratePerSec(w.map((s) => ({ at: s.at, value: s.committed }))),
          produceRate: ratePerSec(w.map((s) => ({ at: s.at, value: s.end }))),
        };
      });
      const lag = partitions.reduce((a, p) => a + p.lag, 0);
      const consumeRate = partitions.reduce((a, p) => a + p.consumeRate, 0);
      const produceRate = partitions.reduce((a, p) => a + p.produceRate, 0);
      const eta = catchUp(lag, consumeRate, produceRate);
      const status = worstStatus(partitions.map((p) => p.status));
      const before = statuses.get(g.groupId);
      if (before !== undefined && before !== status)
        event({ at: now, groupId: g.groupId, kind: 'status', detail: `${before} → ${status}` });
      statuses.set(g.groupId, status);
      const timeLag = Math.max(0, ...partitions.map((p) => p.timeLagMs));
      point.groups[g.groupId] = {
        lag,
        timeLagMs: timeLag,
        consumeRate: round(consumeRate),
        produceRate: round(produceRate),
        partitionLag: partitions.map((p) => p.lag),
      };
      return {
        groupId: g.groupId,
        status,
        state: g.state,
        paused: isPaused,
        lag,
        timeLagMs: timeLag,
        consumeRate: round(consumeRate),
        produceRate: round(produceRate),
        catchUpEtaS: eta.etaS === null ? null : Math.round(eta.etaS),
        diverging: eta.diverging,
        members: g.members,
        partitions,
      };
    });
    return {
      at: now,
      topic: o.topic,
      groups,
      events: [...events],
      settings: { pollIntervalMs: 0, windowSamples: o.windowSamples, warnMinLag: o.warnMinLag },
      point,
    };
  }

  return { observe };
}

const round = (x: number) => Math.round(x * 10) / 10;
