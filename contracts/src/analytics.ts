import { z } from 'zod';

const count = z.number().int().nonnegative();
const amount = z.number().nonnegative();

/**
 * Body of GET /api/analytics/summary (ops token): fleet-wide totals since the analytics group
 * started, each record counted exactly once.
 */
export const AnalyticsSummarySchema = z.object({
  /** Position records applied (producer duplicates and replays excluded). */
  fixes: count,
  /** Distinct drivers with a fix in the last `activeWindowMin` minutes of device time (HyperLogLog). */
  activeDrivers: count,
  /** Distance driven by the whole fleet, from consecutive fixes (see the outlier policy). */
  distanceKm: amount,
  /** Trips that reached `delivered`. */
  tripsCompleted: count,
  /** Trips that reached `cancelled`. */
  cancellations: count,
  /** Fleet distance over the time spent on counted segments; 0 before the first segment. */
  avgSpeedKmh: amount,
  /** Trip events applied (any status). */
  tripEvents: count,
  /** Distinct drivers ever seen with a fix. */
  drivers: count,
  /** Records skipped because their driver's session already had that seq or a later one. */
  duplicatesSkipped: count,
  /** Records skipped because their driver had since started a newer session (see `SessionSchema`). */
  staleSessionSkipped: count.default(0),
  /** Sessions that superseded a driver's earlier one: driver app restarts. */
  sessionsStarted: count.default(0),
  /** Records skipped because their offset was already applied (redelivery after a crash or rebalance). */
  replaysSkipped: count,
  /** Segments between consecutive fixes left out of the distance by the outlier policy. */
  outliers: count,
  /** Window of `activeDrivers`, minutes. */
  activeWindowMin: z.number().int().positive(),
});
export type AnalyticsSummary = z.infer<typeof AnalyticsSummarySchema>;

/** Body of GET /api/analytics/series?minutes=N: per-second throughput and per-minute active drivers. */
export const AnalyticsSeriesSchema = z.object({
  /** Epoch seconds of the first and one past the last second covered (now). */
  from: z.number().int(),
  to: z.number().int(),
  /** One point per second of device time up to now, zeros included. */
  fixesPerSecond: z.array(z.object({ t: z.number().int(), fixes: count })),
  /** One point per minute (t = epoch seconds of the minute's start). */
  activeDriversPerMinute: z.array(z.object({ t: z.number().int(), drivers: count })),
});
export type AnalyticsSeries = z.infer<typeof AnalyticsSeriesSchema>;

/** A duration histogram: `buckets[i]` counts durations ≤ `boundsS[i]`, the last one the rest. */
export const DurationHistogramSchema = z.object({
  buckets: z.array(count),
  count,
  sumS: amount,
  /** 0 when empty. */
  meanS: amount,
});
export type DurationHistogram = z.infer<typeof DurationHistogramSchema>;

/** Body of GET /api/analytics/trips. */
export const TripStatsSchema = z.object({
  /** Upper bounds of the buckets in seconds; one more bucket holds everything longer. */
  boundsS: z.array(z.number().positive()),
  assignedToDelivered: DurationHistogramSchema,
  pickedUpToDelivered: DurationHistogramSchema,
  tripsCompleted: count,
  cancellations: count,
});
export type TripStats = z.infer<typeof TripStatsSchema>;

/** Body of GET /api/analytics/heat?minutes=N: fixes per grid cell (lat/lng = south-west corner). */
export const HeatGridSchema = z.object({
  cellDeg: z.number().positive(),
  from: z.number().int(),
  to: z.number().int(),
  cells: z.array(z.object({ lat: z.number(), lng: z.number(), fixes: count })),
});
export type HeatGrid = z.infer<typeof HeatGridSchema>;

/** Body of GET /api/analytics/drivers?limit=N: drivers by distance driven, longest first. */
export const DriverDistanceListSchema = z.object({
  drivers: z.array(z.object({ driverId: z.string(), distanceKm: amount })),
});
export type DriverDistanceList = z.infer<typeof DriverDistanceListSchema>;
