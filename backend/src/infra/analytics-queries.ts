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
import type { RedisClient } from './redis.js';

const int = (v: string | undefined) => Number(v ?? 0) || 0;

/**
 * What the analytics API reads from the aggregates the analytics group writes
 * (analytics-store.ts lists the keys): read-only, any instance, any time.
 */
export function createAnalyticsQueries(
  redis: RedisClient,
  o: { P: string; activeWindowMin: number; heatCellDeg: number },
) {
  const { P, activeWindowMin, heatCellDeg } = o;
  const bounds = TRIP_DURATION_BOUNDS_S;
  const histogram = (h: Record<string, string>): DurationHistogram => {
    const count = int(h.count);
    const sumS = Number(h.sumS ?? 0);
    return {
      buckets: Array.from({ length: bounds.length + 1 }, (_, i) => int(h[`b${i}`])),
      count,
      sumS,
      meanS: count > 0 ? sumS / count : 0,
    };
  };

  return {
    /** Totals and the active drivers of the last `activeWindowMin` minutes before `now`. */
    async summary(now: number): Promise<AnalyticsSummary> {
      const minute = Math.floor(now / 60_000);
      const hlls = Array.from({ length: activeWindowMin }, (_, i) => `${P}hll:${minute - i}`);
      const [totals, drivers, active] = await Promise.all([
        redis.hgetall(`${P}totals`),
        redis.zcard(`${P}dist`),
        redis.pfcount(...hlls),
      ]);
      const distanceM = Number(totals.distanceM ?? 0);
      return {
        fixes: int(totals.fixes),
        activeDrivers: active,
        distanceKm: distanceM / 1000,
        tripsCompleted: int(totals.completed),
        cancellations: int(totals.cancelled),
        avgSpeedKmh: avgSpeedKmh(distanceM, int(totals.movingMs)),
        tripEvents: int(totals.tripEvents),
        drivers,
        duplicatesSkipped: int(totals.duplicates),
        replaysSkipped: int(totals.replays),
        staleSessionSkipped: int(totals.stale),
        sessionsStarted: int(totals.sessions),
        outliers: int(totals.outliers),
        activeWindowMin,
      };
    },

    /** Fixes per second up to `now` and active drivers per minute, over the last `minutes` minutes. */
    async series(now: number, minutes: number): Promise<AnalyticsSeries> {
      const last = Math.floor(now / 60_000);
      // Seconds after now are left out rather than drawn as zeros.
      const nowS = Math.floor(now / 1000);
      const mins = Array.from({ length: minutes }, (_, i) => last - minutes + 1 + i);
      const pipe = redis.pipeline();
      for (const m of mins) pipe.hgetall(`${P}fps:${m}`).pfcount(`${P}hll:${m}`);
      const res = (await pipe.exec()) ?? [];
      const fixesPerSecond: AnalyticsSeries['fixesPerSecond'] = [];
      const activeDriversPerMinute: AnalyticsSeries['activeDriversPerMinute'] = [];
      mins.forEach((m, i) => {
        const [e1, perSecond] = res[2 * i] ?? [];
        const [e2, drivers] = res[2 * i + 1] ?? [];
        if (e1 || e2) throw e1 ?? e2;
        const h = (perSecond ?? {}) as Record<string, string>;
        for (let s = 0; s < 60 && m * 60 + s <= nowS; s++)
          fixesPerSecond.push({ t: m * 60 + s, fixes: int(h[s]) });
        activeDriversPerMinute.push({ t: m * 60, drivers: Number(drivers ?? 0) });
      });
      return { from: mins[0]! * 60, to: nowS + 1, fixesPerSecond, activeDriversPerMinute };
    },

    /** Trip duration histograms and counts. */
    async trips(): Promise<TripStats> {
      const [a, p, totals] = await Promise.all([
        redis.hgetall(`${P}hist:a`),
        redis.hgetall(`${P}hist:p`),
        redis.hgetall(`${P}totals`),
      ]);
      return {
        boundsS: [...bounds],
        assignedToDelivered: histogram(a),
        pickedUpToDelivered: histogram(p),
        tripsCompleted: int(totals.completed),
        cancellations: int(totals.cancelled),
      };
    },

    /** Fixes per heat cell over the heat windows overlapping the `minutes` before `now`. */
    async heat(now: number, minutes: number, maxCells = 5000): Promise<HeatGrid> {
      const first = Math.floor((now - minutes * 60_000) / HEAT_WINDOW_MS);
      const last = Math.floor(now / HEAT_WINDOW_MS);
      const windows = Array.from({ length: last - first + 1 }, (_, i) => first + i);
      const hashes = await Promise.all(windows.map((w) => redis.hgetall(`${P}heat:${w}`)));
      const merged = new Map<string, number>();
      for (const h of hashes)
        for (const [cell, n] of Object.entries(h))
          merged.set(cell, (merged.get(cell) ?? 0) + int(n));
      const cells = [...merged]
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
      const flat = await redis.zrevrange(`${P}dist`, 0, limit - 1, 'WITHSCORES');
      const drivers: DriverDistanceList['drivers'] = [];
      for (let i = 0; i + 1 < flat.length; i += 2)
        drivers.push({ driverId: flat[i]!, distanceKm: Number(flat[i + 1]) / 1000 });
      return { drivers };
    },
  };
}
