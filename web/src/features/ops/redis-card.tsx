import { useEffect, useState } from 'react';
import { fetchHealth, type Health } from '../../api/public.js';

/** Redis node by node, as GET /healthz reports it: the one server, or a cluster's nodes. */
export function RedisCard() {
  const [redis, setRedis] = useState<Health['components']['redis'] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const load = () =>
      fetchHealth().then(
        (h) => {
          setRedis(h.components.redis);
          setError(null);
        },
        (e: Error) => setError(e.message),
      );
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, []);

  const nodes = redis?.nodes ?? [];
  const primaries = nodes.filter((n) => n.role === 'primary').length;
  return (
    <section className="card" aria-labelledby="redis-title" data-testid="redis">
      <header className="card-header">
        <h2 id="redis-title">
          Redis{redis?.mode === 'cluster' ? ` cluster (${primaries} primaries)` : ''}
        </h2>
        <span className={`status ${redis?.ok ? 'status-OK' : 'status-STOP'}`}>
          {redis ? (redis.ok ? 'OK' : 'DOWN') : '…'}
        </span>
      </header>
      {error && <p role="alert">Could not load health: {error}</p>}
      {redis?.error && <p className="muted">{redis.error}</p>}
      <table className="nodes" aria-label="Redis nodes">
        <thead>
          <tr>
            <th>Node</th>
            <th>Role</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((n) => (
            <tr key={n.address} data-testid="redis-node">
              <td>{n.address}</td>
              <td>{n.role}</td>
              <td>{n.ok ? `ok (${n.pingMs ?? 0} ms)` : `down: ${n.error ?? ''}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
