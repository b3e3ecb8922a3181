import { useEffect, useMemo, useState } from 'react';
import type { LatLng } from '@fleetstream/contracts';
import { project } from '@fleetstream/geo';
import { MapView } from '../../components/map-view.js';
import { MilestoneSteps, NotificationList, reachedSteps } from './milestone-steps.js';
import { Message } from './tracking-message.js';
import { fixAge, freshnessOf, useCourierMotion } from './use-courier-motion.js';
import { useMapData } from './use-map-data.js';
import { useTracking } from './use-tracking.js';
import { Headline, etaShown, tripHeadline } from './headline.js';

function useNow(intervalMs: number) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

/** The replay of a delivery: its tracking link with `replay=1`. */
const replayUrl = (deliveryId: string, token: string) =>
  `/track/${encodeURIComponent(deliveryId)}?${new URLSearchParams({ t: token, replay: '1' }).toString()}`;

/** /track/:deliveryId?t=…: the customer's live view of one delivery. */
export function TrackingPage({ deliveryId, token }: { deliveryId: string; token: string }) {
  const { connection, delivery, position, trail, notifications, route } = useTracking(
    deliveryId,
    token,
  );
  const { config, city } = useMapData();
  const now = useNow(1000);
  const driverAt = useCourierMotion(position, route, config);
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

  const reached = reachedSteps(delivery?.status, notifications);
  const delivered = delivery?.status === 'delivered';
  const age = position ? fixAge(now, { receivedAt: now, ts: position.ts }) : null;
  const freshness = age === null ? null : freshnessOf(age, config?.staleAfterS ?? 10);
  const live = connection.kind === 'live';
  const title = !delivery
    ? 'Connecting to your delivery…'
    : tripHeadline(delivery.status, reached, delivery.statusTs);
  const eta = etaShown(position, delivered);

  return (
    <main className={`tracking${delivered ? ' tracking-done' : ''}`}>
      <header className="tracking-header">
        <div>
          <Headline title={title} eta={eta} />
          <p className="muted">
            Delivery <code>{deliveryId}</code>
            {delivery && <> · courier {delivery.driverId}</>}
          </p>
          {delivered && (
            <p className="muted">
              <a href={replayUrl(deliveryId, token)} data-testid="replay-link">
                See how your delivery went
              </a>
            </p>
          )}
        </div>
        <span
          className={`badge ${live ? 'badge-live' : 'badge-wait'}`}
          role="status"
          data-testid="connection-state"
        >
          {live ? 'Live' : connection.kind === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
        </span>
      </header>
      <MilestoneSteps reached={reached} />
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
      <NotificationList notifications={notifications} live />
    </main>
  );
}
