import { useEffect, useState } from 'react';
import { fetchHealth, type Health } from '../../api/public.js';

/** /: what is running, and where to go next. */
export function HomePage() {
  const [health, setHealth] = useState<Health | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = () => fetchHealth().then(setHealth, (e: Error) => setError(e.message));
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, []);
  return (
    <main className="page">
      <h1>fleetstream</h1>
      <p>Real-time delivery tracking on Kafka.</p>
      <p>
        <a href="/ops">Ops: active deliveries and tracking links</a>
      </p>
      <p>
        <a href="/ops/replay">Replay the fleet</a>
      </p>
      <h2>Health</h2>
      {error && <p role="alert">Could not load health: {error}</p>}
      {health && (
        <ul aria-label="components">
          <li>Kafka: {health.components.kafka.ok ? 'ok' : 'down'}</li>
          <li>Redis: {health.components.redis.ok ? 'ok' : 'down'}</li>
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
