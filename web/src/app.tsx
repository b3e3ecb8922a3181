import { Suspense, lazy, type ReactNode } from 'react';
import { REPLAY_MAX_SPEED, REPLAY_MIN_SPEED } from '@fleetstream/contracts';
import { HomePage } from './features/home/home-page.js';
import { TrackingPage } from './features/tracking/tracking-page.js';

// The customer's tracking page is what most people open, on a phone: the ops pages (charts,
// the fleet replay) and the delivery replay load only on their own routes (STYLE.md §14).
const DashboardPage = lazy(() =>
  import('./features/ops/dashboard-page.js').then((m) => ({ default: m.DashboardPage })),
);
const OpsPage = lazy(() =>
  import('./features/ops/ops-page.js').then((m) => ({ default: m.OpsPage })),
);
const AnalyticsPage = lazy(() =>
  import('./features/analytics/analytics-page.js').then((m) => ({ default: m.AnalyticsPage })),
);
const FleetReplayPage = lazy(() =>
  import('./features/replay/fleet-replay-page.js').then((m) => ({ default: m.FleetReplayPage })),
);
const FleetPage = lazy(() =>
  import('./features/fleet/fleet-page.js').then((m) => ({ default: m.FleetPage })),
);
const ReplayView = lazy(() =>
  import('./features/tracking/replay-view.js').then((m) => ({ default: m.ReplayView })),
);

const loading = (
  <main className="page">
    <p className="muted">Loading…</p>
  </main>
);
const split = (page: ReactNode) => <Suspense fallback={loading}>{page}</Suspense>;

/** A replay speed from the link, when it is one the player offers. */
function speedParam(query: URLSearchParams): number | undefined {
  const speed = Number(query.get('speed'));
  return speed >= REPLAY_MIN_SPEED && speed <= REPLAY_MAX_SPEED ? speed : undefined;
}

/** The pages, chosen by path; the gateway serves index.html for each. */
export function App() {
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  const track = /^\/track\/([^/]+)\/?$/.exec(path);
  if (track) {
    const deliveryId = decodeURIComponent(track[1]!);
    const token = query.get('t') ?? '';
    if (query.get('replay') === '1')
      return split(<ReplayView deliveryId={deliveryId} token={token} speed={speedParam(query)} />);
    return <TrackingPage deliveryId={deliveryId} token={token} />;
  }
  if (path === '/ops' || path === '/ops/') return split(<DashboardPage />);
  if (path === '/ops/deliveries') return split(<OpsPage />);
  if (path === '/ops/analytics' || path === '/ops/analytics/') return split(<AnalyticsPage />);
  if (path === '/ops/replay' || path === '/ops/replay/') return split(<FleetReplayPage />);
  if (path === '/ops/fleet' || path === '/ops/fleet/') return split(<FleetPage />);
  return <HomePage />;
}
