import { useEffect, useState } from 'react';
import { fetchHealth, type Health } from '../../api/public.js';
import { ImpactLine } from '../ops/impact-line.js';
import { useOpsToken } from '../ops/ops-token.js';
import { PipelineDiagram } from './pipeline-diagram.js';
import { usePipeline } from './use-pipeline.js';
import './home.css';

const CONNECTION_TEXT = {
  'no-token': 'Static picture',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  live: 'Live',
  unauthorized: 'Token refused',
} as const;

/** Asks for the ops token in a line, for the live figures; the picture works without it. */
function TokenLine({ onToken, refused }: { onToken: (t: string) => void; refused: boolean }) {
  const [draft, setDraft] = useState('');
  return (
    <form
      className="home-token"
      onSubmit={(e) => {
        e.preventDefault();
        onToken(draft.trim());
      }}
    >
      <label htmlFor="home-ops-token">
        {refused ? 'That ops token was refused. ' : ''}Ops token (printed by npm start), for the
        live figures:
      </label>
      <input
        id="home-ops-token"
        type="password"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        autoComplete="off"
      />
      <button type="submit">Show live</button>
    </form>
  );
}

/** /: the pipeline itself, live, and where to go next. */
export function HomePage() {
  const [token, setToken] = useOpsToken();
  const { connection, snapshot, demoTrackingUrl } = usePipeline(token);
  const [health, setHealth] = useState<Health | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = () => fetchHealth().then(setHealth, (e: Error) => setError(e.message));
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, []);
  const refused = connection === 'unauthorized';
  return (
    <main className="page page-wide home">
      <header className="home-header">
        <h1>fleetstream</h1>
        <span
          className={`badge ${connection === 'live' ? 'badge-live' : 'badge-wait'}`}
          role="status"
          data-testid="pipeline-connection"
        >
          {CONNECTION_TEXT[connection]}
        </span>
      </header>
      <p>
        Real-time delivery tracking on Kafka: one stream of courier fixes, read independently by
        three consumer groups. Producers never wait for consumers; a group that stops loses nothing
        and catches up from its committed offsets.
      </p>
      <nav className="home-links" aria-label="Pages">
        <a href="/ops">Dashboard</a>
        <a href="/ops/fleet">Fleet map</a>
        <a href="/ops/deliveries">Deliveries</a>
        <a href="/ops/analytics">Analytics</a>
        <a href="/ops/replay">Fleet replay</a>
        {demoTrackingUrl && <a href={demoTrackingUrl}>Demo tracking link</a>}
      </nav>
      <PipelineDiagram snapshot={snapshot} demoTrackingUrl={demoTrackingUrl} />
      {snapshot && <ImpactLine impact={snapshot.impact} />}
      {(!token || refused) && (
        <TokenLine
          refused={refused}
          onToken={(t) => {
            if (t) setToken(t);
          }}
        />
      )}
      <h2>Health</h2>
      {error && <p role="alert">Could not load health: {error}</p>}
      {health && (
        <ul aria-label="components">
          <li>Kafka: {health.components.kafka.ok ? 'ok' : 'down'}</li>
          <li>
            Redis: {health.components.redis.ok ? 'ok' : 'down'}
            {health.components.redis.mode === 'cluster' &&
              ` (cluster: ${(health.components.redis.nodes ?? []).filter((n) => n.ok).length} of ${(health.components.redis.nodes ?? []).length} nodes answer)`}
          </li>
          {Object.entries(health.components.roles).map(([role, r]) => (
            <li key={role}>
              {role}: {r.ok ? `ok (${r.ready} ready)` : 'down'}
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
