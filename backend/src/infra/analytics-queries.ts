import type {
  AnalyticsSeries,
  AnalyticsSummary,
  DriverDistanceList,
  DurationHistogram,
  HeatGrid,
  TripStats,
} from '@fleetstream/contracts';
import {
  HEAT_WINDOW_MS,
  TRIP_DURATION_BOUNDS_S,
  avgSpeedKmh,
  heatCellCorner,
} from '../domain/analytics.js';
import { partitionRoot } from './analytics-script.js';
import { isCluster, type RedisClient } from './redis.js';

/** Hashes of counters added up field by field (partitions' totals, histograms, cells). */
function addUp(hashes: readonly Record<string, string>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const h of hashes)
    for (const [f, v] of Object.entries(h)) sum[f] = (sum[f] ?? 0) + Number(v);
  return sum;
}

/**
 * What the analytics API reads from the aggregates the analytics group writes
 * (analytics-store.ts lists the keys): read-only, any instance, any time. Each partition keeps
 * its own aggregates (one hash slot each in a cluster): a read asks every partition and adds
 * the answers up, the aggregates kept before that layout included.
 */
export function createAnalyticsQueries(
  redis: RedisClient,
  o: { P: string; activeWindowMin: number; heatCellDeg: number },
) {
  const { P, activeWindowMin, heatCellDeg } = o;
  const bounds = TRIP_DURATION_BOUNDS_S;
  const histogram = (h: Record<string, number>): DurationHistogram => {
    const count = h.count ?? 0;
    const sumS = h.sumS ?? 0;
    return {
      buckets: Array.from({ length: bounds.length + 1 }, (_, i) => h[`b${i}`] ?? 0),
      count,
      sumS,
      meanS: count > 0 ? sumS / count : 0,
    };
  };
  /** The key roots of every partition's aggregates, and the root of those kept before. */
  const roots = async () => {
    const parts = (await redis.smembers(`${P}parts`)).map((f) => partitionRoot(P, f));
    // A cluster never had the aggregates of before (whose keys span slots).
    return isCluster(redis) ? parts : [P, ...parts];
  };
  /** One hash from every root, added up. */
  const addedHashes = async (rs: readonly string[], suffix: string) =>
    addUp(await Promise.all(rs.map((r) => redis.hgetall(r + suffix))));

  return {
    /** Totals and the active drivers of the last `activeWindowMin` minutes before `now`. */
    async summary(now: number): Promise<AnalyticsSummary> {
      const minute = Math.floor(now / 60_000);
      const rs = await roots();
      // A partition's minutes share its slot, so each partition merges its own; partitions'
      // drivers are distinct (a driver's records are in one partition), so theirs add up.
      const hlls = (r: string) =>
        Array.from({ length: activeWindowMin }, (_, i) => `${r}hll:${minute - i}`);
      const [totals, drivers, active] = await Promise.all([
        addedHashes(rs, 'totals'),
        Promise.all(rs.map((r) => redis.zcard(`${r}dist`))),
        Promise.all(rs.map((r) => redis.pfcount(...hlls(r)))),
      ]);
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const distanceM = totals.distanceM ?? 0;
      const n = (f: string) => totals[f] ?? 0;
      return {
        fixes: n('fixes'),
        activeDrivers: sum(active),
        distanceKm: distanceM / 1000,
        tripsCompleted: n('completed'),
        cancellations: n('cancelled'),
        avgSpeedKmh: avgSpeedKmh(distanceM, n('movingMs')),
        tripEvents: n('tripEvents'),
        drivers: sum(drivers),
        duplicatesSkipped: n('duplicates'),
        replaysSkipped: n('replays'),
        staleSessionSkipped: n('stale'),
        sessionsStarted: n('sessions'),
        outliers: n('outliers'),
        activeWindowMin,
      };
    },

    /** Fixes per second up to `now` and active drivers per minute, over the last `minutes` minutes. */
    async series(now: number, minutes: number): Promise<AnalyticsSeries> {
      const last = Math.floor(now / 60_000);
      // Seconds after now are left out rather than drawn as zeros.
      const nowS = Math.floor(now / 1000);
      const mins = Array.from({ length: minutes }, (_, i) => last - minutes + 1 + i);
      const rs = await roots();
      // Commands of one event-loop turn go out together (auto-pipelining), node by node.
      const perMinute = await Promise.all(
        mins.map(async (m) => {
          const [perSecond, drivers] = await Promise.all([
            addedHashes(rs, `fps:${m}`),
            Promise.all(rs.map((r) => redis.pfcount(`${r}hll:${m}`))),
          ]);
          return { perSecond, drivers: drivers.reduce((a, b) => a + b, 0) };
        }),
      );
      const fixesPerSecond: AnalyticsSeries['fixesPerSecond'] = [];
      const activeDriversPerMinute: AnalyticsSeries['activeDriversPerMinute'] = [];
      mins.forEach((m, i) => {
        const { perSecond, drivers } = perMinute[i]!;
        for (let s = 0; s < 60 && m * 60 + s <= nowS; s++)
          fixesPerSecond.push({ t: m * 60 + s, fixes: perSecond[s] ?? 0 });
        activeDriversPerMinute.push({ t: m * 60, drivers });
      });
      return { from: mins[0]! * 60, to: nowS + 1, fixesPerSecond, activeDriversPerMinute };
    },

    /** Trip duration histograms and counts. */
    async trips(): Promise<TripStats> {
      const rs = await roots();
      const [a, p, totals] = await Promise.all([
        addedHashes(rs, 'hist:a'),
        addedHashes(rs, 'hist:p'),
        addedHashes(rs, 'totals'),
      ]);
      return {
        boundsS: [...bounds],
        assignedToDelivered: histogram(a),
        pickedUpToDelivered: histogram(p),
        tripsCompleted: totals.completed ?? 0,
        cancellations: totals.cancelled ?? 0,
      };
    },

    /** Fixes per heat cell over the heat windows overlapping the `minutes` before `now`. */
    async heat(now: number, minutes: number, maxCells = 5000): Promise<HeatGrid> {
      const first = Math.floor((now - minutes * 60_000) / HEAT_WINDOW_MS);
      const last = Math.floor(now / HEAT_WINDOW_MS);
      const windows = Array.from({ length: last - first + 1 }, (_, i) => first + i);
      const rs = await roots();
      const hashes = await Promise.all(
        windows.flatMap((w) => rs.map((r) => redis.hgetall(`${r}heat:${w}`))),
      );
      const cells = Object.entries(addUp(hashes))
        .sort((x, y) => y[1] - x[1])
        .slice(0, maxCells)
        .flatMap(([cell, fixes]) => {
          const corner = heatCellCorner(cell, heatCellDeg);
          return corner ? [{ ...corner, fixes }] : [];
        });
      return {
        cellDeg: heatCellDeg,
        from: Math.floor((first * HEAT_WINDOW_MS) / 1000),
        to: Math.floor(((last + 1) * HEAT_WINDOW_MS) / 1000),
        cells,
      };
    },

    /** Drivers by distance driven, longest first. */
    async topDrivers(limit: number): Promise<DriverDistanceList> {
      // Each partition's longest `limit`: the longest overall are among them.
      const rs = await roots();
      const lists = await Promise.all(
        rs.map((r) => redis.zrevrange(`${r}dist`, 0, limit - 1, 'WITHSCORES')),
      );
      const metres = new Map<string, number>();
      for (const flat of lists)
        for (let i = 0; i + 1 < flat.length; i += 2)
          metres.set(flat[i]!, (metres.get(flat[i]!) ?? 0) + Number(flat[i + 1]));
      const drivers: DriverDistanceList['drivers'] = [...metres]
        .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
        .slice(0, limit)
        .map(([driverId, m]) => ({ driverId, distanceKm: m / 1000 }));
      return { drivers };
    },
  };
}
