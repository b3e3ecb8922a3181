import {
  AnalyticsSeriesSchema,
  AnalyticsSummarySchema,
  DriverDistanceListSchema,
  HeatGridSchema,
  TripStatsSchema,
  type AnalyticsSeries,
  type AnalyticsSummary,
  type DriverDistanceList,
  type HeatGrid,
  type TripStats,
} from '@fleetstream/contracts';
import { getJson } from './http.js';

/** GET an ops-token resource and check it against its contract schema. */
async function getChecked<T>(
  path: string,
  token: string,
  schema: { parse(body: unknown): T },
): Promise<T> {
  const body = await getJson<unknown>(path, { headers: { Authorization: `Bearer ${token}` } });
  return schema.parse(body);
}

export const fetchAnalyticsSummary = (token: string): Promise<AnalyticsSummary> =>
  getChecked('/api/analytics/summary', token, AnalyticsSummarySchema);

export const fetchAnalyticsSeries = (token: string, minutes = 15): Promise<AnalyticsSeries> =>
  getChecked(`/api/analytics/series?minutes=${minutes}`, token, AnalyticsSeriesSchema);

export const fetchTripStats = (token: string): Promise<TripStats> =>
  getChecked('/api/analytics/trips', token, TripStatsSchema);

export const fetchHeatGrid = (token: string, minutes = 30): Promise<HeatGrid> =>
  getChecked(`/api/analytics/heat?minutes=${minutes}`, token, HeatGridSchema);

export const fetchTopDrivers = (token: string, limit = 5): Promise<DriverDistanceList> =>
  getChecked(`/api/analytics/drivers?limit=${limit}`, token, DriverDistanceListSchema);
