import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  FLEET_STATES,
  type FleetSnapshotMessage,
  type FleetViewport,
  type PublicConfig,
} from '@fleetstream/contracts';
import { connectFleet } from '../../api/fleet-socket.js';
import type { OpsConnection } from '../../api/ops-stream.js';
import { fetchCity, fetchPublicConfig, type CityNetwork } from '../../api/public.js';
import { createClusterLayer } from '../../components/fleet-clusters.js';
import {
  COURIER_LABELS,
  createFleetLayer,
  type SelectedCourier,
} from '../../components/fleet-layer.js';
import { FleetMap } from '../../components/fleet-map.js';
import { TokenForm, useOpsToken } from '../ops/ops-token.js';
import { CourierPanel } from './courier-panel.js';

type Summary = Omit<FleetSnapshotMessage, 'couriers' | 'clusters'> & {
  shown: number;
  clustered: boolean;
};

/**
 * /ops/fleet: every courier, live, coloured by state, on one canvas; clusters when zoomed out
 * over many. One WebSocket brings what is in view once a second, whatever the fleet's size.
 */
export function FleetPage() {
  const [token, setToken] = useOpsToken();
  const [tokenError, setTokenError] = useState<string | null>(null);
  const [config, setConfig] = useState<PublicConfig | null>(null);
  const [city, setCity] = useState<CityNetwork | null>(null);
  const [selected, setSelected] = useState<SelectedCourier | null>(null);
  const [summary, setSummary] = useState<Summary | null>(null);
  const [connection, setConnection] = useState<OpsConnection>('connecting');
  const layer = useMemo(() => createFleetLayer({ onSelect: setSelected, follow: false }), []);
  const clusters = useMemo(() => createClusterLayer(), []);
  const stream = useRef<ReturnType<typeof connectFleet> | null>(null);
  const viewport = useRef<FleetViewport | null>(null);

  useEffect(() => {
    fetchPublicConfig().then(setConfig, () => setConfig(null));
    void fetchCity().then(setCity);
  }, []);

  useEffect(() => {
    if (!token) return;
    const s = connectFleet(token, {
      // Snapshots go straight to the canvas; React renders only the counts.
      onMessage(m) {
        if (m.couriers) {
          clusters.clear();
          layer.show(m.couriers);
        } else {
          layer.clear();
          clusters.show(m.clusters ?? []);
        }
        const { couriers, clusters: groups, ...rest } = m;
        setSummary({
          ...rest,
          shown: couriers?.length ?? (groups ?? []).reduce((n, c) => n + c.count, 0),
          clustered: couriers === null,
        });
      },
      onState(state) {
        setConnection(state);
        if (state === 'unauthorized') {
          setTokenError('That ops token was refused.');
          setToken('');
        }
      },
    });
    stream.current = s;
    if (viewport.current) s.setViewport(viewport.current);
    return () => {
      s.close();
      stream.current = null;
    };
    // setToken is a new function on every render; the stream depends on the token only.
  }, [token, layer, clusters]);

  const onViewport = useCallback((v: FleetViewport) => {
    viewport.current = v;
    stream.current?.setViewport(v);
  }, []);

  if (!token) return <TokenForm onToken={setToken} error={tokenError} />;
  return (
    <main className="page page-wide">
      <header className="dash-header">
        <h1>Fleet</h1>
        <nav>
          <a href="/ops">Dashboard</a> · <a href="/ops/deliveries">Deliveries</a> ·{' '}
          <a href="/ops/replay">Replay</a> · <a href="/ops/analytics">Analytics</a>
        </nav>
      </header>
      <p className="replay-summary" data-testid="fleet-summary">
        <strong data-testid="fleet-total">{summary?.total ?? 0}</strong> couriers
        {summary &&
          FLEET_STATES.map((s) => (
            <span key={s}>
              {' '}
              · {COURIER_LABELS[s]}{' '}
              <strong data-testid={`fleet-count-${s}`}>{summary.counts[s]}</strong>
            </span>
          ))}
        {summary && (
          <span className="muted">
            {' '}
            · {summary.shown} in view{summary.clustered ? ', clustered' : ''} · offline after{' '}
            {summary.offlineAfterS} s without a fix
          </span>
        )}
        {connection !== 'live' && <span className="muted"> · {connection}…</span>}
      </p>
      <div className="fleet-live">
        <FleetMap
          config={config}
          city={city}
          layer={layer}
          clusters={clusters}
          onViewport={onViewport}
          withOffline
        />
        {selected && (
          <CourierPanel courier={selected} token={token} now={summary?.at ?? Date.now()} />
        )}
      </div>
    </main>
  );
}
