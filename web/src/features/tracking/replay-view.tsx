import { useMemo } from 'react';
import type { LatLng } from '@fleetstream/contracts';
import { project } from '@fleetstream/geo';
import { MapView } from '../../components/map-view.js';
import { formatReplayTime } from '../../components/replay-controls.js';
import { SessionControls } from '../replay/session-controls.js';
import { Headline, etaShown, tripHeadline } from './headline.js';
import { MilestoneSteps, NotificationList, reachedSteps } from './milestone-steps.js';
import { Message } from './tracking-message.js';
import { useDeliveryReplay } from './use-delivery-replay.js';
import { useMapData } from './use-map-data.js';
import { useReplayCourier } from './use-replay-courier.js';

/** A customer watches a trip at this speed unless the link says otherwise. */
const DEFAULT_SPEED = 10;

/**
 * /track/:deliveryId?t=…&replay=1: the delivery as its customer saw it, played back from the
 * log: the same map, steps and ETA as the live page, at the replay's clock.
 */
export function ReplayView({
  deliveryId,
  token,
  speed = DEFAULT_SPEED,
}: {
  deliveryId: string;
  token: string;
  speed?: number;
}) {
  const replay = useDeliveryReplay(deliveryId, token, speed);
  const { player, controls, trip, position, trail, notifications, route } = replay;
  const { config, city } = useMapData();
  const driverAt = useReplayCourier(position, route);
  const delivered = trip?.status === 'delivered';
  const remainingRoute = useMemo((): LatLng[] => {
    if (!route || !position || delivered) return [];
    const s = project(route, position).s;
    return [position, ...route.points.filter((_, i) => route.cum[i]! > s)];
  }, [route, position, delivered]);

  if (!token)
    return (
      <Message title="Tracking link incomplete">
        This link is missing its access code. Open the full link you were sent.
      </Message>
    );

  const liveUrl = `/track/${encodeURIComponent(deliveryId)}?${new URLSearchParams({ t: token }).toString()}`;
  const failed = player.error !== null || player.connection.kind === 'refused';
  const reached = reachedSteps(trip?.status, notifications);
  const title = failed
    ? 'This replay cannot be played'
    : !player.start
      ? 'Loading the replay…'
      : tripHeadline(trip?.status, reached, trip?.ts);
  // The ETA the customer was shown at that moment, not one computed now.
  const eta = etaShown(position, delivered);

  return (
    <main className={`tracking tracking-replay${delivered ? ' tracking-done' : ''}`}>
      <header className="tracking-header">
        <div>
          <Headline title={title} eta={eta} />
          <p className="muted">
            Replay of delivery <code>{deliveryId}</code>
            {position && <> · courier {position.driverId}</>} ·{' '}
            <a href={liveUrl}>Back to live tracking</a>
          </p>
          {failed && (
            <p role="alert" data-testid="replay-error">
              {player.error
                ? player.error.message
                : 'Could not start the replay. The link may have expired, or too many replays are running: try again in a moment.'}
            </p>
          )}
        </div>
        <span className="badge badge-replay">Replay</span>
      </header>
      <MilestoneSteps reached={reached} />
      <MapView
        config={config}
        city={city}
        driverAt={driverAt}
        pickup={replay.pickup}
        dropoff={replay.dropoff}
        trail={trail}
        remainingRoute={remainingRoute}
      />
      <footer className="tracking-footer replay-footer">
        <SessionControls player={player} controls={controls} disabled={failed} />
        {position ? (
          <p
            className="muted"
            data-testid="driver-position"
            data-lat={position.lat}
            data-lng={position.lng}
            data-seq={position.seq}
            data-trail={trail.length}
          >
            Courier position at {formatReplayTime(position.ts)}
          </p>
        ) : (
          <p className="muted" data-testid="driver-position" data-trail={0}>
            No courier position yet at this time.
          </p>
        )}
      </footer>
      <NotificationList notifications={notifications} />
    </main>
  );
}
