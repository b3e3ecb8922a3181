import { useEffect, useMemo, useState } from 'react';
import type { PublicConfig } from '@fleetstream/contracts';
import { fetchPublicConfig } from '../../api/public.js';
import { HeatMap } from '../../components/heat-map.js';
import { HistogramChart } from '../../components/histogram-chart.js';
import { TimeChart } from '../../components/time-chart.js';
import { TokenForm, useOpsToken } from '../ops/ops-token.js';
import { ANALYTICS_VIEW, useAnalytics } from './use-analytics.js';
import './analytics.css';

const number = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

/** Short bucket labels ("≤5m", ">90m") that fit under narrow bars. */
function bucketLabels(boundsS: readonly number[]): string[] {
  const fmt = (s: number) => (s < 60 ? `${s}s` : `${number.format(s / 60)}m`);
  return [...boundsS.map((b) => `≤${fmt(b)}`), `>${fmt(boundsS.at(-1) ?? 0)}`];
}

/** /ops/analytics: fleet aggregates of the analytics group, refreshed every few seconds. */
export function AnalyticsPage() {
  const [token, setToken] = useOpsToken();
  const { data, error } = useAnalytics(token, () => setToken(''));
  const [config, setConfig] = useState<PublicConfig | null>(null);
  useEffect(() => {
    fetchPublicConfig().then(setConfig, () => setConfig(null));
  }, []);

  const throughput = useMemo(() => {
    const points = data?.series.fixesPerSecond ?? [];
    return {
      times: points.map((p) => p.t * 1000),
      series: [{ label: 'fixes/s', color: '#2563eb', values: points.map((p) => p.fixes) }],
      total: points.reduce((a, p) => a + p.fixes, 0),
    };
  }, [data?.series]);
  const active = useMemo(() => {
    const points = data?.series.activeDriversPerMinute ?? [];
    return {
      times: points.map((p) => p.t * 1000),
      series: [{ label: 'drivers', color: '#16a34a', values: points.map((p) => p.drivers) }],
      peak: Math.max(0, ...points.map((p) => p.drivers)),
    };
  }, [data?.series]);
  const histogram = useMemo(() => {
    const t = data?.trips;
    if (!t) return null;
    return {
      labels: bucketLabels(t.boundsS),
      series: [
        { label: 'assigned → delivered', color: '#9333ea', counts: t.assignedToDelivered.buckets },
        { label: 'picked up → delivered', color: '#d97706', counts: t.pickedUpToDelivered.buckets },
      ],
    };
  }, [data?.trips]);

  if (!token) return <TokenForm onToken={setToken} error={error} />;
  const s = data?.summary;
  const figures: [string, string, string][] = s
    ? [
        ['fixes', 'Fixes', number.format(s.fixes)],
        ['active-drivers', `Active drivers (${s.activeWindowMin} min)`, String(s.activeDrivers)],
        ['distance', 'Distance driven', `${number.format(s.distanceKm)} km`],
        ['avg-speed', 'Average speed', `${number.format(s.avgSpeedKmh)} km/h`],
        ['trips-completed', 'Trips completed', number.format(s.tripsCompleted)],
        ['cancellations', 'Cancellations', number.format(s.cancellations)],
        ['duplicates', 'Duplicates skipped', number.format(s.duplicatesSkipped)],
        ['replays', 'Redeliveries skipped', number.format(s.replaysSkipped)],
        ['sessions', 'Driver app restarts', number.format(s.sessionsStarted)],
        ['stale', 'Stale-session records skipped', number.format(s.staleSessionSkipped)],
      ]
    : [];
  const mean = (m: number) => (m > 0 ? `${number.format(m / 60)} min` : '–');

  return (
    <main className="page page-wide">
      <header className="dash-header">
        <h1>Fleet analytics</h1>
        <span className="muted">
          exactly once, refreshed every {ANALYTICS_VIEW.refreshMs / 1000} s
        </span>
        <nav>
          <a href="/ops">Ops dashboard</a> · <a href="/ops/deliveries">Deliveries</a>
        </nav>
      </header>
      {error && <p role="alert">Could not load analytics: {error}</p>}
      {!data && !error && <p>Loading…</p>}
      {data && (
        <>
          <dl className="kpis">
            {figures.map(([id, label, value]) => (
              <div key={id} className="kpi">
                <dt>{label}</dt>
                <dd data-testid={`kpi-${id}`}>{value}</dd>
              </div>
            ))}
          </dl>
          <div className="charts">
            <div data-testid="chart-throughput" data-total={throughput.total}>
              <TimeChart
                title={`Throughput, last ${ANALYTICS_VIEW.seriesMinutes} min (device time)`}
                times={throughput.times}
                series={throughput.series}
                unit="fixes/s"
              />
            </div>
            <div data-testid="chart-active-drivers" data-peak={active.peak}>
              <TimeChart
                title="Active drivers per minute"
                times={active.times}
                series={active.series}
                unit="drivers"
              />
            </div>
            {histogram && (
              <div
                data-testid="chart-trip-durations"
                data-total={
                  data.trips.assignedToDelivered.count + data.trips.pickedUpToDelivered.count
                }
              >
                <HistogramChart
                  title={`Trip durations (mean ${mean(data.trips.assignedToDelivered.meanS)} assigned → delivered, ${mean(data.trips.pickedUpToDelivered.meanS)} picked up → delivered)`}
                  labels={histogram.labels}
                  series={histogram.series}
                />
              </div>
            )}
          </div>
          <h2>Where the fleet drives (last {ANALYTICS_VIEW.heatMinutes} min)</h2>
          <HeatMap config={config} grid={data.heat} />
          <h2>Longest distances</h2>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Driver</th>
                <th scope="col">Distance</th>
              </tr>
            </thead>
            <tbody>
              {data.drivers.drivers.map((d) => (
                <tr key={d.driverId}>
                  <td>{d.driverId}</td>
                  <td>{number.format(d.distanceKm)} km</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </main>
  );
}
