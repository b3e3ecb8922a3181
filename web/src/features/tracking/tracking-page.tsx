import { useEffect, useMemo, useState } from 'react';
import { project, type LatLng, type Milestone, type PublicConfig } from '@fleetstream/contracts';
import { fetchCity, fetchPublicConfig, type CityNetwork } from '../../api/public.js';
import { MapView } from '../../components/map-view.js';
import { fixAge, freshnessOf, useCourierMotion } from './use-courier-motion.js';
import { useTracking } from './use-tracking.js';
import { etaText } from './eta-text.js';

const STEPS: { key: Milestone | 'assigned'; label: string }[] = [
  { key: 'assigned', label: 'Confirmed' },
  { key: 'picked_up', label: 'Picked up' },
  { key: 'nearby', label: 'Nearby' },
  { key: 'arrived', label: 'Arrived' },
  { key: 'delivered', label: 'Delivered' },
];

function useNow(intervalMs: number) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

function Message({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="page" data-testid="tracking-message">
      <h1>{title}</h1>
      <p>{children}</p>
    </main>
  );
}

const clock = (ts: number) =>
  new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

/** /track/:deliveryId?t=…: the customer's live view of one delivery. */
export function TrackingPage({ deliveryId, token }: { deliveryId: string; token: string }) {
  const { connection, delivery, position, trail, notifications, route } = useTracking(
    deliveryId,
    token,
  );
  const [config, setConfig] = useState<PublicConfig | null>(null);
  const [city, setCity] = useState<CityNetwork | null>(null);
  const now = useNow(1000);
  const driverAt = useCourierMotion(position, route, config);
  useEffect(() => {
    fetchPublicConfig().then(setConfig, () =>
      setConfig({
        tileUrl: null,
        tileAttribution: '',
        staleAfterS: 10,
        deadReckonS: 5,
        pingIntervalMs: 15_000,
      }),
    );
    void fetchCity().then(setCity);
  }, []);
  const remainingRoute = useMemo((): LatLng[] => {
    if (!route || !position || delivery?.status === 'delivered') return [];
    const s = project(route, position).s;
    return [position, ...route.points.filter((_, i) => route.cum[i]! > s)];
  }, [route, position, delivery?.status]);

  if (!token)
    return (
      <Message title="Tracking link incomplete">
        This link is missing its access code. Open the full link you were sent.
      </Message>
    );
  if (connection.kind === 'refused') {
    if (connection.reason === 'expired')
      return (
        <Message title="This tracking link has expired">Ask the sender for a new link.</Message>
      );
    if (connection.reason === 'unknown')
      return (
        <Message title="Delivery not found">
          We have no delivery {deliveryId}. It may have finished a while ago.
        </Message>
      );
    return (
      <Message title="This tracking link is not valid">
        Check that you opened the whole link you were sent.
      </Message>
    );
  }
  if (delivery?.status === 'cancelled')
    return (
      <Message title="This delivery was cancelled">
        Delivery {deliveryId} was cancelled. No courier is on the way.
      </Message>
    );

  const reached = new Set<string>(['assigned', ...notifications.map((n) => n.milestone)]);
  if (delivery?.status === 'picked_up' || delivery?.status === 'delivered')
    reached.add('picked_up');
  if (delivery?.status === 'delivered') reached.add('delivered');
  const delivered = delivery?.status === 'delivered';
  const age = position ? fixAge(now, { receivedAt: now, ts: position.ts }) : null;
  const freshness = age === null ? null : freshnessOf(age, config?.staleAfterS ?? 10);
  const live = connection.kind === 'live';
  const title = !delivery
    ? 'Connecting to your delivery…'
    : delivered
      ? `Delivered at ${clock(delivery.statusTs)}`
      : reached.has('arrived')
        ? 'Your courier has arrived'
        : delivery.status === 'picked_up'
          ? 'Your order is on its way'
          : 'Your courier is heading to the restaurant';
  const eta =
    !delivered && position?.etaMinS !== undefined && position.etaMaxS !== undefined
      ? etaText(position.etaMinS, position.etaMaxS)
      : null;

  return (
    <main className={`tracking${delivered ? ' tracking-done' : ''}`}>
      <header className="tracking-header">
        <div>
          <h1 className="tracking-title" data-testid="tracking-title">
            {title}
          </h1>
          {eta && (
            <p className="eta" data-testid="eta">
              Arriving in <strong>{eta}</strong>
            </p>
          )}
          <p className="muted">
            Delivery <code>{deliveryId}</code>
            {delivery && <> · courier {delivery.driverId}</>}
          </p>
        </div>
        <span
          className={`badge ${live ? 'badge-live' : 'badge-wait'}`}
          role="status"
          data-testid="connection-state"
        >
          {live ? 'Live' : connection.kind === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
        </span>
      </header>
      <ol className="steps" aria-label="Delivery progress">
        {STEPS.map((s) => (
          <li
            key={s.key}
            className={reached.has(s.key) ? 'step-done' : ''}
            aria-current={reached.has(s.key) ? 'step' : undefined}
          >
            {s.label}
          </li>
        ))}
      </ol>
      <MapView
        config={config}
        city={city}
        driverAt={driverAt}
        pickup={delivery?.pickup ?? null}
        dropoff={delivery?.dropoff ?? null}
        trail={trail}
        remainingRoute={remainingRoute}
      />
      <footer className="tracking-footer">
        {position && age !== null ? (
          <p
            data-testid="driver-position"
            data-lat={position.lat}
            data-lng={position.lng}
            data-seq={position.seq}
            data-freshness={freshness}
            className={delivered ? '' : `freshness-${freshness}`}
          >
            {delivered
              ? `Delivered · last position ${ago(age)}`
              : freshness === 'live'
                ? `Courier position updated ${ago(age)}`
                : freshness === 'estimated'
                  ? `Estimated position · last update ${ago(age)}`
                  : `No update from the courier for ${ago(age).replace(' ago', '')} · the position shown may be out of date`}
          </p>
        ) : (
          <p className="muted">Waiting for the courier's first position…</p>
        )}
      </footer>
      {notifications.length > 0 && (
        <section className="notes" aria-label="Notifications" aria-live="polite">
          <ol>
            {[...notifications].reverse().map((n) => (
              <li key={n.id} data-testid="notification">
                <time dateTime={new Date(n.ts).toISOString()}>{clock(n.ts)}</time> {n.message}
              </li>
            ))}
          </ol>
        </section>
      )}
    </main>
  );
}
