import { useEffect, useMemo, useState } from 'react';
import type { PublicConfig, ReplayServerMessage } from '@fleetstream/contracts';
import { ApiError } from '../../api/http.js';
import { fetchDeliveries } from '../../api/ops.js';
import { fetchCity, fetchPublicConfig, type CityNetwork } from '../../api/public.js';
import type { ReplayRequest } from '../../api/replay-socket.js';
import { createFleetLayer } from '../../components/fleet-layer.js';
import { FleetMap } from '../../components/fleet-map.js';
import { formatReplayTime } from '../../components/replay-controls.js';
import { TokenForm, useOpsToken } from '../ops/ops-token.js';
import { SessionControls } from './session-controls.js';
import { useReplaySession } from './use-replay-session.js';
import { WindowPicker, type ReplayWindow } from './window-picker.js';

/** /ops/replay: the whole fleet over a window of the log, on one map, at up to 60×. */
export function FleetReplayPage() {
  const [token, setToken] = useOpsToken();
  const [tokenError, setTokenError] = useState<string | null>(null);
  const [config, setConfig] = useState<PublicConfig | null>(null);
  const [city, setCity] = useState<CityNetwork | null>(null);
  const [request, setRequest] = useState<ReplayRequest | null>(null);
  const [count, setCount] = useState(0);
  const layer = useMemo(() => createFleetLayer(), []);

  useEffect(() => {
    fetchPublicConfig().then(setConfig, () => setConfig(null));
    void fetchCity().then(setCity);
  }, []);

  // Frames go straight to the canvas; React only hears how many couriers there are.
  const onMessage = (m: ReplayServerMessage) => {
    if (m.type === 'replay-start' || (m.type === 'replay-state' && m.seeked)) layer.clear();
    else if (m.type === 'frame') layer.update(m.couriers);
    else return;
    setCount(layer.size);
  };
  const { player, controls } = useReplaySession(request, onMessage);

  // A refused upgrade does not say why: ask the API whether it is the token.
  const refused = player.connection.kind === 'refused';
  useEffect(() => {
    if (!refused || !token) return;
    fetchDeliveries(token, 1).catch((e: unknown) => {
      if (e instanceof ApiError && e.status === 401) {
        setTokenError('That ops token was refused.');
        setToken('');
        setRequest(null);
      }
    });
    // Once per refusal: setToken is a new function on every render.
  }, [refused, token]);

  if (!token) return <TokenForm onToken={setToken} error={tokenError} />;

  const start = (w: ReplayWindow) => {
    layer.clear();
    setCount(0);
    setRequest({ from: w.from, to: w.to, speed: w.speed, opsToken: token });
  };
  const failed = player.error !== null || refused;
  return (
    <main className="page page-wide">
      <header className="dash-header">
        <h1>Fleet replay</h1>
        <nav>
          <a href="/ops">Dashboard</a> · <a href="/ops/deliveries">Deliveries</a> ·{' '}
          <a href="/ops/analytics">Analytics</a>
        </nav>
      </header>
      <p className="muted">
        Plays the couriers back from the Kafka log, as they were, without touching any consumer
        group.
      </p>
      <WindowPicker onStart={start} />
      {request && (
        <section className="replay-session" aria-label="Replay">
          {failed && (
            <p role="alert" data-testid="replay-error">
              {player.error
                ? player.error.message
                : 'Could not start the replay. Check the window and the speed, or try again in a moment.'}
              {player.error?.oldestAvailable != null &&
                ` The log now starts at ${formatReplayTime(player.error.oldestAvailable)}.`}
            </p>
          )}
          <p className="replay-summary">
            <strong data-testid="replay-couriers">{count}</strong> couriers
            {player.start && (
              <>
                {' '}
                · window {formatReplayTime(player.start.from)} – {formatReplayTime(player.start.to)}
                {player.start.oldestAvailable !== null &&
                  ` · the log starts at ${formatReplayTime(player.start.oldestAvailable)}`}
              </>
            )}
          </p>
          <SessionControls player={player} controls={controls} disabled={failed} />
        </section>
      )}
      <FleetMap config={config} city={city} layer={layer} />
    </main>
  );
}
