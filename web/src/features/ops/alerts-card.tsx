import { useEffect, useState } from 'react';
import type { Alert, AlertRule } from '@fleetstream/contracts';
import { fetchAlerts } from '../../api/alerts.js';
import { formatMs } from './group-card.js';

const RULE_NAMES: Record<AlertRule, string> = {
  'time-lag': 'Time lag',
  status: 'Status',
  'catch-up': 'Catch-up time',
  'retention-risk': 'Retention risk',
};

const time = (ms: number) => (
  <time dateTime={new Date(ms).toISOString()}>{new Date(ms).toLocaleTimeString()}</time>
);

/**
 * The ops role's alerts (time lag, status, catch-up time, retention risk): those firing now,
 * then the history of resolved ones, newest first. Polled, like the other ops cards.
 */
export function AlertsCard({ token }: { token: string }) {
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const load = () =>
      fetchAlerts(token).then(
        (body) => {
          setAlerts(body.alerts);
          setError(null);
        },
        (err: Error) => setError(err.message),
      );
    void load();
    const timer = setInterval(() => void load(), 2000);
    return () => clearInterval(timer);
  }, [token]);

  const firing = alerts?.filter((a) => a.state === 'firing') ?? [];
  const resolved = alerts?.filter((a) => a.state === 'resolved') ?? [];
  return (
    <section
      className="card"
      aria-labelledby="alerts-title"
      data-testid="alerts"
      style={{ marginBottom: '1rem' }}
    >
      <header className="card-header">
        <h2 id="alerts-title">Alerts</h2>
        <span
          className={`status ${firing.length > 0 ? 'status-STOP' : 'status-OK'}`}
          data-testid="alerts-firing"
        >
          {alerts ? `${firing.length} firing` : '…'}
        </span>
      </header>
      {error && <p role="alert">Alerts unavailable: {error}</p>}
      {alerts && firing.length === 0 && <p className="muted">Nothing is firing.</p>}
      {firing.length > 0 && (
        <ol className="events" data-testid="alerts-active">
          {firing.map((a) => (
            <li key={a.id}>
              <strong>{RULE_NAMES[a.rule]}</strong> · {a.groupId} · since {time(a.firedAt)}:{' '}
              {a.detail}
            </li>
          ))}
        </ol>
      )}
      {resolved.length > 0 && (
        <details data-testid="alerts-history">
          <summary>History ({resolved.length} resolved)</summary>
          <ol className="events">
            {resolved.map((a) => (
              <li key={a.id}>
                {time(a.firedAt)} <strong>{RULE_NAMES[a.rule]}</strong> · {a.groupId}, resolved
                after {formatMs((a.resolvedAt ?? a.since) - a.firedAt)}: {a.detail}
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}
