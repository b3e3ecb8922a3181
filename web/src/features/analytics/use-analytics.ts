import { useEffect, useState } from 'react';
import type {
  AnalyticsSeries,
  AnalyticsSummary,
  DriverDistanceList,
  HeatGrid,
  TripStats,
} from '@fleetstream/contracts';
import {
  fetchAnalyticsSeries,
  fetchAnalyticsSummary,
  fetchHeatGrid,
  fetchTopDrivers,
  fetchTripStats,
} from '../../api/analytics.js';
import type { ApiError } from '../../api/http.js';

export interface AnalyticsData {
  summary: AnalyticsSummary;
  series: AnalyticsSeries;
  trips: TripStats;
  heat: HeatGrid;
  drivers: DriverDistanceList;
}

/** How the panel polls: window sizes and refresh period. */
export const ANALYTICS_VIEW = { seriesMinutes: 15, heatMinutes: 30, refreshMs: 5000 };

/**
 * Every analytics resource, refreshed every few seconds while `token` is set. A 401 drops the
 * token (the caller asks for another); other errors keep the last data and report the message.
 */
export function useAnalytics(token: string, onUnauthorized: () => void) {
  const [data, setData] = useState<AnalyticsData | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!token) return;
    let live = true;
    const load = async () => {
      try {
        const [summary, series, trips, heat, drivers] = await Promise.all([
          fetchAnalyticsSummary(token),
          fetchAnalyticsSeries(token, ANALYTICS_VIEW.seriesMinutes),
          fetchTripStats(token),
          fetchHeatGrid(token, ANALYTICS_VIEW.heatMinutes),
          fetchTopDrivers(token, 5),
        ]);
        if (!live) return;
        setData({ summary, series, trips, heat, drivers });
        setError(null);
      } catch (e) {
        if (!live) return;
        if ((e as ApiError).status === 401) onUnauthorized();
        setError((e as Error).message);
      }
    };
    void load();
    const timer = setInterval(() => void load(), ANALYTICS_VIEW.refreshMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
    // onUnauthorized is a fresh closure each render; the token alone decides what to poll.
  }, [token]);

  return { data, error };
}
