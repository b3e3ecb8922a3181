import { useEffect, useState } from 'react';
import type { PublicConfig, TripStatus } from '@fleetstream/contracts';
import { fetchCity, fetchPublicConfig } from '../../api/public.js';
import { MapView } from '../../components/map-view.js';
import { useTracking } from './use-tracking.js';

const STATUS_TEXT: Record<TripStatus, string> = {
  assigned: 'Your courier is on the way to the pickup',
  picked_up: 'Your order is on its way',
  delivered: 'Delivered',
  cancelled: 'This delivery was cancelled',
};

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
    <main className="page">
      <h1>{title}</h1>
      <p>{children}</p>
    </main>
  );
}

/** /track/:deliveryId?t=…: the customer's live view of one delivery. */
export function TrackingPage({ deliveryId, token }: { deliveryId: string; token: string }) {
  const { connection, delivery, position, trail, notifications } = useTracking(deliveryId, token);
  const [config, setConfig] = useState<PublicConfig | null>(null);
  const [city, setCity] = useState<GeoJSON.FeatureCollection | null>(null);
  const now = useNow(1000);
  useEffect(() => {
    fetchPublicConfig().then(setConfig, () => setConfig({ tileUrl: null, tileAttribution: '' }));
    void fetchCity().then(setCity);
  }, []);

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

  const ageS = position ? Math.max(0, Math.round((now - position.ts) / 1000)) : null;
  const live = connection.kind === 'live';
  return (
    <main className="tracking">
      <header className="tracking-header">
        <div>
          <h1 className="tracking-title">
            {delivery ? STATUS_TEXT[delivery.status] : 'Connecting to your delivery…'}
          </h1>
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
      <MapView
        config={config}
        city={city}
        driver={position}
        pickup={delivery?.pickup ?? null}
        dropoff={delivery?.dropoff ?? null}
        trail={trail}
      />
      <footer className="tracking-footer">
        {position ? (
          <p
            data-testid="driver-position"
            data-lat={position.lat}
            data-lng={position.lng}
            data-seq={position.seq}
          >
            Courier at {position.lat.toFixed(5)}, {position.lng.toFixed(5)} · updated {ageS} s ago
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
                <time dateTime={new Date(n.ts).toISOString()}>
                  {new Date(n.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
                </time>{' '}
                {n.message}
              </li>
            ))}
          </ol>
        </section>
      )}
    </main>
  );
}
