import { AnalyticsPage } from './features/analytics/analytics-page.js';
import { HomePage } from './features/home/home-page.js';
import { DashboardPage } from './features/ops/dashboard-page.js';
import { OpsPage } from './features/ops/ops-page.js';
import { TrackingPage } from './features/tracking/tracking-page.js';

/** Three pages, chosen by path; the gateway serves index.html for each. */
export function App() {
  const path = location.pathname;
  const track = /^\/track\/([^/]+)\/?$/.exec(path);
  if (track)
    return (
      <TrackingPage
        deliveryId={decodeURIComponent(track[1]!)}
        token={new URLSearchParams(location.search).get('t') ?? ''}
      />
    );
  if (path === '/ops' || path === '/ops/') return <DashboardPage />;
  if (path === '/ops/deliveries') return <OpsPage />;
  if (path === '/ops/analytics' || path === '/ops/analytics/') return <AnalyticsPage />;
  return <HomePage />;
}
